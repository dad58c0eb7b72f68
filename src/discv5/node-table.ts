/**
 * A discv5 routing table of signed records (discv5-theory.md "Routing Table"): one bucket per log
 * distance from us, at most BUCKET_SIZE records each. Pure data on an injected nothing: the owner
 * decides when a node is live (it answered us or opened a session) and drops nodes that stop
 * answering. FINDNODE is answered from live entries only (theory "Table Maintenance": "nodes ...
 * should only be relayed ... if they have been verified"), as src/discv5/responder.ts expects.
 *
 * Simpler than geth's p2p/discover/table.go (no replacement lists, no IP limits): a crawler's v5
 * table only feeds its own lookups and answers; a full bucket keeps its live entries and lets a
 * newcomer replace the oldest unverified one.
 */
import { compareDistance, logDistance } from '../enode/distance.js';
import type { Enr } from '../enode/enr.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { MAX_DISTANCE } from './constants.js';

/** discv5-theory.md "k = 16". */
export const BUCKET_SIZE = 16;

interface Entry {
  enr: Enr;
  live: boolean;
}

export type AddResult = 'added' | 'updated' | 'full' | 'self';

export class Discv5Table {
  private readonly buckets: Map<string, Entry>[] = [];
  private count = 0;

  constructor(
    readonly selfId: Uint8Array,
    private readonly bucketSize = BUCKET_SIZE,
  ) {
    for (let d = 0; d <= MAX_DISTANCE; d++) this.buckets.push(new Map());
  }

  get size(): number {
    return this.count;
  }

  /**
   * Insert or refresh a record. A known node keeps the higher seq's record (a lower seq is an old
   * copy); `live` only ever upgrades an entry.
   */
  add(enr: Enr, live = false): AddResult {
    if (equalBytes(enr.nodeId, this.selfId)) return 'self';
    const bucket = this.buckets[logDistance(this.selfId, enr.nodeId)]!;
    const key = bytesToHex(enr.nodeId);
    const old = bucket.get(key);
    if (old) {
      if (enr.seq >= old.enr.seq) old.enr = enr;
      old.live ||= live;
      return 'updated';
    }
    if (bucket.size >= this.bucketSize) {
      // Map order is insertion order: the first unverified entry is the oldest hearsay.
      const stale = [...bucket].find(([, e]) => !e.live);
      if (!stale) return 'full';
      bucket.delete(stale[0]);
      this.count--;
    }
    bucket.set(key, { enr, live });
    this.count++;
    return 'added';
  }

  get(nodeId: Uint8Array): Enr | undefined {
    if (nodeId.length !== this.selfId.length) return undefined;
    return this.buckets[logDistance(this.selfId, nodeId)]?.get(bytesToHex(nodeId))?.enr;
  }

  isLive(nodeId: Uint8Array): boolean {
    return this.buckets[logDistance(this.selfId, nodeId)]?.get(bytesToHex(nodeId))?.live ?? false;
  }

  remove(nodeId: Uint8Array): void {
    if (this.buckets[logDistance(this.selfId, nodeId)]?.delete(bytesToHex(nodeId))) this.count--;
  }

  /** Live records at log distance `d` (the FINDNODE answer for d; src/discv5/responder.ts TableLookup). */
  atDistance = (d: number): Enr[] => {
    const bucket = this.buckets[d];
    if (!bucket || d === 0) return [];
    const out: Enr[] = [];
    for (const e of bucket.values()) if (e.live) out.push(e.enr);
    return out;
  };

  /** Up to n records closest to `target` (live or not: lookups start from hearsay too). */
  closest(target: Uint8Array, n = this.bucketSize): Enr[] {
    const all: Enr[] = [];
    for (const b of this.buckets) for (const e of b.values()) all.push(e.enr);
    all.sort((a, b) => compareDistance(target, a.nodeId, b.nodeId));
    return all.slice(0, n);
  }

  /** Log distances from us that hold at least one record (what enumeration asks for). */
  occupiedDistances(): number[] {
    const out: number[] = [];
    this.buckets.forEach((b, d) => {
      if (b.size > 0) out.push(d);
    });
    return out;
  }

  all(): Enr[] {
    const out: Enr[] = [];
    for (const b of this.buckets) for (const e of b.values()) out.push(e.enr);
    return out;
  }
}
