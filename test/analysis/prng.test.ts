import { describe, expect, it } from 'vitest';
import { AnalysisParameterError } from '../../src/analysis/errors.js';
import { Prng, splitmix64 } from '../../src/analysis/prng.js';
import { chiSquareGoodnessOfFit } from '../../src/analysis/stats.js';

describe('splitmix64', () => {
  it('matches the reference outputs for seed 0', () => {
    // Vigna's splitmix64.c from x = 0: the first three outputs.
    let state = 0n;
    const out: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const [next, value] = splitmix64(state);
      state = next;
      out.push(value);
    }
    expect(out).toEqual([0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn]);
  });
});

describe('xoshiro128**', () => {
  it('matches the reference implementation from state {1, 2, 3, 4}', () => {
    // xoshiro128starstar.c v1.1 (the same vector the rand_xoshiro crate tests against).
    const p = Prng.fromState(1, 2, 3, 4);
    expect(Array.from({ length: 10 }, () => p.nextU32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('is reproducible per seed, and different seeds give different streams', () => {
    const take = (seed: number | bigint) => {
      const p = new Prng(seed);
      return Array.from({ length: 16 }, () => p.nextU32());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42n)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    expect(take(0)).not.toEqual(take(1));
    expect(take(Number.MAX_SAFE_INTEGER)).not.toEqual(take(0));
  });

  it('rejects invalid seeds and the all-zero state with a typed error', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(() => new Prng(bad)).toThrow(AnalysisParameterError);
    }
    expect(() => new Prng(1n << 64n)).toThrow(AnalysisParameterError);
    expect(() => Prng.fromState(0, 0, 0, 0)).toThrow(AnalysisParameterError);
  });

  it('nextBelow stays in range and is uniform (chi-square)', () => {
    const p = new Prng(7);
    for (const n of [1, 2, 3, 7, 1000, 2 ** 32]) {
      for (let i = 0; i < 200; i++) {
        const v = p.nextBelow(n);
        expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true);
      }
    }
    const n = 10;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < 50_000; i++) counts[p.nextBelow(n)]!++;
    const fit = chiSquareGoodnessOfFit(counts, new Array<number>(n).fill(1 / n));
    expect(fit.reject).toBe(false);
    for (const bad of [0, -1, 1.5, 2 ** 32 + 1]) expect(() => p.nextBelow(bad)).toThrow(AnalysisParameterError);
  });

  it('fillBytes fills every length, including a ragged tail, with uniform bytes', () => {
    const p = new Prng(9);
    for (let len = 0; len < 12; len++) expect(p.fillBytes(new Uint8Array(len))).toHaveLength(len);
    const counts = new Array<number>(256).fill(0);
    const buf = new Uint8Array(4099);
    for (let i = 0; i < 25; i++) for (const b of p.fillBytes(buf)) counts[b]!++;
    expect(chiSquareGoodnessOfFit(counts, new Array<number>(256).fill(1 / 256)).reject).toBe(false);
  });

  it('nextFloat lies in [0, 1) with mean 1/2', () => {
    const p = new Prng(11);
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = p.nextFloat();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    // sd of a uniform is 1/√12; 5 standard errors.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 / Math.sqrt(12 * n));
  });

  it('shuffle is a permutation', () => {
    const p = new Prng(3);
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    p.shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
