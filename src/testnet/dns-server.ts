/**
 * A tiny authoritative UDP DNS server for TXT records, on loopback only: tests and the testnet
 * publish DNS trees (EIP-1459) with it, so DNS discovery is exercised without ever querying real
 * DNS. TXT queries for known names get their records; other types of a known name get an empty
 * answer; unknown names NXDOMAIN; malformed queries FORMERR (when an ID can be read) or nothing.
 * Answers too large for UDP are truncated (TC), and the same port serves TCP (RFC 1035 §4.2.2:
 * two-byte length prefix), where resolvers retry.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIP, type Server } from 'node:net';
import { NonLoopbackHostError } from './errors.js';
import { buildDnsResponse, parseDnsQuery, RCODE_FORMERR, RCODE_NOERROR, RCODE_NOTIMP, RCODE_NXDOMAIN, TYPE_TXT, CLASS_IN, DNS_HEADER_BYTES, UDP_PLAIN_LIMIT } from './dns-wire.js';

export interface DnsServerStats {
  queries: number;
  answered: number;
  nxdomain: number;
  malformed: number;
}

/** Ports the OS picks for UDP before one is also free for TCP. */
const PICK_ATTEMPTS = 5;

export class DnsTxtServer {
  readonly stats: DnsServerStats = { queries: 0, answered: 0, nxdomain: 0, malformed: 0 };
  private records = new Map<string, string[]>();

  private constructor(
    private readonly socket: Socket,
    private readonly tcp: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /**
   * Listen on a loopback address (127.0.0.0/8 or ::1); port 0 picks a free one. A port the OS picks is
   * free for UDP only, and TCP must take the same number: when another socket holds it for TCP
   * (EADDRINUSE), pick again, a few times.
   */
  static async start(options: { host?: string; port?: number; records?: Iterable<{ name: string; text: string }> } = {}): Promise<DnsTxtServer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await DnsTxtServer.listenOnce(options);
      } catch (err) {
        const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!taken || (options.port ?? 0) !== 0 || attempt >= PICK_ATTEMPTS) throw err;
      }
    }
  }

  private static async listenOnce(options: { host?: string; port?: number; records?: Iterable<{ name: string; text: string }> }): Promise<DnsTxtServer> {
    const host = options.host ?? '127.0.0.1';
    if (!(isIP(host) === 4 && host.startsWith('127.')) && host !== '::1') throw new NonLoopbackHostError(host);
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const port = socket.address().port;
    const tcp = createServer((conn) => {
      let buffered = Buffer.alloc(0);
      conn.on('error', () => conn.destroy());
      conn.setTimeout(10_000, () => conn.destroy());
      conn.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length > 2 + 0xffff) return conn.destroy();
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
          buffered = buffered.subarray(2 + msg.length);
          const reply = server.answer(msg, 0xffff);
          if (!reply) return conn.destroy();
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([len, reply]));
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    }).catch(async (err: unknown) => {
      socket.close();
      throw err;
    });
    const server = new DnsTxtServer(socket, tcp, host, port);
    if (options.records) server.setRecords(options.records);
    socket.on('message', (msg, rinfo) => {
      const reply = server.answer(msg);
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    socket.on('error', () => {
      // a send to a vanished client: nothing to do
    });
    return server;
  }

  /** `host:port` for Resolver.setServers / `crawl --dns-server`. */
  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  /** Replace every record (a republished tree). Several texts under one name are several TXT records. */
  setRecords(records: Iterable<{ name: string; text: string }>): void {
    const next = new Map<string, string[]>();
    for (const r of records) {
      const name = r.name.replace(/\.$/, '').toLowerCase();
      next.set(name, [...(next.get(name) ?? []), r.text]);
    }
    this.records = next;
  }

  async close(): Promise<void> {
    await Promise.all([new Promise<void>((resolve) => this.socket.close(() => resolve())), new Promise<void>((resolve) => this.tcp.close(() => resolve()))]);
  }

  /** The reply to one message (undefined: not even an ID to answer to). `tcpLimit` lifts the UDP size limit. */
  private answer(msg: Buffer, tcpLimit?: number): Uint8Array | undefined {
    this.stats.queries++;
    let reply: Uint8Array | undefined;
    try {
      const parsed = parseDnsQuery(msg);
      const q = tcpLimit ? { ...parsed, udpLimit: tcpLimit } : parsed;
      if (q.opcode !== 0 || q.qclass !== CLASS_IN) {
        reply = buildDnsResponse(q, RCODE_NOTIMP);
      } else {
        const texts = this.records.get(q.name);
        if (!texts) {
          this.stats.nxdomain++;
          reply = buildDnsResponse(q, RCODE_NXDOMAIN);
        } else {
          this.stats.answered++;
          reply = buildDnsResponse(q, RCODE_NOERROR, q.qtype === TYPE_TXT ? texts : []);
        }
      }
    } catch {
      this.stats.malformed++;
      if (msg.length >= DNS_HEADER_BYTES && !(msg[2]! & 0x80)) {
        const id = msg.readUInt16BE(0);
        reply = buildDnsResponse({ id, flags: 0, opcode: 0, name: '', qtype: 0, qclass: 0, question: new Uint8Array(), udpLimit: UDP_PLAIN_LIMIT }, RCODE_FORMERR);
        reply = Buffer.from(reply);
        (reply as Buffer).writeUInt16BE(0, 4); // no question echoed
      }
    }
    return reply;
  }
}
