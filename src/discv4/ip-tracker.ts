/**
 * Predicts our external UDP endpoint from what other nodes say it is: the `to` endpoint of the
 * PONGs that answer our PINGs. Emulates go-ethereum p2p/netutil/iptrack.go (IPTracker) with the
 * parameters of p2p/enode/localnode.go:
 *
 *   - one statement per stating host (its latest replaces the earlier), kept for `windowMs` (5 min);
 *   - the prediction is the endpoint with the most statements, and only once it has at least
 *     `minStatements` (10) of them — a few nodes, or one liar, cannot move our record;
 *   - contacts (hosts we sent our endpoint to, kept `contactWindowMs`, 10 min) tell a full-cone
 *     NAT: a statement from a host we had not contacted before it spoke reached us unsolicited.
 *
 * Pure state: time comes from the injected clock; hosts are keyed by their canonical IP text.
 */
import { normalizeIp } from '../enode/ip.js';
import type { Clock } from '../net/clock.js';

/** geth p2p/enode/localnode.go iptrackMinStatements. */
export const IPTRACK_MIN_STATEMENTS = 10;
/** geth p2p/enode/localnode.go iptrackWindow. */
export const IPTRACK_WINDOW_MS = 5 * 60_000;
/** geth p2p/enode/localnode.go iptrackContactWindow. */
export const IPTRACK_CONTACT_WINDOW_MS = 10 * 60_000;
/** Hosts remembered at most (a flood of forged statements cannot grow memory without bound). */
export const IPTRACK_MAX_HOSTS = 10_000;

export interface Endpoint {
  ip: string;
  port: number;
}

export interface IpTrackerOptions {
  clock: Clock;
  windowMs?: number;
  contactWindowMs?: number;
  minStatements?: number;
  maxHosts?: number;
}

export class IpTracker {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly contactWindowMs: number;
  private readonly minStatements: number;
  private readonly maxHosts: number;
  /** stating host → its statement (Map order = insertion order, refreshed on each statement). */
  private readonly statements = new Map<string, { endpoint: string; at: number }>();
  private readonly contacts = new Map<string, number>();
  private lastStatementGc = 0;
  private lastContactGc = 0;

  constructor(options: IpTrackerOptions) {
    this.clock = options.clock;
    this.windowMs = options.windowMs ?? IPTRACK_WINDOW_MS;
    this.contactWindowMs = options.contactWindowMs ?? IPTRACK_CONTACT_WINDOW_MS;
    this.minStatements = options.minStatements ?? IPTRACK_MIN_STATEMENTS;
    this.maxHosts = options.maxHosts ?? IPTRACK_MAX_HOSTS;
  }

  /** `host` says our endpoint is `endpoint`. Ignored unless both are IP literals and the port is valid. */
  addStatement(host: string, endpoint: Endpoint): void {
    const h = normalizeIp(host);
    const ip = normalizeIp(endpoint.ip);
    if (h === undefined || ip === undefined || !Number.isInteger(endpoint.port) || endpoint.port <= 0 || endpoint.port > 65535) return;
    const now = this.clock.now();
    this.statements.delete(h);
    this.statements.set(h, { endpoint: endpointKey(ip, endpoint.port), at: now });
    if (now - this.lastStatementGc >= this.windowMs) this.gcStatements(now);
    evictOldest(this.statements, this.maxHosts);
  }

  /** We sent our endpoint (a PING) to `host`. */
  addContact(host: string): void {
    const h = normalizeIp(host);
    if (h === undefined) return;
    const now = this.clock.now();
    this.contacts.delete(h);
    this.contacts.set(h, now);
    if (now - this.lastContactGc >= this.contactWindowMs) this.gcContacts(now);
    evictOldest(this.contacts, this.maxHosts);
  }

  /** The endpoint most hosts state within the window, if at least minStatements do; else undefined. */
  predictEndpoint(): Endpoint | undefined {
    this.gcStatements(this.clock.now());
    const counts = new Map<string, number>();
    let best: string | undefined;
    let bestCount = 0;
    for (const s of this.statements.values()) {
      const c = (counts.get(s.endpoint) ?? 0) + 1;
      counts.set(s.endpoint, c);
      // As geth: the first endpoint to reach a count wins a tie.
      if (c > bestCount && c >= this.minStatements) {
        best = s.endpoint;
        bestCount = c;
      }
    }
    return best === undefined ? undefined : parseEndpointKey(best);
  }

  /** True when some host stated our endpoint without having been contacted before (full-cone NAT). */
  predictFullConeNat(): boolean {
    const now = this.clock.now();
    this.gcContacts(now);
    this.gcStatements(now);
    for (const [host, s] of this.statements) {
      const c = this.contacts.get(host);
      if (c === undefined || c > s.at) return true;
    }
    return false;
  }

  /** Statements currently inside the window. */
  get statementCount(): number {
    this.gcStatements(this.clock.now());
    return this.statements.size;
  }

  private gcStatements(now: number): void {
    this.lastStatementGc = now;
    for (const [h, s] of this.statements) if (s.at < now - this.windowMs) this.statements.delete(h);
  }

  private gcContacts(now: number): void {
    this.lastContactGc = now;
    for (const [h, at] of this.contacts) if (at < now - this.contactWindowMs) this.contacts.delete(h);
  }
}

function endpointKey(ip: string, port: number): string {
  return `${port}/${ip}`;
}

function parseEndpointKey(key: string): Endpoint {
  const slash = key.indexOf('/');
  return { ip: key.slice(slash + 1), port: Number(key.slice(0, slash)) };
}

function evictOldest<V>(map: Map<string, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
