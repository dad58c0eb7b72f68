/**
 * Session keys and outstanding WHOAREYOU challenges, keyed by (node ID, UDP endpoint): discv5-theory.md
 * "Session Cache" — "implementations must ensure that session secrets and the handshake are tied to a
 * specific UDP endpoint". Both maps are bounded (LRU sessions as geth's SessionCache, challenges
 * expire after CHALLENGE_TTL_MS) so hostile traffic cannot grow memory. Time from the injected clock.
 */
import type { Enr } from '../enode/enr.js';
import type { Clock } from '../net/clock.js';
import type { UdpAddress } from '../net/transport.js';
import { bytesToHex } from '../util/bytes.js';
import { CHALLENGE_TTL_MS, MAX_PENDING_CHALLENGES, SESSION_CACHE_SIZE } from './constants.js';

export interface Session {
  writeKey: Uint8Array;
  readKey: Uint8Array;
  /** Messages sent with writeKey: the first 32 bits of every nonce (theory "Session Cache"). */
  nonceCounter: number;
  /** The remote's record as verified in the handshake (or the one we dialed). */
  enr: Enr;
  /**
   * Read key of the session this one replaced. When both sides start a handshake at once, each ends
   * up writing with a different one of the two new sessions; accepting the previous read key lets
   * both calls complete instead of challenging each other until they time out.
   */
  previousReadKey?: Uint8Array;
}

export interface Challenge {
  /** masking-iv || static-header || authdata of the WHOAREYOU we sent. */
  challengeData: Uint8Array;
  /** The remote's record as we knew it when challenging (its seq went into enr-seq). */
  enr: Enr | undefined;
  /** The WHOAREYOU datagram itself, repeated while the challenge lives (geth handleUnknown). */
  packet: Uint8Array;
  sentAt: number;
}

export function sessionKey(nodeId: Uint8Array, addr: UdpAddress): string {
  return `${bytesToHex(nodeId)}@${addr.address}|${addr.port}`;
}

export class SessionCache {
  private readonly sessions = new Map<string, Session>();
  private readonly challenges = new Map<string, Challenge>();

  constructor(
    private readonly clock: Clock,
    private readonly maxSessions = SESSION_CACHE_SIZE,
    private readonly maxChallenges = MAX_PENDING_CHALLENGES,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  get pendingChallenges(): number {
    return this.challenges.size;
  }

  /** The session for (id, addr), refreshed as most recently used. */
  get(nodeId: Uint8Array, addr: UdpAddress): Session | undefined {
    const k = sessionKey(nodeId, addr);
    const s = this.sessions.get(k);
    if (s) {
      this.sessions.delete(k);
      this.sessions.set(k, s);
    }
    return s;
  }

  set(nodeId: Uint8Array, addr: UdpAddress, session: Session): void {
    const k = sessionKey(nodeId, addr);
    const replaced = this.sessions.get(k);
    if (replaced && session.previousReadKey === undefined) session.previousReadKey = replaced.readKey;
    this.sessions.delete(k);
    this.sessions.set(k, session);
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
  }

  delete(nodeId: Uint8Array, addr: UdpAddress): void {
    this.sessions.delete(sessionKey(nodeId, addr));
  }

  /** The live challenge sent to (id, addr), if any. */
  challenge(nodeId: Uint8Array, addr: UdpAddress): Challenge | undefined {
    this.expireChallenges();
    return this.challenges.get(sessionKey(nodeId, addr));
  }

  storeChallenge(nodeId: Uint8Array, addr: UdpAddress, challenge: Omit<Challenge, 'sentAt'>): void {
    this.expireChallenges();
    const k = sessionKey(nodeId, addr);
    this.challenges.delete(k);
    this.challenges.set(k, { ...challenge, sentAt: this.clock.now() });
    while (this.challenges.size > this.maxChallenges) this.challenges.delete(this.challenges.keys().next().value!);
  }

  deleteChallenge(nodeId: Uint8Array, addr: UdpAddress): void {
    this.challenges.delete(sessionKey(nodeId, addr));
  }

  /** Insertion order is send order, so expired challenges are a prefix of the map. */
  private expireChallenges(): void {
    const deadline = this.clock.now() - CHALLENGE_TTL_MS;
    for (const [k, c] of this.challenges) {
      if (c.sentAt >= deadline) break;
      this.challenges.delete(k);
    }
  }
}
