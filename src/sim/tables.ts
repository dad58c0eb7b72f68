/**
 * Every simulated node's Kademlia table, built cheaply: the nodes sorted by the top 32 bits of
 * their ID make each log-distance bucket of a node a contiguous range (same first `cpl` bits, the
 * next bit flipped), from which up to k=16 online members are drawn at random. A table is built
 * when first asked and rebuilt after TABLE_REFRESH_MS (geth refreshes every 30 min,
 * p2p/discover/table.go refreshInterval); between rebuilds, entries that went offline are skipped
 * when the table is read, standing in for geth's revalidation (which drops dead entries within
 * minutes, table_reval.go). Newly joined nodes enter others' tables at their next rebuild.
 */
import type { Prng } from '../analysis/prng.js';
import { BUCKET_SIZE } from '../discv4/constants.js';
import type { SimNode } from './population.js';

/** geth p2p/discover/table.go: refreshInterval = 30 * time.Minute. */
export const TABLE_REFRESH_MS = 30 * 60_000;
/** Random probes per bucket range before settling for fewer than k online members. */
const PROBES_PER_SLOT = 3;

/** Is `a` closer to the target (th, tl) than `b`? XOR on the top 64 bits (ties beyond are negligible). */
export function closer(th: number, tl: number, a: SimNode, b: SimNode): boolean {
  const da = (a.hi ^ th) >>> 0;
  const db = (b.hi ^ th) >>> 0;
  if (da !== db) return da < db;
  return (a.lo ^ tl) >>> 0 < (b.lo ^ tl) >>> 0;
}

/** Common-prefix length of two nodes' top 64 bits (0..64). */
export function commonPrefix(ah: number, al: number, bh: number, bl: number): number {
  const x = (ah ^ bh) >>> 0;
  if (x !== 0) return Math.clz32(x);
  const y = (al ^ bl) >>> 0;
  return y === 0 ? 64 : 32 + Math.clz32(y);
}

export class SimTables {
  /** Node indices ordered by `hi`, and their `hi` values (parallel arrays). */
  private order: number[] = [];
  private keys: number[] = [];
  private readonly nodes: SimNode[];
  private readonly prng: Prng;
  /** Tables built (for stats). */
  builds = 0;

  constructor(nodes: SimNode[], prng: Prng) {
    this.nodes = nodes;
    this.prng = prng;
  }

  /** A node joined the network: add it to the index (O(n), joins are rare next to lookups). */
  add(node: SimNode): void {
    const at = this.lowerBound(node.hi);
    this.order.splice(at, 0, node.index);
    this.keys.splice(at, 0, node.hi);
  }

  /** The node's table, rebuilt when stale. Entries may be offline: readers skip those. */
  tableOf(node: SimNode, now: number): Int32Array {
    if (node.table && now - node.tableBuiltAt < TABLE_REFRESH_MS) return node.table;
    node.table = this.build(node);
    node.tableBuiltAt = now;
    this.builds++;
    return node.table;
  }

  /** Up to `k` online entries of `node`'s table closest to the target, closest first. */
  closest(node: SimNode, th: number, tl: number, now: number, k = BUCKET_SIZE): SimNode[] {
    const out: SimNode[] = [];
    for (const i of this.tableOf(node, now)) {
      const n = this.nodes[i]!;
      if (!n.online) continue;
      // Insertion into a sorted list of ≤ k: tables hold a few hundred entries.
      let pos = out.length;
      while (pos > 0 && closer(th, tl, n, out[pos - 1]!)) pos--;
      if (pos >= k) continue;
      out.splice(pos, 0, n);
      if (out.length > k) out.pop();
    }
    return out;
  }

  /** Every online entry of `node`'s table (what enumerating all its buckets returns). */
  allOnline(node: SimNode, now: number): SimNode[] {
    const out: SimNode[] = [];
    for (const i of this.tableOf(node, now)) {
      const n = this.nodes[i]!;
      if (n.online) out.push(n);
    }
    return out;
  }

  private build(node: SimNode): Int32Array {
    const entries: number[] = [];
    for (let cpl = 0; cpl < 32; cpl++) {
      const shift = 31 - cpl;
      const prefix = (node.hi >>> shift) ^ 1;
      const from = this.lowerBound(prefix * 2 ** shift);
      const to = this.lowerBound((prefix + 1) * 2 ** shift);
      if (to - from > 0) this.pickOnline(from, to, entries);
      // Deeper buckets are nested inside the node's own half: once it is nearly alone, stop.
      const ownFrom = this.lowerBound((node.hi >>> shift) * 2 ** shift);
      const ownTo = this.lowerBound(((node.hi >>> shift) + 1) * 2 ** shift);
      if (ownTo - ownFrom <= 1) break;
    }
    return Int32Array.from(entries);
  }

  private pickOnline(from: number, to: number, out: number[]): void {
    const size = to - from;
    if (size <= BUCKET_SIZE * PROBES_PER_SLOT) {
      // Small range: every online member, in a random order, up to k.
      const members: number[] = [];
      for (let p = from; p < to; p++) if (this.nodes[this.order[p]!]!.online) members.push(this.order[p]!);
      this.prng.shuffle(members);
      for (let j = 0; j < members.length && j < BUCKET_SIZE; j++) out.push(members[j]!);
      return;
    }
    const chosen = new Set<number>();
    for (let tries = 0; tries < BUCKET_SIZE * PROBES_PER_SLOT && chosen.size < BUCKET_SIZE; tries++) {
      const idx = this.order[from + this.prng.nextBelow(size)]!;
      if (this.nodes[idx]!.online) chosen.add(idx);
    }
    for (const idx of chosen) out.push(idx);
  }

  /** First position whose key is ≥ v. */
  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
