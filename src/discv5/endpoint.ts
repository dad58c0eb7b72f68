/**
 * Thin I/O for discv5: binds a Discv5Service to a UdpTransport (src/net/transport.ts) and turns its
 * callbacks into promises with AbortSignal and an overall timeout. With `attach: false` the owner
 * of the socket routes datagrams itself (port sharing with discv4, see demux.ts).
 */
import type { Enr } from '../enode/enr.js';
import type { NodeFinderError } from '../errors.js';
import { systemClock, type Clock } from '../net/clock.js';
import type { UdpAddress, UdpTransport } from '../net/transport.js';
import { fromUtf8 } from '../util/bytes.js';
import { MessageType } from './constants.js';
import { BadRequestError } from './errors.js';
import { RequestAbortedError, RequestTimeoutError } from '../net/request.js';
import type { RequestBody } from './messages.js';
import { Discv5Service, type CallResult, type Discv5ServiceOptions, type Discv5Target, type FindNodeResult } from './service.js';

export interface Discv5EndpointOptions extends Omit<Discv5ServiceOptions, 'send' | 'clock'> {
  transport: UdpTransport;
  clock?: Clock;
  /** Register as the transport's datagram handler (default true). */
  attach?: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overall deadline for the call, handshake included (the per-packet timeouts apply anyway). */
  timeoutMs?: number;
}

export type Discv5Peer = Enr | Discv5Target;

/** A node's record as a call target: its IPv4 (else IPv6) UDP endpoint. */
export function targetOf(peer: Discv5Peer): Discv5Target {
  if (!('raw' in peer)) return peer;
  const rec = peer.toNodeRecord();
  if (!rec) throw new BadRequestError('discv5: the record has no IP address and UDP port');
  return { nodeId: peer.nodeId, addr: { address: rec.ip, port: rec.udpPort }, enr: peer };
}

export class Discv5Endpoint {
  readonly service: Discv5Service;
  private readonly clock: Clock;

  constructor(private readonly opts: Discv5EndpointOptions) {
    this.clock = opts.clock ?? systemClock;
    const transport = opts.transport;
    this.service = new Discv5Service({ ...opts, clock: this.clock, send: (packet, to) => transport.send(packet, to) });
    if (opts.attach !== false) transport.onMessage((data, from) => this.service.handleDatagram(data, from));
  }

  get localAddress(): UdpAddress {
    return this.opts.transport.localAddress;
  }

  get localId(): Uint8Array {
    return this.service.localId;
  }

  /** Route one datagram (when not attached). */
  handleDatagram(data: Uint8Array, from: UdpAddress): void {
    this.service.handleDatagram(data, from);
  }

  async ping(peer: Discv5Peer, options: CallOptions = {}): Promise<{ enrSeq: bigint; ip: string; port: number }> {
    const r = await this.call(peer, { type: MessageType.Ping, enrSeq: this.opts.identity.enr().seq }, options);
    if (r.type !== 'pong') throw new Error('unreachable');
    return { enrSeq: r.enrSeq, ip: r.ip, port: r.port };
  }

  /** FINDNODE at log distances; verified records (partial when the remote stopped mid-answer). */
  async findNode(peer: Discv5Peer, distances: number[], options: CallOptions = {}): Promise<Enr[]> {
    return (await this.findNodeDetailed(peer, distances, options)).records;
  }

  async findNodeDetailed(peer: Discv5Peer, distances: number[], options: CallOptions = {}): Promise<FindNodeResult> {
    const r = await this.call(peer, { type: MessageType.FindNode, distances: [...distances] }, options);
    if (r.type !== 'nodes') throw new Error('unreachable');
    return r.result;
  }

  /** The remote's current record: FINDNODE at distance 0 (geth RequestENR). */
  async requestEnr(peer: Discv5Peer, options: CallOptions = {}): Promise<Enr | undefined> {
    return (await this.findNode(peer, [0], options))[0];
  }

  /** TALKREQ; an empty response means the remote does not speak `protocol`. */
  async talkReq(peer: Discv5Peer, protocol: string | Uint8Array, request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    const p = typeof protocol === 'string' ? fromUtf8(protocol) : protocol;
    const r = await this.call(peer, { type: MessageType.TalkReq, protocol: p, request }, options);
    if (r.type !== 'talk') throw new Error('unreachable');
    return r.response;
  }

  /** Fail pending calls and close the transport. */
  async close(): Promise<void> {
    this.service.close();
    await this.opts.transport.close();
  }

  private call(peer: Discv5Peer, body: RequestBody, options: CallOptions): Promise<CallResult> {
    const name = body.type === MessageType.Ping ? 'PING' : body.type === MessageType.FindNode ? 'FINDNODE' : 'TALKREQ';
    if (options.signal?.aborted) return Promise.reject(new RequestAbortedError(`discv5 ${name}`, { cause: options.signal.reason }));
    let target: Discv5Target;
    try {
      target = targetOf(peer);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<CallResult>((resolve, reject) => {
      let timer: ReturnType<Clock['setTimer']> | undefined;
      let settled = false;
      const onAbort = () => cancel(options.signal?.reason);
      const cancel = this.service.request(target, body, (err: NodeFinderError | undefined, result?: CallResult) => {
        settled = true;
        if (timer) this.clock.clearTimer(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(result!);
      });
      if (settled) return;
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        const ms = options.timeoutMs;
        timer = this.clock.setTimer(ms, () => cancel(new RequestTimeoutError(`discv5 ${name}`, ms)));
      }
    });
  }
}
