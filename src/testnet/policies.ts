/**
 * Documented policies of the clients the emulated peers imitate, so the crawler is tested against
 * what real nodes do to it (issue 9 point 5):
 *
 *   - reth answers FINDNODE only from nodes whose PONG it received within the last hour
 *     (reth crates/net/discv4/src/config.rs bond_expiration = 1 h, lib.rs has_bond); geth keeps an
 *     endpoint proof 24 h (go-ethereum p2p/discover/v4_udp.go bondExpiration). Other clients get
 *     discv4.md's 12 h (our endpoint's default).
 *   - geth refuses a second inbound TCP connection from the same IP within 30 s
 *     (p2p/server.go inboundThrottleTime, checkInboundConn): the socket is closed before any RLPx
 *     byte. LAN addresses — loopback included (netutil.AddrIsLAN) — are exempt, so on a loopback
 *     testnet the throttle only bites when `exemptLan` is off.
 */
import type { Clock } from '../net/clock.js';
import { isLanIp } from '../enode/relay-ip.js';
import { normalizeIp } from '../net/ip.js';
import type { ClientKind } from './profiles.js';

export const RETH_BOND_EXPIRATION_MS = 60 * 60 * 1000;
export const GETH_BOND_EXPIRATION_MS = 24 * 60 * 60 * 1000;
export const GETH_INBOUND_THROTTLE_MS = 30_000;
/** Bound on remembered inbound IPs (hostile floods of distinct IPs cannot grow it further). */
export const MAX_THROTTLE_ENTRIES = 10_000;

/** How long a peer of this client keeps our endpoint proof; undefined = discv4.md's 12 h. */
export function bondExpirationFor(kind: ClientKind): number | undefined {
  if (kind === 'reth') return RETH_BOND_EXPIRATION_MS;
  if (kind === 'geth') return GETH_BOND_EXPIRATION_MS;
  return undefined;
}

export interface InboundThrottleOptions {
  /** Minimum time between accepted connections from one IP (geth: 30 s); 0 turns the throttle off. */
  throttleMs: number;
  /** LAN and loopback sources are never throttled (geth: true). */
  exemptLan: boolean;
}

export const GETH_INBOUND_THROTTLE: InboundThrottleOptions = { throttleMs: GETH_INBOUND_THROTTLE_MS, exemptLan: true };

/** geth's inbound history: an accepted IP is refused until throttleMs have passed. Pure but for the clock. */
export class InboundThrottle {
  /** ip → expiry (ms); insertion order is expiry order (every entry lives throttleMs). */
  private readonly history = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    readonly options: InboundThrottleOptions,
  ) {
    if (!Number.isInteger(options.throttleMs) || options.throttleMs < 0) throw new RangeError('throttleMs must be a non-negative integer');
  }

  /** True if a connection from `ip` may proceed (and is remembered); false if it is to be closed. */
  admit(ip: string): boolean {
    if (this.options.throttleMs === 0) return true;
    const now = this.clock.now();
    // geth expHeap.expire: entries whose expiry lies before now are gone.
    for (const [k, exp] of this.history) {
      if (exp >= now) break;
      this.history.delete(k);
    }
    const key = normalizeIp(ip);
    if (key === undefined) return true; // geth: no remote address (in-process test connections)
    if (this.options.exemptLan && isLanIp(key)) return true;
    if (this.history.has(key)) return false;
    this.history.set(key, now + this.options.throttleMs);
    if (this.history.size > MAX_THROTTLE_ENTRIES) this.history.delete(this.history.keys().next().value as string);
    return true;
  }

  get size(): number {
    return this.history.size;
  }
}
