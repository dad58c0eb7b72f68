/**
 * Testnet fast start: the pre-filled tables hold, for each peer, at most k others per log
 * distance (all of them when the bucket has room), never the peer itself, the same for the same seed.
 */
import { describe, expect, it } from 'vitest';
import { logDistance } from '../../src/enode/distance.js';
import { prefilledTables } from '../../src/testnet/prefill.js';
import { makeNode, prng, randomBytesFrom } from '../discv4/table-helpers.js';

const rand = prng(17);
const records = Array.from({ length: 600 }, (_, i) => makeNode(randomBytesFrom(rand, 32), '127.0.0.1', 20000 + i, rand));

describe('prefilledTables', () => {
  const tables = prefilledTables(records, 4);

  it('holds per bucket min(k, others at that distance), never the peer itself', () => {
    for (let i = 0; i < records.length; i += 37) {
      const perBucket = new Map<number, number>();
      for (const j of tables[i]!) {
        expect(j).not.toBe(i);
        const d = logDistance(records[i]!.id, records[j]!.id);
        perBucket.set(d, (perBucket.get(d) ?? 0) + 1);
      }
      const available = new Map<number, number>();
      for (let j = 0; j < records.length; j++) {
        if (j === i) continue;
        const d = logDistance(records[i]!.id, records[j]!.id);
        available.set(d, (available.get(d) ?? 0) + 1);
      }
      for (const [d, n] of available) expect(perBucket.get(d) ?? 0).toBe(Math.min(16, n));
      expect(new Set(tables[i]).size).toBe(tables[i]!.length);
    }
  });

  it('is reproducible from the seed, and the seed decides who fills a full bucket', () => {
    expect(prefilledTables(records, 4)).toEqual(tables);
    expect(prefilledTables(records, 5)).not.toEqual(tables);
  });
});
