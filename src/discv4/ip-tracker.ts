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
import { normalizeIp } from '../net/ip.js';
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
  /**
   * stating host → its statement. A statement is re-inserted when made, so Map order is time
   * order and expiry pops from the front: a crawler hears thousands of PONGs per window.
   */
  private readonly statements = new Map<string, { endpoint: string; at: number }>();
  /** endpoint → statements for it (kept in step with `statements`). */
  private readonly counts = new Map<string, number>();
  private readonly contacts = new Map<string, number>();

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
    this.dropStatement(h);
    const key = endpointKey(ip, endpoint.port);
    this.statements.set(h, { endpoint: key, at: now });
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.gcStatements(now);
    while (this.statements.size > this.maxHosts) this.dropStatement(this.statements.keys().next().value as string);
  }

  /** We sent our endpoint (a PING) to `host`. */
  addContact(host: string): void {
    const h = normalizeIp(host);
    if (h === undefined) return;
    const now = this.clock.now();
    this.contacts.delete(h);
    this.contacts.set(h, now);
    this.gcContacts(now);
    while (this.contacts.size > this.maxHosts) this.contacts.delete(this.contacts.keys().next().value as string);
  }

  /**
   * The endpoint most hosts state within the window, if at least minStatements do; else undefined.
   * Ties go to the smaller endpoint text (geth's pick among equals depends on Go's map order).
   */
  predictEndpoint(): Endpoint | undefined {
    this.gcStatements(this.clock.now());
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, c] of this.counts) {
      if (c < this.minStatements) continue;
      if (c > bestCount || (c === bestCount && best !== undefined && key < best)) {
        best = key;
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

  private dropStatement(host: string): void {
    const old = this.statements.get(host);
    if (!old) return;
    this.statements.delete(host);
    const c = (this.counts.get(old.endpoint) ?? 1) - 1;
    if (c > 0) this.counts.set(old.endpoint, c);
    else this.counts.delete(old.endpoint);
  }

  /** Oldest first; stops at the first statement inside the window. */
  private gcStatements(now: number): void {
    for (const [h, s] of this.statements) {
      if (s.at >= now - this.windowMs) return;
      this.dropStatement(h);
    }
  }

  private gcContacts(now: number): void {
    for (const [h, at] of this.contacts) {
      if (at >= now - this.contactWindowMs) return;
      this.contacts.delete(h);
    }
  }
}

function endpointKey(ip: string, port: number): string {
  return `${port}/${ip}`;
}

function parseEndpointKey(key: string): Endpoint {
  const slash = key.indexOf('/');
  return { ip: key.slice(slash + 1), port: Number(key.slice(0, slash)) };
}
