/**
 * The report statistics: quantiles, robust max, Poisson intervals against published exact values,
 * capture–recapture estimators (formulas and, by simulation, the coverage of their 95 % intervals),
 * the exact coverage curve against a brute force over subsets, and triangle bounds.
 */
import { describe, expect, it } from 'vitest';
import {
  chao,
  chapman,
  expectedCoverage,
  histogram,
  niceBinWidth,
  poissonInterval,
  quantile,
  robustMax,
  schnabel,
  triangleBounds,
  type CaptureHistory,
} from '../../src/report/stats.js';
import { Rng } from '../store/fixtures.js';

describe('quantile and robust max', () => {
  it('interpolates like percentile_cont', () => {
    expect(quantile([10, 20, 40, 60, 80, 100], 0.5)).toBe(50);
    expect(quantile([10, 20, 40, 60, 80, 100], 0.9)).toBeCloseTo(90, 12);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('ignores one peer lying about its head', () => {
    expect(robustMax([5, 1_000_000, 7, 7])).toEqual({ value: 7, k: 2 });
    expect(robustMax([3])).toEqual({ value: 3, k: 1 });
    // 1 % of 1000 = 10: the 10th largest
    const values = Array.from({ length: 1000 }, (_, i) => i);
    expect(robustMax(values)).toEqual({ value: 990, k: 10 });
    expect(robustMax([])).toBeNull();
  });

  it('bins values, the last bin taking the tail', () => {
    expect(niceBinWidth(95, 20)).toBe(5);
    expect(niceBinWidth(0)).toBe(1);
    expect(histogram([0, 4.9, 5, 1000, -1], 5, 3).map((b) => b.count)).toEqual([3, 1, 1]);
  });
});

describe('poissonInterval', () => {
  // Exact (Garwood) 95 % limits: chi2.ppf(0.025, 2r)/2 and chi2.ppf(0.975, 2r+2)/2 (scipy).
  it.each([
    [0, 0, 3.6889],
    [1, 0.0253, 5.5716],
    [3, 0.6187, 8.7673],
    [10, 4.7954, 18.3904],
    [50, 37.1110, 65.9188],
  ])('r = %i → [%f, %f]', (r, lo, hi) => {
    const { lower, upper } = poissonInterval(r);
    expect(lower).toBeCloseTo(lo, 3);
    expect(upper).toBeCloseTo(hi, 3);
  });
});

/** A closed population of `n` nodes, each sample catching every node with probability p (or p_i). */
function simulate(rng: Rng, n: number, k: number, p: (node: number) => number): CaptureHistory[] {
  const byPattern = new Map<string, number>();
  for (let node = 0; node < n; node++) {
    const members: number[] = [];
    for (let t = 0; t < k; t++) if (rng.next() < p(node)) members.push(t);
    if (members.length) byPattern.set(members.join(','), (byPattern.get(members.join(',')) ?? 0) + 1);
  }
  return [...byPattern.entries()].map(([k2, count]) => ({ members: k2.split(',').map(Number), count }));
}

describe('capture–recapture', () => {
  it('Chapman: the textbook formula', () => {
    const e = chapman(100, 100, 20);
    expect(e.estimate).toBeCloseTo((101 * 101) / 21 - 1, 9);
    const sd = Math.sqrt((101 * 101 * 80 * 80) / (21 * 21 * 22));
    expect(e.upper! - e.estimate!).toBeCloseTo(1.959963984540054 * sd, 9);
    expect(e.observed).toBe(180);
  });

  it('Chapman and Schnabel 95 % intervals cover the true size about 95 % of the time (homogeneous capture)', () => {
    const rng = new Rng(99);
    const N = 1500;
    let chapmanHits = 0;
    let schnabelHits = 0;
    const runs = 200;
    for (let i = 0; i < runs; i++) {
      const two = simulate(rng, N, 2, () => 0.25);
      let n1 = 0;
      let n2 = 0;
      let m = 0;
      for (const h of two) {
        if (h.members.includes(0)) n1 += h.count;
        if (h.members.includes(1)) n2 += h.count;
        if (h.members.length === 2) m += h.count;
      }
      const c = chapman(n1, n2, m);
      if (c.lower! <= N && N <= c.upper!) chapmanHits++;
      const s = schnabel(simulate(rng, N, 5, () => 0.1), 5);
      if (s.lower! <= N && N <= s.upper!) schnabelHits++;
    }
    expect(chapmanHits / runs).toBeGreaterThan(0.88);
    expect(chapmanHits / runs).toBeLessThan(0.995);
    expect(schnabelHits / runs).toBeGreaterThan(0.88);
    expect(schnabelHits / runs).toBeLessThan(0.995);
  });

  it('Chao: tolerates heterogeneity better than Schnabel', () => {
    const rng = new Rng(5);
    const N = 3000;
    // half the nodes are hard to find (like poorly connected Kademlia nodes)
    const h = simulate(rng, N, 6, (node) => (node % 2 === 0 ? 0.3 : 0.03));
    const freq = new Map<number, number>();
    for (const x of h) freq.set(x.members.length, (freq.get(x.members.length) ?? 0) + x.count);
    const c = chao(freq, 6);
    const s = schnabel(h, 6);
    expect(Math.abs(c.estimate! - N)).toBeLessThan(Math.abs(s.estimate! - N));
    expect(c.lower!).toBeLessThanOrEqual(c.estimate!);
    expect(c.upper!).toBeGreaterThanOrEqual(c.estimate!);
  });

  it('Schnabel needs two samples; never reports an interval below what was observed', () => {
    expect(schnabel([{ members: [0], count: 5 }], 1).estimate).toBeNull();
    const e = schnabel([{ members: [0], count: 10 }, { members: [0, 1], count: 10 }, { members: [1], count: 1 }], 2);
    expect(e.observed).toBe(21);
    expect(e.lower!).toBeGreaterThanOrEqual(21);
  });
});

describe('expectedCoverage', () => {
  it('equals the average union size over every k-subset (brute force)', () => {
    const rng = new Rng(3);
    for (let round = 0; round < 10; round++) {
      const n = 2 + rng.int(5);
      const h = simulate(rng, 60, n, () => 0.1 + rng.next() * 0.5);
      const freq = new Map<number, number>();
      for (const x of h) freq.set(x.members.length, (freq.get(x.members.length) ?? 0) + x.count);
      const curve = expectedCoverage(freq, n);
      for (let k = 1; k <= n; k++) {
        let total = 0;
        let subsets = 0;
        for (let mask = 0; mask < 1 << n; mask++) {
          if (countBits(mask) !== k) continue;
          subsets++;
          total += h.filter((x) => x.members.some((m) => mask & (1 << m))).reduce((s, x) => s + x.count, 0);
        }
        expect(curve[k - 1]).toBeCloseTo(total / subsets, 9);
      }
    }
  });
});

function countBits(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

describe('triangleBounds', () => {
  it('takes the tightest bounds across vantage points', () => {
    const rtt = new Map([
      ['v1', new Map([['a', 60], ['b', 20]])],
      ['v2', new Map([['a', 90], ['b', 30], ['c', 80]])],
    ]);
    expect(triangleBounds(rtt, ['a', 'b', 'c'])).toEqual([
      { a: 'a', b: 'b', lower: 60, upper: 80, vantages: 2 },
      { a: 'a', b: 'c', lower: 10, upper: 170, vantages: 1 },
      { a: 'b', b: 'c', lower: 50, upper: 110, vantages: 1 },
    ]);
  });

  it('bounds always hold for points of a real metric space (random planar points)', () => {
    const rng = new Rng(8);
    const pts = new Map(Array.from({ length: 12 }, (_, i) => [`n${i}`, [rng.next() * 100, rng.next() * 100] as const]));
    const d = (p: readonly number[], q: readonly number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!);
    const vantages = new Map(
      Array.from({ length: 4 }, (_, v) => {
        const vp = [rng.next() * 100, rng.next() * 100];
        return [`v${v}`, new Map([...pts].map(([id, p]) => [id, d(vp, p)]))] as const;
      }),
    );
    for (const b of triangleBounds(vantages, [...pts.keys()])) {
      const truth = d(pts.get(b.a)!, pts.get(b.b)!);
      expect(b.lower).toBeLessThanOrEqual(truth + 1e-9);
      expect(b.upper).toBeGreaterThanOrEqual(truth - 1e-9);
    }
  });
});
