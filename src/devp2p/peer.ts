/**
 * A DEVp2p peer on top of an established RLPx session (rlpx.md "p2p Capability"): sends our HELLO at
 * once, awaits the remote HELLO, negotiates capabilities, switches snappy on for p2p ≥ 5, answers
 * PING with PONG, records DISCONNECT in both directions, and lets the caller exchange capability
 * messages as promises with timeouts. It never throws from a socket callback: every failure settles
 * the pending promises with a typed error.
 */
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import type { RlpxSession } from '../rlpx/connection.js';
import { negotiateCapabilities, resolveMessageId, wireMessageId, type LocalCapability, type NegotiatedCapability } from './capabilities.js';
import type { DISCONNECT_REASONS, DisconnectReasonName } from './disconnect-reasons.js';
import { HELLO_MAX_SIZE, P2P_VERSION, decodeHello, encodeHello, useSnappy, type Hello } from './hello.js';
import {
  MAX_MESSAGE_SIZE,
  P2P_MESSAGE_IDS,
  decodeDisconnect,
  decodeMessageData,
  decodePingPong,
  encodeDisconnect,
  encodeMessageData,
  encodePing,
  encodePong,
} from './messages.js';

/** How long a DISCONNECT may take to flush before the socket is torn down (geth: 2 s). */
export const DISCONNECT_FLUSH_MS = 2_000;
/** Capability messages nobody waits for are kept up to this many (then the oldest are dropped). */
export const MAX_UNCLAIMED_MESSAGES = 32;

export class RemoteDisconnectError extends NodeFinderError {
  constructor(readonly reason: DisconnectReasonName) {
    super('disconnected', `peer disconnected: ${reason}`);
  }
}

export class PeerTimeoutError extends NodeFinderError {
  constructor(what: string) {
    super('timeout', `timed out waiting for ${what}`);
  }
}

export class PeerAbortedError extends NodeFinderError {
  constructor(what: string) {
    super('aborted', `${what} aborted`);
  }
}

export class ProtocolBreachError extends NodeFinderError {
  constructor(message: string) {
    super('protocol_breach', message);
  }
}

export interface CapabilityMessage {
  capability: NegotiatedCapability;
  /** Message id within the capability (e.g. eth STATUS = 0). */
  id: number;
  payload: Uint8Array;
  receivedAt: number;
}

export interface DisconnectRecord {
  direction: 'sent' | 'received';
  reason: DisconnectReasonName;
  at: number;
}

export interface Devp2pPeerOptions {
  session: RlpxSession;
  clock: Clock;
  clientId: string;
  capabilities: readonly LocalCapability[];
  /** Our TCP listening port for HELLO (0 when we do not accept connections). */
  listenPort: number;
  /** Our 64-byte public key. */
  nodeKey: Uint8Array;
  maxMessageSize?: number;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Waiter {
  what: string;
  match: (m: CapabilityMessage) => boolean;
  resolve: (m: CapabilityMessage) => void;
  reject: (e: NodeFinderError) => void;
  cleanup: () => void;
}

export class Devp2pPeer {
  readonly session: RlpxSession;
  readonly disconnects: DisconnectRecord[] = [];
  /** When our HELLO was written (clock ms). */
  readonly helloSentAt: number;
  private readonly clock: Clock;
  private readonly localCapabilities: readonly LocalCapability[];
  private readonly maxMessageSize: number;
  private remote: { hello: Hello; at: number } | undefined;
  private negotiatedCaps: NegotiatedCapability[] = [];
  private snappyOn = false;
  private failure: NodeFinderError | undefined;
  private helloWaiters: { resolve: (h: Hello) => void; reject: (e: NodeFinderError) => void }[] = [];
  private waiters: Waiter[] = [];
  private unclaimed: CapabilityMessage[] = [];
  private pongWaiters: ((at: number) => void)[] = [];
  private closeTimer: TimerHandle | undefined;

  constructor(options: Devp2pPeerOptions) {
    this.session = options.session;
    this.clock = options.clock;
    this.localCapabilities = options.capabilities;
    this.maxMessageSize = options.maxMessageSize ?? MAX_MESSAGE_SIZE;
    const hello = encodeHello({
      protocolVersion: P2P_VERSION,
      clientId: options.clientId,
      capabilities: options.capabilities.map(({ name, version }) => ({ name, version })),
      listenPort: options.listenPort,
      nodeKey: options.nodeKey,
    });
    this.helloSentAt = this.clock.now();
    this.session.onMessage(({ code, data }) => this.onFrame(code, data));
    this.session.onClose((err) => this.fail(err ?? new PeerAbortedError('connection')));
    this.session.send(P2P_MESSAGE_IDS.hello, hello);
  }

  get remoteHello(): Hello | undefined {
    return this.remote?.hello;
  }

  get remoteHelloAt(): number | undefined {
    return this.remote?.at;
  }

  get negotiated(): readonly NegotiatedCapability[] {
    return this.negotiatedCaps;
  }

  get snappy(): boolean {
    return this.snappyOn;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** The remote HELLO; rejects with RemoteDisconnectError, a decode error, a timeout or abort. */
  awaitHello(options: WaitOptions): Promise<Hello> {
    if (this.remote) return Promise.resolve(this.remote.hello);
    if (this.failure) return Promise.reject(this.failure);
    return this.withDeadline<Hello>('HELLO', options, (resolve, reject) => {
      const entry = { resolve, reject };
      this.helloWaiters.push(entry);
      return () => {
        this.helloWaiters = this.helloWaiters.filter((w) => w !== entry);
      };
    });
  }

  /** Send a capability message (id within the capability). */
  send(capabilityName: string, id: number, payload: Uint8Array): void {
    if (this.failure) throw this.failure;
    const wireId = wireMessageId(this.negotiatedCaps, capabilityName, id);
    this.session.send(wireId, encodeMessageData(wireId, payload, this.snappyOn));
  }

  /** The first capability message (already received or still to come) matching `match`. */
  awaitMessage(what: string, match: (m: CapabilityMessage) => boolean, options: WaitOptions): Promise<CapabilityMessage> {
    const index = this.unclaimed.findIndex(match);
    if (index >= 0) return Promise.resolve(this.unclaimed.splice(index, 1)[0]!);
    if (this.failure) return Promise.reject(this.failure);
    return this.withDeadline<CapabilityMessage>(what, options, (resolve, reject) => {
      const waiter: Waiter = { what, match, resolve, reject, cleanup: () => {} };
      this.waiters.push(waiter);
      return () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
    });
  }

  /** p2p PING → PONG round trip in ms. */
  ping(options: WaitOptions): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    const sentAt = this.clock.now();
    const result = this.withDeadline<number>('PONG', options, (resolve) => {
      const waiter = (at: number) => resolve(at - sentAt);
      this.pongWaiters.push(waiter);
      return () => {
        this.pongWaiters = this.pongWaiters.filter((w) => w !== waiter);
      };
    });
    this.session.send(P2P_MESSAGE_IDS.ping, encodeMessageData(P2P_MESSAGE_IDS.ping, encodePing(), this.snappyOn));
    return result;
  }

  /** Send DISCONNECT(reason), then close once it is flushed (or after DISCONNECT_FLUSH_MS). */
  disconnect(reason: keyof typeof DISCONNECT_REASONS): void {
    if (this.failure) return;
    this.disconnects.push({ direction: 'sent', reason, at: this.clock.now() });
    try {
      this.session.send(
        P2P_MESSAGE_IDS.disconnect,
        encodeMessageData(P2P_MESSAGE_IDS.disconnect, encodeDisconnect(reason), this.snappyOn),
      );
    } catch {
      // the session is already closed: nothing to flush
    }
    this.fail(new PeerAbortedError('connection (we disconnected)'), true);
    this.session.close();
  }

  /** Tear down at once (no DISCONNECT). */
  destroy(error?: NodeFinderError): void {
    this.fail(error ?? new PeerAbortedError('connection'), true);
    this.session.destroy(error);
  }

  private onFrame(code: number, data: Uint8Array): void {
    if (this.failure) return;
    const at = this.clock.now();
    let payload: Uint8Array;
    try {
      // HELLO is never compressed; before the HELLO exchange nothing is (a DISCONNECT may come first).
      payload = decodeMessageData(code, data, this.snappyOn, this.maxMessageSize);
    } catch (err) {
      this.abort(toNodeFinderError(err));
      return;
    }
    try {
      if (code === P2P_MESSAGE_IDS.hello) this.onHello(payload, at);
      else if (code === P2P_MESSAGE_IDS.disconnect) this.onDisconnect(payload, at);
      else if (!this.remote) throw new ProtocolBreachError(`message 0x${code.toString(16)} before HELLO`);
      else if (code === P2P_MESSAGE_IDS.ping) {
        decodePingPong(payload);
        this.session.send(P2P_MESSAGE_IDS.pong, encodeMessageData(P2P_MESSAGE_IDS.pong, encodePong(), this.snappyOn));
      } else if (code === P2P_MESSAGE_IDS.pong) {
        decodePingPong(payload);
        this.pongWaiters.shift()?.(at);
      } else if (code < 0x10) {
        // Reserved base-protocol ids: ignore, as geth does for unknown p2p messages below 0x10.
      } else this.onCapabilityMessage(code, payload, at);
    } catch (err) {
      this.abort(toNodeFinderError(err));
    }
  }

  private onHello(payload: Uint8Array, at: number): void {
    if (this.remote) throw new ProtocolBreachError('second HELLO');
    if (payload.length > HELLO_MAX_SIZE) throw new ProtocolBreachError('HELLO too large');
    const hello = decodeHello(payload);
    this.remote = { hello, at };
    this.negotiatedCaps = negotiateCapabilities(this.localCapabilities, hello.capabilities);
    this.snappyOn = useSnappy(P2P_VERSION, hello.protocolVersion);
    for (const w of this.helloWaiters.splice(0)) w.resolve(hello);
  }

  private onDisconnect(payload: Uint8Array, at: number): void {
    let reason: DisconnectReasonName;
    try {
      reason = decodeDisconnect(payload).reason;
    } catch {
      reason = 'unknown';
    }
    this.disconnects.push({ direction: 'received', reason, at });
    this.fail(new RemoteDisconnectError(reason));
    this.session.close();
  }

  private onCapabilityMessage(code: number, payload: Uint8Array, at: number): void {
    const { capability, id } = resolveMessageId(this.negotiatedCaps, code);
    const message: CapabilityMessage = { capability, id, payload, receivedAt: at };
    const waiter = this.waiters.find((w) => w.match(message));
    if (waiter) {
      waiter.resolve(message);
      return;
    }
    this.unclaimed.push(message);
    if (this.unclaimed.length > MAX_UNCLAIMED_MESSAGES) this.unclaimed.shift();
  }

  /** A local protocol failure: tell the peer (breach of protocol) and close. */
  private abort(err: NodeFinderError): void {
    if (this.failure) return;
    this.disconnects.push({ direction: 'sent', reason: 'breach_of_protocol', at: this.clock.now() });
    try {
      this.session.send(
        P2P_MESSAGE_IDS.disconnect,
        encodeMessageData(P2P_MESSAGE_IDS.disconnect, encodeDisconnect('breach_of_protocol'), this.snappyOn),
      );
    } catch {
      // already closed
    }
    this.fail(err);
    this.session.close();
  }

  private fail(err: NodeFinderError, local = false): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.helloWaiters.splice(0)) w.reject(err);
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.pongWaiters = [];
    this.unclaimed = [];
    if (local && !this.session.closed) {
      // Bound how long a polite close may take.
      this.closeTimer = this.clock.setTimer(DISCONNECT_FLUSH_MS, () => this.session.destroy());
      this.session.onClose(() => {
        if (this.closeTimer !== undefined) this.clock.clearTimer(this.closeTimer);
      });
    }
  }

  /** Run `register` (which returns its unregister function) under a deadline and an AbortSignal. */
  private withDeadline<T>(
    what: string,
    options: WaitOptions,
    register: (resolve: (v: T) => void, reject: (e: NodeFinderError) => void) => () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new PeerAbortedError(what));
        return;
      }
      let settled = false;
      const done = () => {
        settled = true;
        this.clock.clearTimer(timer);
        options.signal?.removeEventListener('abort', onAbort);
        unregister();
      };
      const onAbort = () => {
        if (settled) return;
        done();
        reject(new PeerAbortedError(what));
      };
      const timer = this.clock.setTimer(options.timeoutMs, () => {
        if (settled) return;
        done();
        reject(new PeerTimeoutError(what));
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const unregister = register(
        (v) => {
          if (settled) return;
          done();
          resolve(v);
        },
        (e) => {
          if (settled) return;
          done();
          reject(e);
        },
      );
    });
  }
}
