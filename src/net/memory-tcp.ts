/**
 * An in-memory TCP network for simulations: listeners bound to (address, port), dialers that
 * connect to them through MemoryStream pairs (memory-stream.ts: asynchronous, chunked delivery as
 * on TCP). A dial to an address nobody listens on is refused; dials and accepted connections are
 * checked against netrestrict as the Node adapters do (node-tcp.ts). No sockets, no wall clock.
 */
import { NodeFinderError } from '../errors.js';
import { normalizeIp } from './ip.js';
import { createMemoryStreamPair, type MemoryStream } from './memory-stream.js';
import type { Netrestrict } from './netrestrict.js';
import type { ByteStream, TcpDialer, TcpListener } from './transport.js';

/** Where memory dialers' connections come from (their local ports count up from here). */
const FIRST_EPHEMERAL_PORT = 40000;

export interface MemoryTcpNetworkOptions {
  /** Read sizes given the bytes waiting (default: all at once); e.g. randomChunks(seed). */
  chunkSize?: (available: number) => number;
}

export class MemoryTcpNetwork {
  private readonly listeners = new Map<string, MemoryTcpListener>();
  private nextPort = FIRST_EPHEMERAL_PORT;
  /** Connections made (accepted by a listener) and refused. */
  connected = 0;
  refused = 0;
  /** Bytes delivered on every connection (reads), for simulations waiting until nothing moves. */
  bytesDelivered = 0;
  /** Reads and closes on every connection. */
  streamEvents = 0;

  constructor(private readonly options: MemoryTcpNetworkOptions = {}) {}

  /** Listen on (address, port); port 0 picks a free one. */
  listen(address: string, port = 0, options: { netrestrict?: Netrestrict } = {}): MemoryTcpListener {
    const ip = normalizeIp(address);
    if (ip === undefined) throw new NodeFinderError('socket_error', `memory TCP: ${address} is not an IP literal`);
    let p = port;
    if (p === 0) while (this.listeners.has(key(ip, (p = this.nextPort++))));
    if (this.listeners.has(key(ip, p))) throw new NodeFinderError('address_in_use', `memory TCP: ${ip}:${p} is in use`);
    const l = new MemoryTcpListener(this, ip, p, options.netrestrict);
    this.listeners.set(key(ip, p), l);
    return l;
  }

  /** A dialer whose connections come from `localAddress`. */
  dialer(localAddress: string, options: { netrestrict?: Netrestrict } = {}): TcpDialer {
    return {
      connect: (host, port, opts = {}) => {
        try {
          options.netrestrict?.check(host);
        } catch (err) {
          return Promise.reject(err);
        }
        if (opts.signal?.aborted) return Promise.reject(new NodeFinderError('aborted', 'dial aborted'));
        const ip = normalizeIp(host);
        const target = ip === undefined ? undefined : this.listeners.get(key(ip, port));
        // Like a TCP RST: asynchronous, never synchronous.
        return Promise.resolve().then(() => {
          const local = { address: normalizeIp(localAddress) ?? localAddress, port: this.nextPort++ };
          const stream = target?.accept(local, this.options.chunkSize, (n) => {
            this.bytesDelivered += n;
            this.streamEvents++;
          });
          if (!stream) {
            this.refused++;
            throw new NodeFinderError('connection_refused', `memory TCP: connection to ${host}:${port} refused`);
          }
          this.connected++;
          return stream;
        });
      },
    };
  }

  /** @internal */
  unlisten(l: MemoryTcpListener): void {
    const k = key(l.address, l.port);
    if (this.listeners.get(k) === l) this.listeners.delete(k);
  }
}

function key(ip: string, port: number): string {
  return `${ip}|${port}`;
}

export class MemoryTcpListener implements TcpListener {
  private handler: ((stream: ByteStream) => void) | undefined;
  private readonly accepted = new Set<MemoryStream>();
  private closed = false;

  constructor(
    private readonly network: MemoryTcpNetwork,
    readonly address: string,
    readonly port: number,
    private readonly netrestrict: Netrestrict | undefined,
  ) {}

  onConnection(handler: (stream: ByteStream) => void): void {
    this.handler = handler;
  }

  /** @internal The dialer's end, or undefined when refused. */
  accept(from: { address: string; port: number }, chunkSize?: (available: number) => number, onDeliver?: (bytes: number) => void): MemoryStream | undefined {
    if (this.closed || !this.handler) return undefined;
    const [client, server] = createMemoryStreamPair({
      addresses: [from, { address: this.address, port: this.port }],
      ...(chunkSize ? { chunkSize } : {}),
      ...(onDeliver ? { onDeliver } : {}),
    });
    if (this.netrestrict && !this.netrestrict.allows(from.address)) {
      // node-tcp.ts drops such connections at once: the dialer sees a connection that closes.
      server.destroy();
      return client;
    }
    this.accepted.add(server);
    server.onClose(() => this.accepted.delete(server));
    this.handler(server);
    return client;
  }

  /** Stop listening and destroy accepted connections still open (as node-tcp.ts does). */
  async close(): Promise<void> {
    this.closed = true;
    this.network.unlisten(this);
    for (const s of [...this.accepted]) s.destroy();
  }
}
