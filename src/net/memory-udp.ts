/**
 * An in-memory UDP network for deterministic tests and simulations: transports bound to
 * (address, port) pairs exchange datagrams without sockets. Delivery is asynchronous like real
 * UDP — on a microtask, or after `latencyMs` on the injected Clock (so ManualClock controls it).
 * Each transport enforces its netrestrict list before every send, as the Node adapter does.
 */
import { NodeFinderError } from '../errors.js';
import { normalizeIp } from './ip.js';
import type { Clock } from './clock.js';
import type { Netrestrict } from './netrestrict.js';
import type { UdpAddress, UdpTransport } from './transport.js';

export interface MemoryDatagram {
  from: UdpAddress;
  to: UdpAddress;
  data: Uint8Array;
}

export interface MemoryUdpNetworkOptions {
  /** Required when latencyMs > 0. */
  clock?: Clock;
  /** One-way delay of every datagram; 0 delivers on the next microtask. */
  latencyMs?: number;
}

const FIRST_EPHEMERAL_PORT = 40000;

export class MemoryUdpNetwork {
  private readonly sockets = new Map<string, MemoryUdpTransport>();
  private nextPort = FIRST_EPHEMERAL_PORT;
  readonly clock: Clock | undefined;
  latencyMs: number;
  /** Return false to drop a datagram (loss, partitions, capture-and-replay tests). */
  filter: ((d: MemoryDatagram) => boolean) | undefined;
  /** Every datagram accepted for delivery, in send order. */
  readonly sent: MemoryDatagram[] = [];
  /** Keep `sent` (off by default: long simulations would grow it without bound). */
  record = false;
  delivered = 0;
  dropped = 0;

  constructor(options: MemoryUdpNetworkOptions = {}) {
    this.clock = options.clock;
    this.latencyMs = options.latencyMs ?? 0;
    if (this.latencyMs > 0 && !this.clock) throw new RangeError('MemoryUdpNetwork: latencyMs needs a clock');
  }

  /** Bind a transport; port 0 (default) picks a free one. */
  bind(address: string, port = 0, options: { netrestrict?: Netrestrict } = {}): MemoryUdpTransport {
    const ip = normalizeIp(address);
    if (ip === undefined) throw new NodeFinderError('socket_error', `memory UDP: ${address} is not an IP literal`);
    let p = port;
    if (p === 0) while (this.sockets.has(key(ip, (p = this.nextPort++))));
    if (this.sockets.has(key(ip, p))) throw new NodeFinderError('address_in_use', `memory UDP: ${ip}:${p} is in use`);
    const t = new MemoryUdpTransport(this, { address: ip, port: p }, options.netrestrict);
    this.sockets.set(key(ip, p), t);
    return t;
  }

  /** Put a datagram on the wire as if sent from `from` (no socket needed, no netrestrict). */
  inject(from: UdpAddress, to: UdpAddress, data: Uint8Array): void {
    this.route({ from: { ...from }, to: { address: normalizeIp(to.address) ?? to.address, port: to.port }, data: Uint8Array.from(data) });
  }

  /** @internal */
  route(d: MemoryDatagram): void {
    if (this.filter && !this.filter(d)) {
      this.dropped++;
      return;
    }
    if (this.record) this.sent.push(d);
    const deliver = () => {
      const target = this.sockets.get(key(d.to.address, d.to.port));
      if (!target || !target.deliver(d)) this.dropped++;
      else this.delivered++;
    };
    if (this.latencyMs > 0) this.clock!.setTimer(this.latencyMs, deliver);
    else queueMicrotask(deliver);
  }

  /** @internal */
  unbind(t: MemoryUdpTransport): void {
    const k = key(t.localAddress.address, t.localAddress.port);
    if (this.sockets.get(k) === t) this.sockets.delete(k);
  }
}

function key(ip: string, port: number): string {
  return `${ip}|${port}`;
}

export class MemoryUdpTransport implements UdpTransport {
  private handler: ((data: Uint8Array, from: UdpAddress) => void) | undefined;
  private closed = false;

  constructor(
    private readonly network: MemoryUdpNetwork,
    readonly localAddress: UdpAddress,
    private readonly netrestrict: Netrestrict | undefined,
  ) {}

  send(data: Uint8Array, to: UdpAddress): void {
    if (this.closed) throw new NodeFinderError('socket_error', 'memory UDP: send on a closed transport');
    const ip = normalizeIp(to.address);
    if (ip === undefined) throw new NodeFinderError('host_unreachable', `memory UDP: ${to.address} is not an IP literal`);
    this.netrestrict?.check(ip);
    this.network.route({ from: { ...this.localAddress }, to: { address: ip, port: to.port }, data: Uint8Array.from(data) });
  }

  onMessage(handler: (data: Uint8Array, from: UdpAddress) => void): void {
    this.handler = handler;
  }

  /** @internal Returns false when nobody listens. */
  deliver(d: MemoryDatagram): boolean {
    if (this.closed || !this.handler) return false;
    this.handler(Uint8Array.from(d.data), { ...d.from });
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.network.unbind(this);
  }
}
