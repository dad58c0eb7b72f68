import { describe, expect, it } from 'vitest';
import { ALPHA, BUCKET_SIZE } from '../../src/discv4/constants.js';
import { compareDistance, logDistance, parityDistance } from '../../src/enode/distance.js';
import { AnalysisParameterError } from '../../src/analysis/errors.js';
import {
  SimNetwork,
  runLookupSimulation,
  summarizeOutcomes,
} from '../../src/analysis/lookup-sim.js';
import { Prng } from '../../src/analysis/prng.js';

const NODES = 400;
const network = new SimNetwork(NODES, new Prng(99));
const randomTarget = (() => {
  const p = new Prng(100);
  return () => p.fillBytes(new Uint8Array(32));
})();

describe('SimNetwork tables', () => {
  it('place every entry in the bucket of its own metric, at most k per bucket, never itself', () => {
    for (const metric of ['geth', 'parity'] as const) {
      const distance = metric === 'geth' ? logDistance : parityDistance;
      for (let i = 0; i < NODES; i += 37) {
        const me = network.id(i);
        const buckets = new Map<number, number>();
        for (const j of network.table(i, metric)) {
          expect(j).not.toBe(i);
          const b = distance(me, network.id(j));
          buckets.set(b, (buckets.get(b) ?? 0) + 1);
        }
        for (const count of buckets.values()) expect(count).toBeLessThanOrEqual(BUCKET_SIZE);
        if (metric === 'geth') {
          // the top bucket holds half the network (≈200), so it must be full
          expect(buckets.get(256)).toBe(BUCKET_SIZE);
        }
      }
    }
  });

  it('a geth table holds every node of its sparse low buckets (its true neighbours)', () => {
    for (let i = 0; i < NODES; i += 53) {
      const me = network.id(i);
      const byBucket = new Map<number, number>();
      for (let j = 0; j < NODES; j++) if (j !== i) byBucket.set(logDistance(me, network.id(j)), (byBucket.get(logDistance(me, network.id(j))) ?? 0) + 1);
      const held = new Set(network.table(i, 'geth'));
      for (let j = 0; j < NODES; j++) {
        if (j === i) continue;
        const b = logDistance(me, network.id(j));
        if (byBucket.get(b)! <= BUCKET_SIZE) expect(held.has(j)).toBe(true);
      }
    }
  });

  it('setParityFraction is nested: a Parity node stays Parity as the fraction grows', () => {
    expect(network.setParityFraction(0)).toBe(0);
    const at = (f: number) => {
      network.setParityFraction(f);
      return new Set(Array.from({ length: NODES }, (_, i) => i).filter((i) => network.metricOf(i) === 'parity'));
    };
    const a = at(0.1);
    const b = at(0.5);
    for (const i of a) expect(b.has(i)).toBe(true);
    expect(b.size).toBeGreaterThan(a.size);
    expect(at(1).size).toBe(NODES);
    expect(() => network.setParityFraction(1.5)).toThrow(AnalysisParameterError);
  });
});

describe('FINDNODE answers', () => {
  it('a geth node answers the k XOR-closest entries of its table, in order', () => {
    network.setParityFraction(0);
    for (let n = 0; n < 20; n++) {
      const node = n * 17;
      const target = randomTarget();
      const expected = [...network.table(node)].sort((a, b) => compareDistance(target, network.id(a), network.id(b))).slice(0, BUCKET_SIZE);
      expect(network.answer(node, target)).toEqual(expected);
    }
  });

  it("a Parity node answers the k entries with the smallest Parity distance (ties in table order)", () => {
    network.setParityFraction(1);
    for (let n = 0; n < 20; n++) {
      const node = n * 19;
      const target = randomTarget();
      const table = [...network.table(node)];
      const expected = table
        .map((j, pos) => ({ j, pos, d: parityDistance(target, network.id(j)) }))
        .sort((a, b) => a.d - b.d || a.pos - b.pos)
        .slice(0, BUCKET_SIZE)
        .map((e) => e.j);
      expect(network.answer(node, target)).toEqual(expected);
    }
  });

  it('trueClosest is the brute-force XOR top k without the excluded node', () => {
    const target = randomTarget();
    const all = Array.from({ length: NODES }, (_, i) => i).filter((i) => i !== 5);
    const expected = all.sort((a, b) => compareDistance(target, network.id(a), network.id(b))).slice(0, BUCKET_SIZE);
    expect(network.trueClosest(target, 5)).toEqual(expected);
  });
});

describe('lookups', () => {
  it('in an all-geth network, lookups find the true k closest and converge in few rounds', () => {
    network.setParityFraction(0);
    const outcomes = Array.from({ length: 60 }, (_, i) => network.lookup((i * 7) % NODES, randomTarget()));
    const point = summarizeOutcomes(0, 0, outcomes);
    expect(point.success).toBeGreaterThanOrEqual(0.95);
    expect(point.nonConverged).toBe(0);
    for (const o of outcomes) {
      // at least the final k must have been asked, α per round
      expect(o.messages).toBeGreaterThanOrEqual(BUCKET_SIZE);
      expect(o.messages).toBeLessThanOrEqual(o.rounds * ALPHA);
      expect(o.rounds).toBeGreaterThanOrEqual(Math.ceil(BUCKET_SIZE / ALPHA));
    }
  });

  it('in an all-Parity network, lookups end on the wrong nodes', () => {
    network.setParityFraction(1);
    const outcomes = Array.from({ length: 60 }, (_, i) => network.lookup((i * 7) % NODES, randomTarget()));
    const point = summarizeOutcomes(1, NODES, outcomes);
    expect(point.success).toBeLessThanOrEqual(0.05);
    expect(point.meanRecall).toBeLessThan(0.3);
    expect(point.gethSuccess).toBeNull();
  });

  it('a round limit that is too small is reported as non-convergence', () => {
    network.setParityFraction(0);
    const o = network.lookup(1, randomTarget(), 2);
    expect(o.converged).toBe(false);
    expect(o.rounds).toBe(2);
    expect(o.messages).toBe(2 * ALPHA);
  });
});

describe('runLookupSimulation', () => {
  const options = { nodes: 300, lookups: 60, seed: 5, parityFractions: [0, 0.5, 1] };
  const result = runLookupSimulation(options);

  it('is deterministic in the seed', () => {
    expect(runLookupSimulation(options)).toEqual(result);
    expect(runLookupSimulation({ ...options, seed: 6 })).not.toEqual(result);
  });

  it('success falls as the Parity share grows; geth-started lookups keep succeeding', () => {
    const [none, half, all] = result.points;
    expect(none!.success).toBeGreaterThanOrEqual(0.95);
    expect(half!.success).toBeLessThan(none!.success);
    expect(all!.success).toBeLessThan(half!.success);
    expect(half!.gethSuccess!).toBeGreaterThanOrEqual(0.9);
    expect(half!.paritySuccess!).toBeLessThanOrEqual(0.1);
    expect(half!.gethLookups + half!.parityLookups).toBe(60);
    expect(none!.parityNodes).toBe(0);
    expect(all!.parityNodes).toBe(300);
    // Parity tables are much bigger: its buckets spread over ~50 distances, not ~log2(N).
    expect(result.meanTableSize.parity).toBeGreaterThan(result.meanTableSize.geth);
  });

  it('rejects bad parameters with a typed error', () => {
    expect(() => runLookupSimulation({ nodes: 3 })).toThrow(AnalysisParameterError);
    expect(() => runLookupSimulation({ nodes: 100, lookups: 0 })).toThrow(AnalysisParameterError);
    expect(() => runLookupSimulation({ nodes: 100, parityFractions: [-0.1] })).toThrow(AnalysisParameterError);
  });
});
