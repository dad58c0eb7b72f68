/**
 * The discv5 protocol state machine (discv5-theory.md "Sessions", "Handshake Implementation
 * Considerations"): requests with request IDs, one call in flight per node (later ones queue, as geth's
 * v5_udp.go dispatch does), WHOAREYOU challenges for packets we cannot decrypt, the handshake re-send
 * of the challenged request, NODES answers spread over `total` packets, and answers to PING, FINDNODE
 * and TALKREQ. No sockets: datagrams go out through `send`, come in through `handleDatagram`; time
 * from the injected clock, randomness from the codec's source.
 */
import { decodeEnrItem, type Enr } from '../enode/enr.js';
import { logDistance } from '../enode/distance.js';
import { normalizeIp } from '../net/ip.js';
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import type { TimerHandle } from '../net/clock.js';
import type { UdpAddress } from '../net/transport.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { Discv5Codec, systemRandom, type Discv5Random } from './codec.js';
import {
  HANDSHAKE_BURST_PER_IP,
  HANDSHAKE_TIMEOUT_MS,
  HANDSHAKES_PER_SECOND_PER_IP,
  HANDSHAKE_PACKET_OVERHEAD,
  MAX_FINDNODE_DISTANCES,
  MAX_DISTANCE,
  MAX_PACKET_SIZE,
  MessageType,
  NODES_TOTAL_LIMIT,
  RATE_LIMIT_MAX_IPS,
  RESPONSE_TIMEOUT_MS,
} from './constants.js';
import { BadRequestError, Discv5Error, HandshakeError } from './errors.js';
import { RequestAbortedError, RequestTimeoutError } from '../net/request.js';
import { encodeMessage, MESSAGE_NAMES, responseTypeOf, type Message, type NodesMessage, type RequestBody, type RequestMessage, type ResponseMessage } from './messages.js';
import { RateLimiter } from './rate-limit.js';
import { answerFindNode, answerPing } from './responder.js';
import type { CallResult, Discv5Event, Discv5ServiceOptions, Discv5Stats, Discv5Target } from './service-types.js';

export type { CallResult, Discv5Event, Discv5ServiceOptions, Discv5Stats, Discv5Target, FindNodeResult } from './service-types.js';

interface Call {
  target: Discv5Target;
  key: string;
  message: RequestMessage;
  responseType: number;
  nonce?: string;
  challenged: boolean;
  sessionReported: boolean;
  retriesLeft: number;
  timer?: TimerHandle;
  nodes?: { records: Enr[]; seen: Set<string>; received: number; total: number; invalid: number };
  done: (err: NodeFinderError | undefined, result?: CallResult) => void;
}

export class Discv5Service {
  readonly codec: Discv5Codec;
  readonly stats: Discv5Stats = { packetsIn: 0, packetsOut: 0, dropped: 0, whoareyouSent: 0, handshakesIn: 0, handshakesOut: 0, rateLimited: 0, requestsAnswered: 0, retries: 0 };
  private readonly active = new Map<string, Call>();
  private readonly byNonce = new Map<string, Call>();
  private readonly queues = new Map<string, Call[]>();
  private readonly limiter: RateLimiter;
  private readonly random: Discv5Random;
  private closed = false;

  constructor(private readonly opts: Discv5ServiceOptions) {
    this.random = opts.random ?? systemRandom;
    this.codec = new Discv5Codec(opts.identity, opts.clock, this.random, opts.maxSessions);
    if (!equalBytes(opts.identity.enr().nodeId, this.codec.localId)) throw new RangeError('Discv5Service: the record is not signed with the private key');
    this.limiter = new RateLimiter(
      opts.clock,
      opts.handshakeBurstPerIp ?? HANDSHAKE_BURST_PER_IP,
      opts.handshakesPerSecondPerIp ?? HANDSHAKES_PER_SECOND_PER_IP,
      RATE_LIMIT_MAX_IPS,
    );
  }

  get localId(): Uint8Array {
    return this.codec.localId;
  }

  /** Calls in flight or queued (for callers that bound concurrency). */
  get pendingCalls(): number {
    let n = 0; // the active call of a node is the head of its queue
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /**
   * Send a request; `done` runs exactly once with the result or a typed error (timeout, aborted,
   * handshake failure, send failure). Returns a cancel function (→ RequestAbortedError).
   */
  request(target: Discv5Target, message: RequestBody, done: (err: NodeFinderError | undefined, result?: CallResult) => void): (reason?: unknown) => void {
    const name = MESSAGE_NAMES[message.type];
    const fail = (err: NodeFinderError) => {
      done(err);
      return () => {};
    };
    if (this.closed) return fail(new RequestAbortedError(`discv5 ${name}`, { cause: 'closed' }));
    if (message.type === MessageType.FindNode) {
      const ds = message.distances;
      if (ds.length === 0 || ds.length > MAX_FINDNODE_DISTANCES || ds.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_DISTANCE)) {
        return fail(new BadRequestError(`discv5 FINDNODE needs 1..${MAX_FINDNODE_DISTANCES} distances in 0..256`));
      }
    }
    const address = normalizeIp(target.addr.address);
    if (address === undefined || !Number.isInteger(target.addr.port) || target.addr.port < 1 || target.addr.port > 0xffff) {
      return fail(new BadRequestError(`discv5 ${name}: ${target.addr.address}:${target.addr.port} is not a UDP endpoint`));
    }
    if (target.enr && !equalBytes(target.enr.nodeId, target.nodeId)) return fail(new BadRequestError(`discv5 ${name}: the record is another node's`));
    const request = { ...message, requestId: this.random.bytes(8) } as RequestMessage;
    // The request may have to go out again as a handshake packet, our record included: it must fit then.
    const worst = HANDSHAKE_PACKET_OVERHEAD + this.opts.identity.enr().raw.length + encodeMessage(request).length;
    if (worst > MAX_PACKET_SIZE) return fail(new BadRequestError(`discv5 ${name}: ${worst} bytes as a handshake packet, above ${MAX_PACKET_SIZE}`));
    const call: Call = {
      target: { ...target, addr: { address, port: target.addr.port } },
      key: bytesToHex(target.nodeId),
      message: request,
      responseType: responseTypeOf(message as RequestMessage),
      challenged: false,
      sessionReported: false,
      retriesLeft: Math.max(0, Math.floor(this.opts.retries ?? 0)),
      done,
    };
    const queue = this.queues.get(call.key);
    if (queue) queue.push(call);
    else this.queues.set(call.key, [call]);
    this.next(call.key);
    // A caller's own deadline arrives as a RequestTimeoutError and keeps its kind.
    return (reason?: unknown) => this.finish(call, reason instanceof RequestTimeoutError ? reason : new RequestAbortedError(`discv5 ${name}`, { cause: reason }));
  }

  /** Feed one received datagram. Never throws: what we cannot use is counted and reported as 'dropped'. */
  handleDatagram(data: Uint8Array, from: UdpAddress): void {
    if (this.closed) return;
    this.stats.packetsIn++;
    let r;
    try {
      r = this.codec.decode(data, from);
    } catch (err) {
      this.drop(from, 'decode', err);
      return;
    }
    switch (r.kind) {
      case 'whoareyou':
        return this.onWhoareyou(r.header.nonce, r.challengeData, r.header.enrSeq, from);
      case 'unknown':
        return this.onUnknown(r.srcId, r.nonce, from);
      case 'message':
        if (r.handshake && r.enr) {
          this.stats.handshakesIn++;
          this.opts.onEvent?.({ type: 'session', nodeId: r.srcId, addr: from, enr: r.enr, initiator: false });
        }
        if (r.message.type === MessageType.Ping || r.message.type === MessageType.FindNode || r.message.type === MessageType.TalkReq) {
          return this.answer(r.srcId, from, r.message);
        }
        return this.onResponse(r.srcId, from, r.message);
    }
  }

  /** Fail every call (RequestAbortedError) and stop answering. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const q of [...this.queues.values()]) for (const c of [...q]) this.finish(c, new RequestAbortedError(`discv5 ${MESSAGE_NAMES[c.message.type]}`, { cause: 'closed' }));
  }

  // -------------------------------------------------------------------------------------------
  // Outgoing calls

  private next(key: string): void {
    if (this.active.has(key)) return;
    const call = this.queues.get(key)?.[0];
    if (!call) return;
    this.active.set(key, call);
    this.transmit(call, undefined);
  }

  /** Send (or re-send as a handshake) and arm the timer. */
  private transmit(call: Call, challenge: { challengeData: Uint8Array; enrSeq: bigint } | undefined): void {
    let encoded;
    try {
      const hadSession = this.codec.sessions.get(call.target.nodeId, call.target.addr) !== undefined;
      encoded = challenge
        ? this.codec.encodeHandshake(call.target.enr!, call.target.addr, call.message, challenge)
        : this.codec.encodeMessage(call.target.nodeId, call.target.addr, call.message);
      this.opts.send(encoded.packet, call.target.addr);
      this.stats.packetsOut++;
      if (challenge) this.stats.handshakesOut++;
      this.arm(call, hadSession && !challenge ? (this.opts.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS) : (this.opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS));
    } catch (err) {
      this.finish(call, toNodeFinderError(err));
      return;
    }
    if (call.nonce) this.byNonce.delete(call.nonce);
    call.nonce = bytesToHex(encoded.nonce);
    this.byNonce.set(call.nonce, call);
  }

  private arm(call: Call, ms: number): void {
    if (call.timer) this.opts.clock.clearTimer(call.timer);
    call.timer = this.opts.clock.setTimer(ms, () => {
      call.timer = undefined;
      const n = call.nodes;
      // A partial NODES answer is still an answer (geth returns the nodes with the timeout error).
      if (n && n.received > 0) this.finish(call, undefined, { type: 'nodes', result: { records: n.records, complete: false, invalid: n.invalid } });
      else if (call.retriesLeft > 0) {
        // A fresh packet (new nonce); if our handshake was the lost one, the remote challenges again.
        call.retriesLeft--;
        call.challenged = false;
        this.stats.retries++;
        this.transmit(call, undefined);
      } else this.finish(call, new RequestTimeoutError(`discv5 ${MESSAGE_NAMES[call.message.type]}`, ms));
    });
  }

  private finish(call: Call, err: NodeFinderError | undefined, result?: CallResult): void {
    const queue = this.queues.get(call.key);
    const at = queue?.indexOf(call) ?? -1;
    if (at < 0) return; // already finished
    queue!.splice(at, 1);
    if (queue!.length === 0) this.queues.delete(call.key);
    if (call.timer) this.opts.clock.clearTimer(call.timer);
    if (call.nonce && this.byNonce.get(call.nonce) === call) this.byNonce.delete(call.nonce);
    if (this.active.get(call.key) === call) this.active.delete(call.key);
    try {
      call.done(err, result);
    } finally {
      if (!this.closed) this.next(call.key);
    }
  }

  /** theory "Step 3". A WHOAREYOU is only valid for a call we sent, from the address we sent it to, once. */
  private onWhoareyou(nonce: Uint8Array, challengeData: Uint8Array, enrSeq: bigint, from: UdpAddress): void {
    const call = this.byNonce.get(bytesToHex(nonce));
    if (!call || !sameAddr(call.target.addr, from)) return this.drop(from, 'unsolicited WHOAREYOU');
    if (call.challenged) return this.drop(from, 'second WHOAREYOU for one call');
    if (!call.target.enr) return this.finish(call, new HandshakeError('discv5: remote wants a handshake but we have no record of it'));
    call.challenged = true;
    this.transmit(call, { challengeData, enrSeq });
  }

  private onResponse(srcId: Uint8Array, from: UdpAddress, msg: ResponseMessage): void {
    const call = this.active.get(bytesToHex(srcId));
    if (!call || !equalBytes(call.message.requestId, msg.requestId) || !sameAddr(call.target.addr, from) || call.responseType !== msg.type) {
      return this.drop(from, `unsolicited ${MESSAGE_NAMES[msg.type]}`);
    }
    if (call.challenged && call.target.enr && !call.sessionReported) {
      call.sessionReported = true;
      this.opts.onEvent?.({ type: 'session', nodeId: srcId, addr: from, enr: call.target.enr, initiator: true });
    }
    switch (msg.type) {
      case MessageType.Pong:
        return this.finish(call, undefined, { type: 'pong', enrSeq: msg.enrSeq, ip: msg.ip, port: msg.port });
      case MessageType.TalkResp:
        return this.finish(call, undefined, { type: 'talk', response: msg.response });
      case MessageType.Nodes:
        return this.onNodes(call, msg);
    }
  }

  /** Verify each record on its own (geth verifyResponseNode): signature, requested distance, no duplicates. */
  private onNodes(call: Call, msg: NodesMessage): void {
    const n = (call.nodes ??= { records: [], seen: new Set(), received: 0, total: -1, invalid: 0 });
    const distances = call.message.type === MessageType.FindNode ? call.message.distances : [];
    for (const item of msg.records) {
      let enr: Enr;
      try {
        enr = decodeEnrItem(item);
      } catch {
        n.invalid++;
        continue;
      }
      const id = bytesToHex(enr.nodeId);
      if (!distances.includes(logDistance(call.target.nodeId, enr.nodeId)) || n.seen.has(id)) {
        n.invalid++;
        continue;
      }
      n.seen.add(id);
      n.records.push(enr);
    }
    if (n.total < 0) n.total = Math.max(1, Math.min(msg.total, NODES_TOTAL_LIMIT));
    if (++n.received >= n.total) return this.finish(call, undefined, { type: 'nodes', result: { records: n.records, complete: true, invalid: n.invalid } });
    this.arm(call, this.opts.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS);
  }

  // -------------------------------------------------------------------------------------------
  // Incoming requests

  /**
   * theory "Step 2", rate-limited per IP. While a challenge to (id, addr) lives, it is repeated rather
   * than replaced (geth v5_udp.go handleUnknown): a remote that sent several packets before our
   * WHOAREYOU arrived is mid-handshake on the first one, and a new id-nonce would make that fail.
   */
  private onUnknown(srcId: Uint8Array, nonce: Uint8Array, from: UdpAddress): void {
    if (!this.limiter.take(from.address)) {
      this.stats.rateLimited++;
      return this.drop(from, 'handshake rate limit');
    }
    const live = this.codec.sessions.challenge(srcId, from);
    let packet: Uint8Array;
    if (live) {
      packet = live.packet;
    } else {
      const known =
        this.codec.sessions.get(srcId, from)?.enr ?? this.active.get(bytesToHex(srcId))?.target.enr ?? this.opts.knownEnr?.(srcId);
      packet = this.codec.encodeWhoareyou(srcId, from, nonce, known && equalBytes(known.nodeId, srcId) ? known : undefined);
    }
    try {
      this.opts.send(packet, from);
      this.stats.packetsOut++;
      this.stats.whoareyouSent++;
    } catch (err) {
      this.drop(from, 'send WHOAREYOU', err);
    }
  }

  private answer(srcId: Uint8Array, from: UdpAddress, msg: RequestMessage): void {
    const self = this.opts.identity.enr();
    let replies: Message[];
    switch (msg.type) {
      case MessageType.Ping:
        replies = [answerPing(msg, from, self.seq)];
        break;
      case MessageType.FindNode:
        replies = answerFindNode(msg, self, this.opts.lookup);
        break;
      case MessageType.TalkReq: {
        let response: Uint8Array | undefined;
        try {
          response = this.opts.talk?.(msg.protocol, msg.request, { nodeId: srcId, addr: from });
        } catch (err) {
          this.drop(from, 'TALKREQ handler', err);
        }
        replies = [{ type: MessageType.TalkResp, requestId: msg.requestId, response: response ?? new Uint8Array() }];
        break;
      }
    }
    this.stats.requestsAnswered++;
    this.opts.onEvent?.({ type: 'request', nodeId: srcId, addr: from, message: msg });
    for (const reply of replies) {
      try {
        this.opts.send(this.codec.encodeMessage(srcId, from, reply).packet, from);
        this.stats.packetsOut++;
      } catch (err) {
        this.drop(from, `send ${MESSAGE_NAMES[reply.type]}`, err);
      }
    }
  }

  private drop(addr: UdpAddress, reason: string, err?: unknown): void {
    this.stats.dropped++;
    if (!this.opts.onEvent) return;
    const error = err === undefined ? undefined : err instanceof Discv5Error || err instanceof NodeFinderError ? err : toNodeFinderError(err);
    this.opts.onEvent({ type: 'dropped', addr, reason, ...(error ? { error } : {}) });
  }
}

function sameAddr(a: UdpAddress, b: UdpAddress): boolean {
  return a.port === b.port && a.address === b.address;
}
