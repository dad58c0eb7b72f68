import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/net/clock.js';
import { logDistance } from '../../src/enode/distance.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { Table, type DistanceMetric } from '../../src/discv4/table.js';
import { BUCKET_SIZE } from '../../src/discv4/constants.js';
import { hex, makeNode, prng, randomBytesFrom } from './table-helpers.js';

/** Parity's pre-2.0 metric, written out independently of src/enode/distance.ts. */
function parityMetric(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 32; i++) {
    let x = a[i]! ^ b[i]!;
    let bits = 0;
    while (x > 0) {
      bits++;
      x >>= 1;
    }
    sum += bits;
  }
  return sum;
}

function xorBig(a: Uint8Array, b: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(a.map((x, i) => x ^ b[i]!)).toString('hex')}`);
}

function setup(metric: DistanceMetric | undefined, count: number, seed: number) {
  const rand = prng(seed);
  const self = randomBytesFrom(rand, 32);
  // Loopback addresses are exempt from the IP limits, so only the metric decides who fits.
  const nodes: NodeRecord[] = Array.from({ length: count }, (_, i) => makeNode(randomBytesFrom(rand, 32), '127.0.0.1', 30000 + i, rand));
  const table = new Table({ selfId: self, clock: new ManualClock(), random: prng(seed + 1), ...(metric ? { metric } : {}) });
  for (const n of nodes) table.addSeen(n);
  return { rand, self, nodes, table };
}

describe('Table: distance metric option', () => {
  it('defaults to geth: buckets by log distance', () => {
    const { self, nodes, table } = setup(undefined, 50, 11);
    expect(table.metric).toBe('geth');
    for (const n of nodes) expect(table.bucketIndex(n.id)).toBe(logDistance(self, n.id) - 1);
  });

  it("parity: every entry sits in the bucket of its Parity distance", () => {
    const { self, nodes, table } = setup('parity', 200, 12);
    expect(table.metric).toBe('parity');
    for (const n of nodes) expect(table.bucketIndex(n.id)).toBe(parityMetric(self, n.id) - 1);
    for (let i = 0; i < 256; i++) {
      for (const e of table.bucketEntries(i)) expect(parityMetric(self, e.node.id)).toBe(i + 1);
    }
  });

  it('parity buckets crowd around distance ~224, so one table keeps far more random nodes than a geth table', () => {
    // Random IDs: half share no leading bit with us, so a geth table keeps ~16 per top bucket;
    // Parity distances are near-normal, spread over a few dozen buckets.
    const geth = setup('geth', 400, 13).table;
    const parity = setup('parity', 400, 13).table;
    expect(geth.size).toBeLessThan(120);
    expect(parity.size).toBeGreaterThan(300);
    const filled = parity.bucketFill().map((c, i) => (c > 0 ? i + 1 : 0)).filter((d) => d > 0);
    expect(Math.min(...filled)).toBeGreaterThan(150);
  });

  it('parity: closest() ranks by Parity distance (ties by XOR), not by XOR', () => {
    const { rand, nodes, table } = setup('parity', 120, 14);
    const stored = nodes.filter((n) => table.has(n.id));
    let differs = 0;
    for (let t = 0; t < 20; t++) {
      const target = randomBytesFrom(rand, 32);
      const want = [...stored]
        .sort((a, b) => parityMetric(target, a.id) - parityMetric(target, b.id) || (xorBig(a.id, target) < xorBig(b.id, target) ? -1 : 1))
        .slice(0, BUCKET_SIZE);
      const got = table.closest(target, BUCKET_SIZE);
      expect(got.map((n) => hex(n.id))).toEqual(want.map((n) => hex(n.id)));
      const xorWant = [...stored].sort((a, b) => (xorBig(a.id, target) < xorBig(b.id, target) ? -1 : 1)).slice(0, BUCKET_SIZE);
      if (xorWant.some((n, i) => hex(n.id) !== hex(got[i]!.id))) differs++;
    }
    // The two metrics disagree on (nearly) every target: the option really changes the answer.
    expect(differs).toBeGreaterThanOrEqual(15);
  });

  it('parity: prefer-live and live modes filter like the geth table', () => {
    const { rand, nodes, table } = setup('parity', 40, 15);
    const target = randomBytesFrom(rand, 32);
    expect(table.closest(target, 10, 'live')).toHaveLength(0);
    expect(table.closest(target, 10, 'prefer-live')).toHaveLength(10);
    table.addVerified(nodes[3]!);
    expect(table.closest(target, 10, 'prefer-live').map((n) => hex(n.id))).toEqual([hex(nodes[3]!.id)]);
    expect(table.closest(target, 0)).toEqual([]);
  });

  it('refuses an unknown metric', () => {
    expect(() => new Table({ selfId: new Uint8Array(32), clock: new ManualClock(), metric: 'kad' as DistanceMetric })).toThrow(RangeError);
  });
});
