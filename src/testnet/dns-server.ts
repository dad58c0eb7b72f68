/**
 * A tiny authoritative UDP DNS server for TXT records, on loopback only: tests and the testnet
 * publish DNS trees (EIP-1459) with it, so DNS discovery is exercised without ever querying real
 * DNS. TXT queries for known names get their records; other types of a known name get an empty
 * answer; unknown names NXDOMAIN; malformed queries FORMERR (when an ID can be read) or nothing.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { NonLoopbackHostError } from './errors.js';
import { buildDnsResponse, parseDnsQuery, RCODE_FORMERR, RCODE_NOERROR, RCODE_NOTIMP, RCODE_NXDOMAIN, TYPE_TXT, CLASS_IN, DNS_HEADER_BYTES, UDP_PLAIN_LIMIT } from './dns-wire.js';

export interface DnsServerStats {
  queries: number;
  answered: number;
  nxdomain: number;
  malformed: number;
}

export class DnsTxtServer {
  readonly stats: DnsServerStats = { queries: 0, answered: 0, nxdomain: 0, malformed: 0 };
  private records = new Map<string, string[]>();

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listen on a loopback address (127.0.0.0/8 or ::1); port 0 picks a free one. */
  static async start(options: { host?: string; port?: number; records?: Iterable<{ name: string; text: string }> } = {}): Promise<DnsTxtServer> {
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
    const server = new DnsTxtServer(socket, host, socket.address().port);
    if (options.records) server.setRecords(options.records);
    socket.on('message', (msg, rinfo) => server.onMessage(msg, rinfo.address, rinfo.port));
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

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    this.stats.queries++;
    let reply: Uint8Array | undefined;
    try {
      const q = parseDnsQuery(msg);
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
    if (reply) this.socket.send(reply, port, address);
  }
}
