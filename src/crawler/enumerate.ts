/**
 * Routing-table enumeration (issue #11): besides geth-style lookups, which converge on one target
 * each and so re-learn the same nodes over and over, the crawler reads the tables of the nodes it
 * learns, one bucket per request — discv4 FINDNODE with a target chosen to fall in a bucket of the
 * remote (enumerate-v4.ts; Nebula's discv4 crawler, discv4/crawler.go, does the same), discv5
 * FINDNODE with the log distance itself (enumerate-v5.ts).
 *
 * This file is the policy (pure state on an injected clock) and a small driver:
 *   - every node offered is enumerated once, then again after `reEnumerateAfterMs` (tables change);
 *   - one request per node in flight, at most `maxInFlight` in all;
 *   - at most `perNodeRequests` per node and `perSubnetRequests` per /24 (IPv4) or /48 (IPv6) in any
 *     sliding window of `windowMs`; loopback and LAN are exempt from the subnet limit when
 *     `exemptLan` (local test networks put every node on one address, as the table does);
 *   - a node stops being asked when the adapter says its table is read (`complete`), when
 *     `staleAfter` answers in a row taught nothing new, or after `maxFailures` failed requests in a row.
 */
import { setMaxListeners } from 'node:events';
import type { Clock, TimerHandle } from '../net/clock.js';
import { ipToBytes } from '../net/ip.js';
import { isLanIp } from '../enode/relay-ip.js';
import { bytesToHex } from '../util/bytes.js';

/** Where a crawl's new nodes come from (`crawl --discovery`). */
export const DISCOVERY_MODES = ['lookups', 'enumerate', 'both'] as const;
export type DiscoveryMode = (typeof DISCOVERY_MODES)[number];

export interface EnumerationLimits {
  /** Requests in flight across every node. */
  maxInFlight: number;
  /** Requests to one node within any `windowMs`. */
  perNodeRequests: number;
  /** Requests to one /24 (IPv4) or /48 (IPv6) within any `windowMs`. */
  perSubnetRequests: number;
  windowMs: number;
  /** Answers in a row that taught nothing new before a node is left alone. */
  staleAfter: number;
  /** Failed requests in a row (no answer) before a node is left alone. */
  maxFailures: number;
  /** A node enumerated (or given up) is enumerated again after this long. */
  reEnumerateAfterMs: number;
  /** Loopback and LAN addresses are exempt from the subnet limit. */
  exemptLan: boolean;
}

/**
 * Defaults. A table's 16 top buckets fit within one window, so a node's table is read in one go
 * (at most 16 requests a minute, one at a time: less than one geth lookup costs the closest nodes);
 * 64 requests per /24 per 10 s keeps a cloud provider's /24 full of nodes at ≤ 6.4 requests/s.
 * Re-enumeration after 30 min matches geth's table refresh interval (table.go refreshInterval).
 * staleAfter 4, not less: the far buckets (asked first) hold random samples of the network that
 * soon teach nothing, while the near buckets hold the node's neighbours, often known to few
 * others — with 2, a 200-peer testnet read stalled at ~90 % of the peers (measured).
 */
export const DEFAULT_ENUMERATION_LIMITS: EnumerationLimits = {
  maxInFlight: 32,
  perNodeRequests: 16,
  perSubnetRequests: 64,
  windowMs: 10_000,
  staleAfter: 4,
  maxFailures: 2,
  reEnumerateAfterMs: 30 * 60_000,
  exemptLan: true,
};

/** What the adapter says about one answer. */
export interface StepOutcome {
  /** Nodes the answer taught that were new to the crawler. */
  added: number;
  /** The remote's table is read as far as this protocol can read it: ask no further. */
  complete: boolean;
}

export interface EnumerationRequest {
  key: string;
  /** 0 for the first request to a node (the farthest bucket), then 1, 2… */
  step: number;
}

export interface EnumerationStats {
  offered: number;
  /** Nodes waiting for their next request (rate-limited or not yet picked). */
  waiting: number;
  inFlight: number;
  requests: number;
  failures: number;
  /** Nodes whose enumeration ended, by why. */
  completed: number;
  stale: number;
  exhausted: number;
  gaveUp: number;
}

type EndReason = 'completed' | 'stale' | 'exhausted' | 'gaveUp';

interface NodeState {
  subnet: string | null;
  steps: number;
  step: number;
  inFlight: boolean;
  stale: number;
  failures: number;
  /** Times of this node's recent requests (at most perNodeRequests kept). */
  sent: number[];
}

/** Nodes scanned per next() call at most: rate-limited nodes rotate to the back. */
const SCAN_LIMIT = 256;

/** The /24 (IPv4) or /48 (IPv6) of `ip`, or null when exempt or not an address. */
export function enumerationSubnet(ip: string, exemptLan: boolean): string | null {
  const b = ipToBytes(ip);
  if (!b) return null;
  if (exemptLan && isLanIp(ip)) return null;
  return b.length === 4 ? `4:${bytesToHex(b.subarray(0, 3))}` : `6:${bytesToHex(b.subarray(0, 6))}`;
}

/** Pure state: who is asked next, and when the next rate-limited request becomes allowed. */
export class EnumerationPolicy {
  readonly limits: EnumerationLimits;
  private readonly clock: Clock;
  /** Nodes with requests left, in offer order (Map iteration order). */
  private readonly active = new Map<string, NodeState>();
  /** Nodes done, and when: not offered again before reEnumerateAfterMs. */
  private readonly finished = new Map<string, number>();
  private readonly subnets = new Map<string, number[]>();
  private inFlightCount = 0;
  private readonly counts = { offered: 0, requests: 0, failures: 0, completed: 0, stale: 0, exhausted: 0, gaveUp: 0 };

  constructor(clock: Clock, limits: Partial<EnumerationLimits> = {}) {
    this.clock = clock;
    this.limits = { ...DEFAULT_ENUMERATION_LIMITS, ...limits };
    for (const k of ['maxInFlight', 'perNodeRequests', 'perSubnetRequests', 'staleAfter', 'maxFailures'] as const) {
      if (!Number.isInteger(this.limits[k]) || this.limits[k] < 1) throw new RangeError(`enumeration: ${k} must be a positive integer`);
    }
  }

  /**
   * A node to enumerate with `steps` requests at most. False when it is being enumerated or was
   * within reEnumerateAfterMs (unless `again`: bootnodes retried while nothing else is left).
   */
  offer(key: string, ip: string, steps: number, again = false): boolean {
    if (steps <= 0 || this.active.has(key)) return false;
    const now = this.clock.now();
    const at = this.finished.get(key);
    if (at !== undefined) {
      if (!again && now - at < this.limits.reEnumerateAfterMs) return false;
      this.finished.delete(key);
    }
    this.active.set(key, { subnet: enumerationSubnet(ip, this.limits.exemptLan), steps, step: 0, inFlight: false, stale: 0, failures: 0, sent: [] });
    this.counts.offered++;
    return true;
  }

  /** The next request allowed now (recorded as sent), or undefined. */
  next(): EnumerationRequest | undefined {
    if (this.inFlightCount >= this.limits.maxInFlight) return undefined;
    const now = this.clock.now();
    let scanned = 0;
    const blocked: [string, NodeState][] = [];
    let picked: EnumerationRequest | undefined;
    for (const [key, s] of this.active) {
      if (++scanned > SCAN_LIMIT) break;
      if (s.inFlight) continue;
      if (!this.allowed(s, now)) {
        blocked.push([key, s]);
        continue;
      }
      s.inFlight = true;
      s.sent.push(now);
      if (s.sent.length > this.limits.perNodeRequests) s.sent.shift();
      if (s.subnet !== null) {
        const times = this.subnets.get(s.subnet) ?? [];
        times.push(now);
        if (times.length > this.limits.perSubnetRequests) times.shift();
        this.subnets.set(s.subnet, times);
      }
      this.inFlightCount++;
      this.counts.requests++;
      picked = { key, step: s.step };
      break;
    }
    // Rate-limited nodes go to the back, so a busy /24 does not hide the nodes behind it.
    for (const [key, s] of blocked) {
      this.active.delete(key);
      this.active.set(key, s);
    }
    return picked;
  }

  /** The answer to a request from next(): undefined when the node did not answer. */
  done(request: EnumerationRequest, outcome: StepOutcome | undefined): void {
    const s = this.active.get(request.key);
    if (!s || !s.inFlight) return;
    s.inFlight = false;
    this.inFlightCount--;
    if (!outcome) {
      this.counts.failures++;
      if (++s.failures >= this.limits.maxFailures) this.end(request.key, 'gaveUp');
      return;
    }
    s.failures = 0;
    s.step++;
    s.stale = outcome.added > 0 ? 0 : s.stale + 1;
    if (outcome.complete) this.end(request.key, 'completed');
    else if (s.stale >= this.limits.staleAfter) this.end(request.key, 'stale');
    else if (s.step >= s.steps) this.end(request.key, 'exhausted');
  }

  /** Stop asking a node (it went away, or the crawl stops it). */
  drop(key: string): void {
    const s = this.active.get(key);
    if (!s) return;
    if (s.inFlight) this.inFlightCount--;
    this.active.delete(key);
  }

  /**
   * When a request now refused by a rate limit becomes allowed (undefined: nothing waits on a
   * limit — either something can go now, or every waiting node is in flight or done).
   */
  wakeAt(): number | undefined {
    const now = this.clock.now();
    let earliest: number | undefined;
    let scanned = 0;
    for (const s of this.active.values()) {
      if (++scanned > SCAN_LIMIT) break;
      if (s.inFlight) continue;
      const at = this.allowedAt(s, now);
      if (at <= now) return undefined;
      earliest = earliest === undefined ? at : Math.min(earliest, at);
    }
    return earliest;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** The node has requests left (waiting or in flight). */
  isActive(key: string): boolean {
    return this.active.has(key);
  }

  stats(): EnumerationStats {
    return { ...this.counts, waiting: this.active.size - this.inFlightCount, inFlight: this.inFlightCount };
  }

  /** Forget finished nodes past the re-enumeration interval and idle subnet windows (bounded memory). */
  prune(): void {
    const now = this.clock.now();
    for (const [k, at] of this.finished) if (now - at >= this.limits.reEnumerateAfterMs) this.finished.delete(k);
    for (const [k, times] of this.subnets) if (now - times[times.length - 1]! >= this.limits.windowMs) this.subnets.delete(k);
  }

  private end(key: string, why: EndReason): void {
    this.active.delete(key);
    this.finished.set(key, this.clock.now());
    this.counts[why]++;
  }

  private allowed(s: NodeState, now: number): boolean {
    return this.allowedAt(s, now) <= now;
  }

  /** The first time both of the node's windows have room. */
  private allowedAt(s: NodeState, now: number): number {
    const { perNodeRequests, perSubnetRequests, windowMs } = this.limits;
    let at = now;
    if (s.sent.length >= perNodeRequests) at = Math.max(at, s.sent[s.sent.length - perNodeRequests]! + windowMs);
    if (s.subnet !== null) {
      const times = this.subnets.get(s.subnet);
      if (times && times.length >= perSubnetRequests) at = Math.max(at, times[times.length - perSubnetRequests]! + windowMs);
    }
    return at;
  }
}

/** One protocol's way of reading a node's table (enumerate-v4.ts, enumerate-v5.ts). */
export interface EnumerationAdapter<N> {
  /** Requests that read the whole readable table (buckets from the farthest down). */
  readonly steps: number;
  key(node: N): string;
  ip(node: N): string;
  /** Ask for step `step`'s bucket; rejects when the node did not answer. */
  request(node: N, step: number, signal: AbortSignal): Promise<StepOutcome>;
}

/**
 * Runs the policy: sends what next() allows, and sleeps on the clock until wakeAt() when rate
 * limits hold everything back. Never rejects; stop() aborts requests in flight.
 */
export class Enumerator<N> {
  readonly policy: EnumerationPolicy;
  private readonly nodes = new Map<string, N>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly adapter: EnumerationAdapter<N>,
    limits: Partial<EnumerationLimits> = {},
  ) {
    this.policy = new EnumerationPolicy(clock, limits);
    // Every request in flight listens on the stop signal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Enumerate `node` (again) if the policy agrees. */
  offer(node: N, again = false): void {
    if (this.stopped) return;
    const key = this.adapter.key(node);
    if (!this.policy.offer(key, this.adapter.ip(node), this.adapter.steps, again)) return;
    this.nodes.set(key, node);
    this.pump();
  }

  stats(): EnumerationStats {
    return this.policy.stats();
  }

  /** Nothing waiting or in flight. */
  get idle(): boolean {
    const s = this.policy.stats();
    return s.waiting === 0 && s.inFlight === 0;
  }

  /** Forget what the policy no longer needs (the crawler's periodic sweep calls this). */
  prune(): void {
    this.policy.prune();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    if (this.stopped) return;
    for (let r = this.policy.next(); r; r = this.policy.next()) {
      const node = this.nodes.get(r.key)!;
      const req = r;
      const task = this.adapter
        .request(node, req.step, this.abort.signal)
        .then(
          (outcome) => this.policy.done(req, outcome),
          () => this.policy.done(req, undefined),
        )
        .finally(() => {
          this.running.delete(task);
          this.forgetFinished(req.key);
          this.pump();
        });
      this.running.add(task);
    }
    this.armWake();
  }

  private forgetFinished(key: string): void {
    // The policy drops a node's state when it ends; the record is only needed while it is active.
    if (!this.policy.isActive(key)) this.nodes.delete(key);
  }

  private armWake(): void {
    const at = this.policy.wakeAt();
    if (at === undefined || at >= this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    });
  }
}
