/**
 * The discv4 Kademlia table (devp2p discv4.md "Kademlia Table"): one k-bucket per log distance,
 * a replacement list per bucket, per-subnet IP limits, and liveness revalidation.
 *
 * A pure state machine: time comes from the injected Clock, randomness from an injected source, and
 * the only I/O is the injected `ping`. Modelled on go-ethereum p2p/discover (table.go,
 * table_reval.go); the numbers below cite where they come from.
 *
 * Semantics:
 * - addSeen(node): a node we only heard about (NEIGHBORS, bootnodes). It joins the tail of its bucket
 *   not-live, or the replacement list when the bucket is full. It never changes a known endpoint —
 *   hearsay must not redirect a verified entry. Revalidation soon tells whether it is live.
 * - addVerified(node): a node whose endpoint we proved (it answered our PING, or we answered its
 *   PING and it bonded). It goes live at the front of its bucket, or replaces the stored endpoint.
 * - Revalidation (geth's two lists, revalidation.ts) pings entries; one that fails too often is
 *   evicted and a random replacement is promoted. IP limits: subnet-limits.ts. Entries: table-entry.ts.
 */
import type { Clock } from '../net/clock.js';
import type { NodeRecord } from '../enode/node-record.js';
import { logDistance, NODE_ID_BYTES, parityDistance } from '../enode/distance.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { BUCKET_SIZE } from './constants.js';
import { closestEntries } from './table-closest.js';
import { PING_INTERVAL_MS, REVALIDATION_TIMEOUT_MS, Revalidation, type PingFn } from './revalidation.js';
import { BUCKET_IP_LIMIT, IpLimits, subnetOf, TABLE_IP_LIMIT } from './subnet-limits.js';
import { moveToFront, newBucket, view, type Bucket, type Entry, type Placement, type TableEntry } from './table-entry.js';

export {
  LIVENESS_FAILURE_DIVISOR,
  PING_INTERVAL_MS,
  REVALIDATION_TIMEOUT_MS,
  SLOW_REVALIDATION_FACTOR,
  type PingFn,
} from './revalidation.js';
export { BUCKET_IP_LIMIT, IPV4_SUBNET_BITS, IPV6_SUBNET_BITS, TABLE_IP_LIMIT } from './subnet-limits.js';
export type { TableEntry } from './table-entry.js';
export { insertByDistance } from './table-closest.js';

/** discv4.md: one bucket for each distance 2^i ≤ d < 2^(i+1), 0 ≤ i < 256 (log distance 1..256). */
export const BUCKET_COUNT = 256;
/** geth table.go maxReplacements: size of each bucket's replacement list. */
export const MAX_REPLACEMENTS = 10;
/** geth v4_udp.go maxFindnodeFailures: evict after this many consecutive failed requests. */
export const MAX_FINDNODE_FAILURES = 5;

export type AddOutcome =
  | 'added' // a new bucket entry
  | 'bumped' // an existing entry was verified (moved to front, endpoint updated)
  | 'known' // already present (entry or replacement); only lastSeen changed
  | 'replacement' // bucket full: kept in the replacement list
  | 'ip_limit' // refused by the per-bucket or per-table subnet limit
  | 'self' // our own ID
  | 'bad_address'; // wrong ID length, unusable IP or UDP port

export type ClosestMode = 'all' | 'live' | 'prefer-live';

/**
 * How a table measures distance: 'geth' is the log XOR distance of discv4.md; 'parity' is Parity's
 * pre-2.0 metric (src/enode/distance.ts parityDistance), used both for bucket placement and for
 * ranking FINDNODE answers, as Parity's nearest_node_entries did. Only emulated peers
 * (src/testnet) use 'parity': it reproduces the broken behaviour the IMC 2018 paper measured.
 */
export type DistanceMetric = 'geth' | 'parity';

export interface TableOptions {
  /** Our own node ID (32 bytes). */
  selfId: Uint8Array;
  clock: Clock;
  /** Liveness check; without it the table never revalidates. */
  ping?: PingFn;
  /** Uniform [0, 1): injected so simulations are reproducible. Default Math.random. */
  random?: () => number;
  /** Exempt loopback/LAN addresses from IP limits (geth always does). Default true. */
  exemptLan?: boolean;
  bucketIpLimit?: number;
  tableIpLimit?: number;
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Distance metric for buckets and closest(). Default 'geth'. */
  metric?: DistanceMetric;
}

function validPort(p: number): boolean {
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}

function sameEndpoint(a: NodeRecord, b: NodeRecord): boolean {
  return a.ip === b.ip && a.udpPort === b.udpPort && a.tcpPort === b.tcpPort;
}

export class Table {
  readonly selfId: Uint8Array;
  readonly metric: DistanceMetric;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly exemptLan: boolean;
  private readonly ipLimits: IpLimits;

  private readonly buckets: Bucket[] = [];
  private readonly byId = new Map<string, Entry>();
  private entryCount = 0;
  private readonly reval: Revalidation;

  constructor(options: TableOptions) {
    if (options.selfId.length !== NODE_ID_BYTES) throw new RangeError('Table: selfId must be 32 bytes');
    this.selfId = options.selfId;
    this.metric = options.metric ?? 'geth';
    if (this.metric !== 'geth' && this.metric !== 'parity') throw new RangeError(`Table: unknown metric ${String(this.metric)}`);
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.exemptLan = options.exemptLan ?? true;
    this.ipLimits = new IpLimits(options.bucketIpLimit ?? BUCKET_IP_LIMIT, options.tableIpLimit ?? TABLE_IP_LIMIT);
    this.reval = new Revalidation({
      clock: this.clock,
      ping: options.ping,
      random: this.random,
      intervalMs: options.pingIntervalMs ?? PING_INTERVAL_MS,
      timeoutMs: options.pingTimeoutMs ?? REVALIDATION_TIMEOUT_MS,
      isCurrent: (e) => this.byId.get(e.key) === e && e.place === 'bucket',
      answered: (e) => moveToFront(this.buckets[e.bucket]!.entries, e),
      evict: (e) => this.deleteEntry(e),
    });
    for (let i = 0; i < BUCKET_COUNT; i++) this.buckets.push(newBucket());
  }

  // ---- queries ----------------------------------------------------------------------------

  /** Number of bucket entries (replacements excluded). */
  get size(): number {
    return this.entryCount;
  }

  get liveCount(): number {
    let n = 0;
    for (const b of this.buckets) for (const e of b.entries) if (e.live) n++;
    return n;
  }

  get replacementCount(): number {
    return this.byId.size - this.entryCount;
  }

  /** Entries per bucket, index i holding log distance i + 1. */
  bucketFill(): number[] {
    return this.buckets.map((b) => b.entries.length);
  }

  /** Bucket index (0..255) for an ID: distance(self, id) − 1 by the table's metric; −1 for our own ID. */
  bucketIndex(id: Uint8Array): number {
    return this.distance(id) - 1;
  }

  /** Both metrics range over 0..256 with 0 only for equal IDs, so 256 buckets fit either. */
  private distance(id: Uint8Array): number {
    return this.metric === 'parity' ? parityDistance(this.selfId, id) : logDistance(this.selfId, id);
  }

  bucketEntries(index: number): TableEntry[] {
    return (this.buckets[index]?.entries ?? []).map(view);
  }

  bucketReplacements(index: number): TableEntry[] {
    return (this.buckets[index]?.replacements ?? []).map(view);
  }

  get(id: Uint8Array): TableEntry | undefined {
    const e = this.byId.get(bytesToHex(id));
    return e ? view(e) : undefined;
  }

  /** True when the ID is a bucket entry (not only a replacement). */
  has(id: Uint8Array): boolean {
    return this.byId.get(bytesToHex(id))?.place === 'bucket';
  }

  /** All bucket entries, nearest bucket first. */
  nodes(): NodeRecord[] {
    const out: NodeRecord[] = [];
    for (const b of this.buckets) for (const e of b.entries) out.push(e.node);
    return out;
  }

  /**
   * The n bucket entries closest to `target` by XOR distance, closest first (discv4.md FINDNODE);
   * with the 'parity' metric, by smallest parityDistance (ties broken by XOR distance).
   * 'prefer-live' returns only live entries when there are any (geth findnodeByID preferLive).
   */
  closest(target: Uint8Array, n = BUCKET_SIZE, mode: ClosestMode = 'all'): NodeRecord[] {
    if (target.length !== NODE_ID_BYTES) throw new RangeError('closest: target must be a 32-byte ID');
    if (n <= 0) return [];
    const pick = (liveOnly: boolean): NodeRecord[] => closestEntries(this.buckets, this.metric === 'parity', target, n, liveOnly);
    if (mode === 'all') return pick(false);
    const live = pick(true);
    return mode === 'live' || live.length > 0 ? live : pick(false);
  }

  // ---- insertion --------------------------------------------------------------------------

  addSeen(node: NodeRecord): AddOutcome {
    // Known nodes first: hearsay never changes their endpoint, so it needs no validation.
    const known = node.id instanceof Uint8Array && node.id.length === NODE_ID_BYTES ? this.byId.get(bytesToHex(node.id)) : undefined;
    if (known) {
      known.lastSeen = this.clock.now();
      if (known.place === 'replacement') moveToFront(this.buckets[known.bucket]!.replacements, known);
      return 'known';
    }
    const checked = this.check(node);
    if (typeof checked === 'string') return checked;
    const now = this.clock.now();
    const b = this.buckets[checked.bucket]!;
    if (b.entries.length >= BUCKET_SIZE) return this.addReplacement(b, node, checked, now, false);
    if (!this.ipLimits.claim(b, checked.subnet)) return 'ip_limit';
    const e = this.newEntry(node, checked, now, false);
    e.place = 'bucket';
    b.entries.push(e);
    this.entryCount++;
    this.reval.push(this.reval.fast, e, now);
    return 'added';
  }

  addVerified(node: NodeRecord): AddOutcome {
    const checked = this.check(node);
    if (typeof checked === 'string') return checked;
    const now = this.clock.now();
    const b = this.buckets[checked.bucket]!;
    const existing = this.byId.get(checked.key);
    if (existing) {
      if (!sameEndpoint(existing.node, node) && !this.ipLimits.move(b, existing, checked.subnet)) {
        existing.lastSeen = now;
        return 'ip_limit';
      }
      existing.node = node;
      existing.lastSeen = now;
      existing.lastPong = now;
      existing.failures = 0;
      existing.live = true;
      if (existing.place === 'bucket') {
        moveToFront(b.entries, existing);
        this.reval.moveTo(existing, this.reval.slow, now);
        return 'bumped';
      }
      moveToFront(b.replacements, existing);
      return 'replacement';
    }
    if (b.entries.length >= BUCKET_SIZE) return this.addReplacement(b, node, checked, now, true);
    if (!this.ipLimits.claim(b, checked.subnet)) return 'ip_limit';
    const e = this.newEntry(node, checked, now, true);
    e.place = 'bucket';
    b.entries.unshift(e);
    this.entryCount++;
    this.reval.push(this.reval.slow, e, now);
    return 'added';
  }

  /** Remove a node (entry or replacement). A removed entry's slot goes to a random replacement. */
  remove(id: Uint8Array): boolean {
    const e = this.byId.get(bytesToHex(id));
    if (!e) return false;
    this.deleteEntry(e);
    return true;
  }

  /**
   * Report the outcome of a FINDNODE (from lookups): success clears the failure count; after
   * MAX_FINDNODE_FAILURES consecutive failures the entry is evicted (geth v4_udp.go findnode).
   */
  recordFindnode(id: Uint8Array, ok: boolean): void {
    const e = this.byId.get(bytesToHex(id));
    if (!e || e.place !== 'bucket') return;
    if (ok) {
      e.failures = 0;
      e.lastSeen = this.clock.now();
      return;
    }
    e.failures++;
    if (e.failures >= MAX_FINDNODE_FAILURES) this.deleteEntry(e);
  }

  // ---- revalidation -----------------------------------------------------------------------

  /** Start the revalidation timers (no-op without a ping function). */
  start(): void {
    this.reval.start();
  }

  /** Stop timers, abort pings in flight and wait for them to settle. */
  stop(): Promise<void> {
    return this.reval.stop();
  }

  /** Pings in flight (for tests and metrics). */
  get revalidationsInFlight(): number {
    return this.reval.inFlight;
  }

  // ---- internals --------------------------------------------------------------------------

  private check(node: NodeRecord): Placement | AddOutcome {
    if (!(node.id instanceof Uint8Array) || node.id.length !== NODE_ID_BYTES) return 'bad_address';
    if (equalBytes(node.id, this.selfId)) return 'self';
    if (!validPort(node.udpPort) || !Number.isInteger(node.tcpPort) || node.tcpPort < 0 || node.tcpPort > 65535) {
      return 'bad_address';
    }
    const net = typeof node.ip === 'string' ? subnetOf(node.ip) : undefined;
    if (!net) return 'bad_address';
    const subnet = this.exemptLan && net.lan ? null : net.key;
    return { key: bytesToHex(node.id), bucket: this.distance(node.id) - 1, subnet };
  }

  private newEntry(node: NodeRecord, c: Placement, now: number, verified: boolean): Entry {
    const e: Entry = {
      node,
      key: c.key,
      bucket: c.bucket,
      subnet: c.subnet,
      firstSeen: now,
      lastSeen: now,
      lastPong: verified ? now : null,
      failures: 0,
      livenessChecks: verified ? 1 : 0,
      live: verified,
      place: 'replacement',
      list: null,
    };
    this.byId.set(c.key, e);
    return e;
  }

  private addReplacement(
    b: Bucket,
    node: NodeRecord,
    c: Placement,
    now: number,
    verified: boolean,
  ): AddOutcome {
    if (!this.ipLimits.claim(b, c.subnet)) return 'ip_limit';
    const e = this.newEntry(node, c, now, verified);
    b.replacements.unshift(e);
    if (b.replacements.length > MAX_REPLACEMENTS) {
      const dropped = b.replacements.pop()!;
      this.ipLimits.release(b, dropped.subnet);
      this.byId.delete(dropped.key);
    }
    return 'replacement';
  }

  private deleteEntry(e: Entry): void {
    const b = this.buckets[e.bucket]!;
    this.byId.delete(e.key);
    this.ipLimits.release(b, e.subnet);
    if (e.place === 'replacement') {
      const i = b.replacements.indexOf(e);
      if (i >= 0) b.replacements.splice(i, 1);
      return;
    }
    const i = b.entries.indexOf(e);
    if (i >= 0) b.entries.splice(i, 1);
    this.entryCount--;
    this.reval.remove(e);
    this.promoteReplacement(b);
  }

  /** Fill a free slot with a random replacement; it is checked soon via the fast list. */
  private promoteReplacement(b: Bucket): void {
    if (b.replacements.length === 0 || b.entries.length >= BUCKET_SIZE) return;
    const i = Math.min(b.replacements.length - 1, Math.floor(this.random() * b.replacements.length));
    const [r] = b.replacements.splice(i, 1);
    r!.place = 'bucket';
    b.entries.push(r!);
    this.entryCount++;
    this.reval.push(this.reval.fast, r!, this.clock.now());
  }

}
