/**
 * A DEVp2p peer on top of an established RLPx session (rlpx.md "p2p Capability"): sends our HELLO at
 * once, awaits the remote HELLO, negotiates capabilities, switches snappy on for p2p ≥ 5, answers
 * PING with PONG, records DISCONNECT in both directions, and lets the caller exchange capability
 * messages as promises with timeouts and AbortSignals.
 *
 * Hostile-peer rules: it never throws from a socket callback (every failure settles the pending
 * promises with a typed error); base-protocol messages are limited to 2 KiB; anything but HELLO or
 * DISCONNECT before HELLO, a second HELLO, a HELLO whose key is not the RLPx identity, bad snappy and
 * message ids outside every negotiated capability end the session with DISCONNECT; unsolicited
 * capability messages are kept only up to a count and byte budget; PONGs are rationed. Closing is
 * polite (DISCONNECT, then FIN) but bounded: DISCONNECT_FLUSH_MS later the stream is torn down even
 * if the remote never finishes its side.
 */
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import type { RlpxSession } from '../rlpx/connection.js';
import { equalBytes } from '../util/bytes.js';
import { negotiateCapabilities, resolveMessageId, wireMessageId, type LocalCapability, type NegotiatedCapability } from './capabilities.js';
import type { DISCONNECT_REASONS, DisconnectReasonName } from './disconnect-reasons.js';
// One protocol_breach error class for the whole session stack (frames and base protocol alike).
import { ProtocolBreachError } from '../rlpx/errors.js';
import { HelloError, PeerAbortedError, RemoteDisconnectError } from './errors.js';
import { HELLO_MAX_SIZE, P2P_VERSION, decodeHello, encodeHello, useSnappy, type Hello } from './hello.js';
import type { CapabilityMessage, DisconnectRecord, Devp2pPeerOptions, Devp2pPeerStats, WaitOptions } from './peer-types.js';
import { waitFor, type Settle, type Waiter } from './wait.js';
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

export type { CapabilityMessage, DisconnectRecord, Devp2pPeerOptions, Devp2pPeerStats, WaitOptions } from './peer-types.js';

/** How long a polite close may take before the stream is torn down (geth: 2 s for DISCONNECT). */
export const DISCONNECT_FLUSH_MS = 2_000;
/**
 * Base-protocol messages (HELLO, DISCONNECT, PING, PONG) are capped at 2 KiB (geth p2p/peer.go
 * baseProtocolMaxMsgSize), before and after decompression.
 */
export const BASE_PROTOCOL_MAX_SIZE = HELLO_MAX_SIZE;
/**
 * Capability messages nobody waits for are kept up to this count and byte budget; later ones are
 * dropped (counted). The earliest are kept because what a session waits for comes first (eth
 * STATUS, caps/eth.md); a flood can cost at most this much memory.
 */
export const MAX_UNCLAIMED_MESSAGES = 32;
export const MAX_UNCLAIMED_BYTES = 1024 * 1024;
/** PINGs answered per session (a peer pings every 15 s; a flood of PINGs is not answered). */
export const MAX_PONGS_PER_SESSION = 32;

type LocalReason = keyof typeof DISCONNECT_REASONS;

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
  private helloWaiters: Settle<Hello>[] = [];
  private waiters: Waiter[] = [];
  private unclaimed: CapabilityMessage[] = [];
  private pongWaiters: Settle<number>[] = [];
  private closeTimer: TimerHandle | undefined;
  private readonly counters = { messagesReceived: 0, unclaimedDropped: 0, unclaimedBytes: 0, pongsSent: 0, pingsIgnored: 0 };

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
    this.session.onMessage(({ code, data }, firstByteAt) => this.onFrame(code, data, firstByteAt));
    // Without an error the session was closed by us, and `failure` is already set.
    this.session.onClose((err) => this.fail(err ?? new PeerAbortedError('connection')));
    try {
      this.session.send(P2P_MESSAGE_IDS.hello, hello);
    } catch (err) {
      // Bytes that came with the handshake may already have failed the session (an oversized or
      // forged first frame): that failure, not our refused send, is why it is over.
      const e = toNodeFinderError(err);
      this.fail(e.kind === 'closed' && e.cause instanceof NodeFinderError ? e.cause : e);
    }
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

  /** True once the session is over for us (DISCONNECT either way, a failure, or a close). */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Why the session ended (undefined while it runs). */
  get closeReason(): NodeFinderError | undefined {
    return this.failure;
  }

  stats(): Devp2pPeerStats {
    const { messagesReceived, unclaimedDropped, unclaimedBytes, pongsSent, pingsIgnored } = this.counters;
    return { messagesReceived, unclaimedDropped, unclaimedHeld: this.unclaimed.length, unclaimedBytes, pongsSent, pingsIgnored };
  }

  /** The remote HELLO; rejects with RemoteDisconnectError, a decode error, a timeout or abort. */
  awaitHello(options: WaitOptions): Promise<Hello> {
    if (this.remote) return Promise.resolve(this.remote.hello);
    if (this.failure) return Promise.reject(this.failure);
    return waitFor<Hello>(this.clock, 'HELLO', options, (settle) => {
      this.helloWaiters.push(settle);
      return () => {
        this.helloWaiters = this.helloWaiters.filter((w) => w !== settle);
      };
    });
  }

  /**
   * Send a capability message (id within the capability). Throws the session's failure once closed,
   * and RangeError for a capability or id that was not negotiated (a bug of the caller).
   */
  send(capabilityName: string, id: number, payload: Uint8Array): void {
    if (this.failure) throw this.failure;
    const wireId = wireMessageId(this.negotiatedCaps, capabilityName, id);
    this.session.send(wireId, encodeMessageData(wireId, payload, this.snappyOn));
  }

  /**
   * The first capability message (already received or still to come) matching `match`. Messages
   * received before the session ended can still be read after it ended.
   */
  awaitMessage(what: string, match: (m: CapabilityMessage) => boolean, options: WaitOptions): Promise<CapabilityMessage> {
    const index = this.unclaimed.findIndex(match);
    if (index >= 0) {
      const [message] = this.unclaimed.splice(index, 1);
      this.counters.unclaimedBytes -= message!.payload.length;
      return Promise.resolve(message!);
    }
    if (this.failure) return Promise.reject(this.failure);
    return waitFor<CapabilityMessage>(this.clock, what, options, (settle) => {
      const waiter: Waiter = { ...settle, match };
      this.waiters.push(waiter);
      return () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
    });
  }

  /** p2p PING → PONG round trip in ms (PONGs answer PINGs in order). */
  ping(options: WaitOptions): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    // Our misuse, not the remote's: PING belongs to an established session.
    if (!this.remote) return Promise.reject(new NodeFinderError('internal', 'ping before the HELLO exchange'));
    const sentAt = this.clock.now();
    const result = waitFor<number>(this.clock, 'PONG', options, (settle) => {
      this.pongWaiters.push(settle);
      return () => {
        this.pongWaiters = this.pongWaiters.filter((w) => w !== settle);
      };
    });
    try {
      this.session.send(P2P_MESSAGE_IDS.ping, encodeMessageData(P2P_MESSAGE_IDS.ping, encodePing(), this.snappyOn));
    } catch (err) {
      this.fail(toNodeFinderError(err));
    }
    return result.then((at) => Math.max(0, at - sentAt));
  }

  /** Send DISCONNECT(reason), then close politely (bounded by DISCONNECT_FLUSH_MS). No-op once closed. */
  disconnect(reason: LocalReason): void {
    if (this.failure) return;
    this.sendDisconnect(reason);
    this.fail(new PeerAbortedError('connection (we disconnected)'));
    this.closeSession();
  }

  /** Tear down at once (no DISCONNECT). */
  destroy(error?: NodeFinderError): void {
    this.fail(error ?? new PeerAbortedError('connection'));
    this.session.destroy(error);
  }

  private onFrame(code: number, data: Uint8Array, firstByteAt: number): void {
    if (this.failure) return;
    this.counters.messagesReceived++;
    const at = this.clock.now();
    try {
      if (code === P2P_MESSAGE_IDS.disconnect) return this.onDisconnect(data, at);
      if (code === P2P_MESSAGE_IDS.hello) return this.onHello(data, at);
      if (!this.remote) throw new ProtocolBreachError(`message 0x${code.toString(16)} before HELLO`);
      if (code < 0x10) {
        const payload = decodeMessageData(code, data, this.snappyOn, BASE_PROTOCOL_MAX_SIZE);
        if (code === P2P_MESSAGE_IDS.ping) this.onPing(payload);
        else if (code === P2P_MESSAGE_IDS.pong) {
          decodePingPong(payload);
          // The PONG's first byte: a body held back by the peer's Nagle is not network time.
          this.pongWaiters.shift()?.resolve(Math.min(at, firstByteAt));
        }
        // Other base-protocol ids are reserved: ignored, as geth does.
        return;
      }
      const { capability, id } = resolveMessageId(this.negotiatedCaps, code);
      const payload = decodeMessageData(code, data, this.snappyOn, this.maxMessageSize);
      this.onCapabilityMessage({ capability, id, payload, receivedAt: at });
    } catch (err) {
      this.abort(toNodeFinderError(err));
    }
  }

  private onHello(data: Uint8Array, at: number): void {
    if (this.remote) throw new ProtocolBreachError('second HELLO');
    // HELLO is never compressed (rlpx.md); decodeMessageData enforces the 2 KiB limit.
    const hello = decodeHello(decodeMessageData(P2P_MESSAGE_IDS.hello, data, false, BASE_PROTOCOL_MAX_SIZE));
    if (!equalBytes(hello.nodeKey, this.session.remotePublicKey)) {
      // geth: DiscUnexpectedIdentity — the HELLO must carry the key the RLPx handshake proved.
      this.abort(new HelloError('HELLO node key differs from the RLPx identity'), 'unexpected_identity');
      return;
    }
    this.remote = { hello, at };
    this.negotiatedCaps = negotiateCapabilities(this.localCapabilities, hello.capabilities);
    this.snappyOn = useSnappy(P2P_VERSION, hello.protocolVersion);
    for (const w of this.helloWaiters.splice(0)) w.resolve(hello);
  }

  /**
   * rlpx.md: DISCONNECT is snappy-compressed once both sides speak p2p ≥ 5, but it may come before
   * HELLO (uncompressed), and some clients (e.g. @ethereumjs/devp2p) always send it uncompressed:
   * accept either form, as ethereumjs itself does. A reason we cannot read is recorded as unknown.
   */
  private onDisconnect(data: Uint8Array, at: number): void {
    let reason: DisconnectReasonName = 'unknown';
    for (const compressed of this.snappyOn ? [true, false] : [false, true]) {
      try {
        const payload = decodeMessageData(P2P_MESSAGE_IDS.disconnect, data, compressed, BASE_PROTOCOL_MAX_SIZE);
        reason = decodeDisconnect(payload).reason;
        break;
      } catch {
        // try the other form
      }
    }
    this.disconnects.push({ direction: 'received', reason, at });
    this.fail(new RemoteDisconnectError(reason));
    this.closeSession();
  }

  private onPing(payload: Uint8Array): void {
    decodePingPong(payload);
    if (this.counters.pongsSent >= MAX_PONGS_PER_SESSION) {
      this.counters.pingsIgnored++;
      return;
    }
    this.counters.pongsSent++;
    this.session.send(P2P_MESSAGE_IDS.pong, encodeMessageData(P2P_MESSAGE_IDS.pong, encodePong(), this.snappyOn));
  }

  private onCapabilityMessage(message: CapabilityMessage): void {
    const waiter = this.waiters.find((w) => w.match(message));
    if (waiter) {
      waiter.resolve(message);
      return;
    }
    const size = message.payload.length;
    if (this.unclaimed.length >= MAX_UNCLAIMED_MESSAGES || this.counters.unclaimedBytes + size > MAX_UNCLAIMED_BYTES) {
      this.counters.unclaimedDropped++;
      return;
    }
    // A copy: an uncompressed payload is a view into the frame buffer, which it would pin.
    this.unclaimed.push({ ...message, payload: Uint8Array.from(message.payload) });
    this.counters.unclaimedBytes += size;
  }

  /** A protocol failure of the remote: tell it why, and close. */
  private abort(err: NodeFinderError, reason: LocalReason = 'breach_of_protocol'): void {
    if (this.failure) return;
    this.sendDisconnect(reason);
    this.fail(err);
    this.closeSession();
  }

  private sendDisconnect(reason: LocalReason): void {
    this.disconnects.push({ direction: 'sent', reason, at: this.clock.now() });
    try {
      this.session.send(
        P2P_MESSAGE_IDS.disconnect,
        encodeMessageData(P2P_MESSAGE_IDS.disconnect, encodeDisconnect(reason), this.snappyOn),
      );
    } catch {
      // the session is already closed: nothing to flush
    }
  }

  /** FIN after what we wrote; tear the stream down if the remote has not finished DISCONNECT_FLUSH_MS later. */
  private closeSession(): void {
    if (this.closeTimer === undefined && !this.session.closed) {
      this.closeTimer = this.clock.setTimer(DISCONNECT_FLUSH_MS, () => this.session.destroy());
    }
    this.session.close();
  }

  private fail(err: NodeFinderError): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.helloWaiters.splice(0)) w.reject(err);
    for (const w of this.waiters.splice(0)) w.reject(err);
    for (const w of this.pongWaiters.splice(0)) w.reject(err);
    // `unclaimed` stays readable: a STATUS that came just before a DISCONNECT is still an answer.
  }
}
