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
 * - Revalidation (geth's two lists): new and suspect entries sit in a "fast" list pinged about every
 *   pingInterval; entries that answered move to a "slow" list pinged about every 3·pingInterval.
 *   A reply marks the entry live and moves it to the front of its bucket. A failure divides the
 *   entry's liveness-check count by 5; at 0 it is evicted and a random replacement is promoted, so a
 *   new node is evicted on its first failure and a long-lived one survives a lost datagram or two.
 */
import type { Clock, TimerHandle } from '../net/clock.js';
import type { NodeRecord } from '../enode/node-record.js';
import { compareDistance, logDistance, NODE_ID_BYTES, parityDistance } from '../enode/distance.js';
import { ipToBytes } from '../net/ip.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { timeRequest } from '../net/request.js';
import { ALPHA, BUCKET_SIZE } from './constants.js';

/** discv4.md: one bucket for each distance 2^i ≤ d < 2^(i+1), 0 ≤ i < 256 (log distance 1..256). */
export const BUCKET_COUNT = 256;
/** geth table.go maxReplacements: size of each bucket's replacement list. */
export const MAX_REPLACEMENTS = 10;
/** geth table.go bucketIPLimit, bucketSubnet: at most 2 addresses from one /24 per bucket. */
export const BUCKET_IP_LIMIT = 2;
/** geth table.go tableIPLimit, tableSubnet: at most 10 addresses from one /24 in the table. */
export const TABLE_IP_LIMIT = 10;
export const IPV4_SUBNET_BITS = 24;
/** Ours: IPv6 addresses are grouped by /64 (one end-site LAN), since /24 is meaningless for v6.
 *  Both subnet sizes must be whole bytes. */
export const IPV6_SUBNET_BITS = 64;
/** geth p2p/discover/common.go Config.PingInterval default: 3 s (fast list); slow list is 3×. */
export const PING_INTERVAL_MS = 3_000;
export const SLOW_REVALIDATION_FACTOR = 3;
/** geth v4_udp.go maxFindnodeFailures: evict after this many consecutive failed requests. */
export const MAX_FINDNODE_FAILURES = 5;
/** geth table_reval.go: a failed check divides the liveness count by 5. */
export const LIVENESS_FAILURE_DIVISOR = 5;
/** Ours: backstop deadline for a revalidation ping (the discv4 client applies its own, shorter one). */
export const REVALIDATION_TIMEOUT_MS = 10_000;

/**
 * geth netutil.IsLAN: loopback, private and link-local ranges (exempt from IP limits by default):
 * 0/8, 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, ::1, fe80::/10, fc00::/7.
 */
function isLan(b: Uint8Array): boolean {
  if (b.length === 4) {
    const [x, y] = [b[0]!, b[1]!];
    return x === 0 || x === 10 || x === 127 || (x === 169 && y === 254) || (x === 172 && (y & 0xf0) === 16) || (x === 192 && y === 168);
  }
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return true;
  if ((b[0]! & 0xfe) === 0xfc) return true;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

/** Resolves when the node answered our PING with a matching PONG; rejects otherwise. */
export type PingFn = (node: NodeRecord, signal: AbortSignal) => Promise<unknown>;

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

/** A read-only view of one entry, for callers (FINDNODE answers, metrics, tests). */
export interface TableEntry {
  readonly node: NodeRecord;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Last time the node answered a PING (or bonded); null when never verified. */
  readonly lastPong: number | null;
  /** Consecutive failed requests (revalidation pings and FINDNODEs). */
  readonly failures: number;
  readonly livenessChecks: number;
  /** The endpoint was verified and has not failed since. */
  readonly live: boolean;
  /** True for replacement-list entries (not served, not counted in size). */
  readonly replacement: boolean;
}

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

interface Entry {
  node: NodeRecord;
  key: string;
  bucket: number;
  /** Subnet key counted against the IP limits, or null when exempt. */
  subnet: string | null;
  firstSeen: number;
  lastSeen: number;
  lastPong: number | null;
  failures: number;
  livenessChecks: number;
  live: boolean;
  place: 'bucket' | 'replacement';
  list: RevalidationList | null;
}

interface Bucket {
  /** Most recently verified first. */
  entries: Entry[];
  /** Most recently seen first. */
  replacements: Entry[];
  ips: Map<string, number>;
}

class RevalidationList {
  nodes: Entry[] = [];
  nextTime = Infinity;
  constructor(
    readonly name: 'fast' | 'slow',
    readonly interval: number,
  ) {}
}

/**
 * Subnet key of an IP literal for the IP limits (IPv4-mapped IPv6 counts as IPv4), or undefined
 * when it is not a usable unicast address (unspecified, multicast, a zone id, not a literal).
 */
function subnetOf(ip: string): { key: string; lan: boolean } | undefined {
  const b = ipToBytes(ip);
  if (!b || b.every((x) => x === 0)) return undefined;
  if (b.length === 4) {
    if (b[0]! >= 224) return undefined; // multicast, reserved, broadcast
  } else if (b[0] === 0xff) {
    return undefined; // ff00::/8 multicast
  }
  const bits = b.length === 4 ? IPV4_SUBNET_BITS : IPV6_SUBNET_BITS;
  return { key: `${b.length === 4 ? 4 : 6}:${bytesToHex(b.subarray(0, bits / 8))}`, lan: isLan(b) };
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
  private readonly ping: PingFn | undefined;
  private readonly random: () => number;
  private readonly exemptLan: boolean;
  private readonly bucketIpLimit: number;
  private readonly tableIpLimit: number;
  private readonly pingTimeoutMs: number;

  private readonly buckets: Bucket[] = [];
  private readonly byId = new Map<string, Entry>();
  private readonly tableIps = new Map<string, number>();
  private entryCount = 0;

  private readonly fast: RevalidationList;
  private readonly slow: RevalidationList;
  private readonly active = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private running = false;
  private abort = new AbortController();
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;

  constructor(options: TableOptions) {
    if (options.selfId.length !== NODE_ID_BYTES) throw new RangeError('Table: selfId must be 32 bytes');
    this.selfId = options.selfId;
    this.metric = options.metric ?? 'geth';
    if (this.metric !== 'geth' && this.metric !== 'parity') throw new RangeError(`Table: unknown metric ${String(this.metric)}`);
    this.clock = options.clock;
    this.ping = options.ping;
    this.random = options.random ?? Math.random;
    this.exemptLan = options.exemptLan ?? true;
    this.bucketIpLimit = options.bucketIpLimit ?? BUCKET_IP_LIMIT;
    this.tableIpLimit = options.tableIpLimit ?? TABLE_IP_LIMIT;
    this.pingTimeoutMs = options.pingTimeoutMs ?? REVALIDATION_TIMEOUT_MS;
    const interval = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.fast = new RevalidationList('fast', interval);
    this.slow = new RevalidationList('slow', interval * SLOW_REVALIDATION_FACTOR);
    for (let i = 0; i < BUCKET_COUNT; i++) this.buckets.push({ entries: [], replacements: [], ips: new Map() });
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
    const pick = (liveOnly: boolean): NodeRecord[] => {
      if (this.metric === 'parity') return parityClosest(this.buckets, target, n, liveOnly);
      const out: NodeRecord[] = [];
      for (const b of this.buckets) {
        for (const e of b.entries) {
          if (liveOnly && !e.live) continue;
          insertByDistance(out, e.node, target, n);
        }
      }
      return out;
    };
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
    if (!this.claimIp(b, checked.subnet)) return 'ip_limit';
    const e = this.newEntry(node, checked, now, false);
    e.place = 'bucket';
    b.entries.push(e);
    this.entryCount++;
    this.pushToList(this.fast, e, now);
    return 'added';
  }

  addVerified(node: NodeRecord): AddOutcome {
    const checked = this.check(node);
    if (typeof checked === 'string') return checked;
    const now = this.clock.now();
    const b = this.buckets[checked.bucket]!;
    const existing = this.byId.get(checked.key);
    if (existing) {
      if (!sameEndpoint(existing.node, node) && !this.moveIp(b, existing, checked.subnet)) {
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
        this.moveToList(existing, this.slow, now);
        return 'bumped';
      }
      moveToFront(b.replacements, existing);
      return 'replacement';
    }
    if (b.entries.length >= BUCKET_SIZE) return this.addReplacement(b, node, checked, now, true);
    if (!this.claimIp(b, checked.subnet)) return 'ip_limit';
    const e = this.newEntry(node, checked, now, true);
    e.place = 'bucket';
    b.entries.unshift(e);
    this.entryCount++;
    this.pushToList(this.slow, e, now);
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
    if (this.running || !this.ping) return;
    this.running = true;
    this.abort = new AbortController();
    this.reschedule();
  }

  /** Stop timers, abort pings in flight and wait for them to settle. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }

  /** Pings in flight (for tests and metrics). */
  get revalidationsInFlight(): number {
    return this.active.size;
  }

  private runRevalidation(): void {
    if (!this.running) return;
    const now = this.clock.now();
    for (const list of [this.fast, this.slow]) {
      if (now < list.nextTime || list.nodes.length === 0) continue;
      const e = this.pickForRevalidation(list);
      if (e) this.startPing(e);
      list.nextTime = now + this.jitter(list.interval);
    }
    this.reschedule();
  }

  /** A uniform delay in [1, interval] ms (never 0: no zero-delay timer loops). */
  private jitter(interval: number): number {
    return Math.max(1, Math.ceil(this.random() * interval));
  }

  private pickForRevalidation(list: RevalidationList): Entry | undefined {
    const candidates = list.nodes.filter((e) => !this.active.has(e.key));
    if (candidates.length === 0) return undefined;
    return candidates[Math.min(candidates.length - 1, Math.floor(this.random() * candidates.length))];
  }

  private startPing(e: Entry): void {
    const ping = this.ping!;
    this.active.add(e.key);
    const node = e.node;
    const p = timeRequest(this.clock, (signal) => ping(node, signal), {
      timeoutMs: this.pingTimeoutMs,
      signal: this.abort.signal,
      what: 'revalidation ping',
    }).then(
      () => this.handlePing(e, true),
      () => this.handlePing(e, false),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private handlePing(e: Entry, ok: boolean): void {
    this.active.delete(e.key);
    if (!this.running) return;
    // The entry may have been evicted or replaced while the ping was out.
    if (this.byId.get(e.key) !== e || e.place !== 'bucket') return;
    const now = this.clock.now();
    if (ok) {
      e.livenessChecks++;
      e.live = true;
      e.lastPong = now;
      e.lastSeen = now;
      e.failures = 0;
      moveToFront(this.buckets[e.bucket]!.entries, e);
      this.moveToList(e, this.slow, now);
    } else {
      e.failures++;
      e.live = false;
      e.livenessChecks = Math.floor(e.livenessChecks / LIVENESS_FAILURE_DIVISOR);
      if (e.livenessChecks <= 0) this.deleteEntry(e);
      else this.moveToList(e, this.fast, now);
    }
    this.reschedule();
  }

  private pushToList(list: RevalidationList, e: Entry, now: number): void {
    list.nodes.push(e);
    e.list = list;
    if (list.nextTime === Infinity) list.nextTime = now + this.jitter(list.interval);
    this.reschedule();
  }

  private removeFromList(e: Entry): void {
    const list = e.list;
    if (!list) return;
    const i = list.nodes.indexOf(e);
    if (i >= 0) list.nodes.splice(i, 1);
    if (list.nodes.length === 0) list.nextTime = Infinity;
    e.list = null;
  }

  private moveToList(e: Entry, dest: RevalidationList, now: number): void {
    if (e.list === dest) return;
    this.removeFromList(e);
    this.pushToList(dest, e, now);
  }

  private reschedule(): void {
    if (!this.running) return;
    const next = Math.min(this.fast.nextTime, this.slow.nextTime);
    if (next === this.timerAt && this.timer) return;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.runRevalidation();
    });
  }

  // ---- internals --------------------------------------------------------------------------

  private check(node: NodeRecord): { key: string; bucket: number; subnet: string | null } | AddOutcome {
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

  private newEntry(node: NodeRecord, c: { key: string; bucket: number; subnet: string | null }, now: number, verified: boolean): Entry {
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
    c: { key: string; bucket: number; subnet: string | null },
    now: number,
    verified: boolean,
  ): AddOutcome {
    if (!this.claimIp(b, c.subnet)) return 'ip_limit';
    const e = this.newEntry(node, c, now, verified);
    b.replacements.unshift(e);
    if (b.replacements.length > MAX_REPLACEMENTS) {
      const dropped = b.replacements.pop()!;
      this.releaseIp(b, dropped.subnet);
      this.byId.delete(dropped.key);
    }
    return 'replacement';
  }

  private deleteEntry(e: Entry): void {
    const b = this.buckets[e.bucket]!;
    this.byId.delete(e.key);
    this.releaseIp(b, e.subnet);
    if (e.place === 'replacement') {
      const i = b.replacements.indexOf(e);
      if (i >= 0) b.replacements.splice(i, 1);
      return;
    }
    const i = b.entries.indexOf(e);
    if (i >= 0) b.entries.splice(i, 1);
    this.entryCount--;
    this.removeFromList(e);
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
    this.pushToList(this.fast, r!, this.clock.now());
  }

  private claimIp(b: Bucket, subnet: string | null): boolean {
    if (subnet === null) return true;
    if ((this.tableIps.get(subnet) ?? 0) >= this.tableIpLimit) return false;
    if ((b.ips.get(subnet) ?? 0) >= this.bucketIpLimit) return false;
    this.tableIps.set(subnet, (this.tableIps.get(subnet) ?? 0) + 1);
    b.ips.set(subnet, (b.ips.get(subnet) ?? 0) + 1);
    return true;
  }

  private releaseIp(b: Bucket, subnet: string | null): void {
    if (subnet === null) return;
    decrement(this.tableIps, subnet);
    decrement(b.ips, subnet);
  }

  /** Re-home an entry's IP accounting to a new subnet; false (and no change) when limits refuse. */
  private moveIp(b: Bucket, e: Entry, subnet: string | null): boolean {
    if (subnet === e.subnet) return true;
    this.releaseIp(b, e.subnet);
    if (!this.claimIp(b, subnet)) {
      this.claimIp(b, e.subnet);
      return false;
    }
    e.subnet = subnet;
    return true;
  }
}

function decrement(m: Map<string, number>, k: string): void {
  const v = (m.get(k) ?? 0) - 1;
  if (v <= 0) m.delete(k);
  else m.set(k, v);
}

function moveToFront(list: Entry[], e: Entry): void {
  const i = list.indexOf(e);
  if (i > 0) {
    list.splice(i, 1);
    list.unshift(e);
  }
}

function view(e: Entry): TableEntry {
  return {
    node: e.node,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    lastPong: e.lastPong,
    failures: e.failures,
    livenessChecks: e.livenessChecks,
    live: e.live,
    replacement: e.place === 'replacement',
  };
}

/** The n entries with the smallest Parity distance to target (ties: XOR order), closest first. */
function parityClosest(buckets: readonly Bucket[], target: Uint8Array, n: number, liveOnly: boolean): NodeRecord[] {
  const ranked: { node: NodeRecord; d: number }[] = [];
  for (const b of buckets) {
    for (const e of b.entries) if (!liveOnly || e.live) ranked.push({ node: e.node, d: parityDistance(target, e.node.id) });
  }
  ranked.sort((a, b) => a.d - b.d || compareDistance(target, a.node.id, b.node.id));
  return ranked.slice(0, n).map((r) => r.node);
}

/** Insert into a list kept sorted by XOR distance to target, capped at n entries. */
export function insertByDistance(list: NodeRecord[], node: NodeRecord, target: Uint8Array, n: number): boolean {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareDistance(target, list[mid]!.id, node.id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= n) return false;
  list.splice(lo, 0, node);
  if (list.length > n) list.pop();
  return true;
}
