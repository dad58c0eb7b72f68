/**
 * Testnet fast start (issue #10): each peer's table filled from ground truth, as it would stand
 * after the peer bonded with everyone it can hold — for each peer, the others bucketed by log
 * distance to it (geth's metric), at most k = 16 per bucket, chosen by the seed — instead of a
 * start-up storm of PINGs and lookups (1 000 peers took over 5 minutes and timed out dials).
 * Pure: the caller adds the entries as verified and records the bonds (Discv4Endpoint.assumeBonded).
 */
import { Prng } from '../analysis/prng.js';
import { logDistance } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';
import { BUCKET_SIZE } from '../discv4/constants.js';

/**
 * tables[i] = the peers peer i holds: per log distance, up to `k` of the others (a seeded pick
 * among them when there are more, so who is left out of a full bucket is random but reproducible).
 * O(n²) distances, 4 million for 2 000 peers; only the few full buckets draw random numbers.
 */
export function prefilledTables(records: readonly NodeRecord[], seed: number, k = BUCKET_SIZE): number[][] {
  const prng = new Prng(BigInt(seed) * 16n + 11n);
  const n = records.length;
  const tables: number[][] = [];
  const buckets: number[][] = Array.from({ length: 257 }, () => []);
  for (let i = 0; i < n; i++) {
    const self = records[i]!.id;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = logDistance(self, records[j]!.id);
      if (d > 0) buckets[d]!.push(j);
    }
    const chosen: number[] = [];
    for (let d = 256; d > 0; d--) {
      const b = buckets[d]!;
      if (b.length === 0) continue;
      if (b.length > k) {
        // Partial Fisher–Yates: the first k places get a uniform sample of the bucket.
        for (let x = 0; x < k; x++) {
          const r = x + prng.nextBelow(b.length - x);
          [b[x], b[r]] = [b[r]!, b[x]!];
        }
        b.length = k;
      }
      chosen.push(...b);
      b.length = 0;
    }
    tables.push(chosen);
  }
  return tables;
}
