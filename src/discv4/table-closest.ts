/**
 * The table's closest entries to a target (discv4.md FINDNODE): by XOR distance, or for emulated
 * Parity peers by smallest parityDistance (ties broken by XOR distance), as Parity's
 * nearest_node_entries did.
 */
import { compareDistance, parityDistance } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Bucket } from './table-entry.js';

/** The n bucket entries closest to target, closest first; live ones only when liveOnly. */
export function closestEntries(buckets: readonly Bucket[], parity: boolean, target: Uint8Array, n: number, liveOnly: boolean): NodeRecord[] {
  if (parity) return parityClosest(buckets, target, n, liveOnly);
  const out: NodeRecord[] = [];
  for (const b of buckets) {
    for (const e of b.entries) {
      if (liveOnly && !e.live) continue;
      insertByDistance(out, e.node, target, n);
    }
  }
  return out;
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
