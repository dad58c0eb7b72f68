import { describe, expect, it } from 'vitest';
import { logDistance, parityDistance } from '../../src/enode/distance.js';
import {
  MAX_DISTANCE,
  expectedMoments,
  gethDistancePmf,
  parityDistancePmf,
  runDistanceStudy,
} from '../../src/analysis/distance-study.js';
import { AnalysisParameterError } from '../../src/analysis/errors.js';
import { Prng } from '../../src/analysis/prng.js';
import { chiSquareGoodnessOfFit, histogramMoments, histogramQuantile } from '../../src/analysis/stats.js';

const N = 100_000;
/** Standard errors allowed before a test fails: P(|Z| > 5) ≈ 6e-7 per check. */
const Z = 5;

describe('exact distributions of the two metrics for uniform IDs', () => {
  it('are probability distributions over 0..256', () => {
    for (const pmf of [gethDistancePmf(), parityDistancePmf()]) {
      expect(pmf).toHaveLength(MAX_DISTANCE + 1);
      expect(pmf.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
      expect(pmf.every((p) => p >= 0)).toBe(true);
    }
  });

  it('geth: P(256) = 1/2, mean 255, variance 2 (geometric)', () => {
    const pmf = gethDistancePmf();
    expect(pmf[256]).toBe(0.5);
    expect(pmf[255]).toBe(0.25);
    const m = expectedMoments('geth');
    expect(m.mean).toBeCloseTo(255, 12);
    expect(m.variance).toBeCloseTo(2, 12);
  });

  it('Parity: mean 1793/8 = 224.125 and variance 126719/2048 ≈ 61.875 (32 × the per-byte moments)', () => {
    const m = expectedMoments('parity');
    // A uniform byte's bit length: mean 1793/256, E[k²] = 13053/256, so variance 126719/65536.
    expect(m.mean).toBeCloseTo(1793 / 8, 10);
    expect(m.variance).toBeCloseTo(126719 / 2048, 9);
    expect(m.sd).toBeCloseTo(7.866, 3);
    // Both extremes are reachable: all bytes equal → 0; every byte with its top bit set → 256.
    expect(parityDistancePmf()[0]).toBeCloseTo(256 ** -32, 90);
    expect(parityDistancePmf()[256]).toBeCloseTo(2 ** -32, 20);
  });
});

describe('runDistanceStudy (100 000 seeded pairs)', () => {
  const study = runDistanceStudy({ samples: N, seed: 2018 });

  it('counts every sample once per metric', () => {
    expect(study.samples).toBe(N);
    expect(study.geth.counts.reduce((s, c) => s + c, 0)).toBe(N);
    expect(study.parity.counts.reduce((s, c) => s + c, 0)).toBe(N);
    expect(histogramMoments(study.geth.counts).mean).toBeCloseTo(study.geth.mean, 12);
  });

  for (const metric of ['geth', 'parity'] as const) {
    it(`${metric}: mean and sd within ${Z} standard errors of the exact values`, () => {
      const e = expectedMoments(metric);
      const s = study[metric];
      expect(Math.abs(s.mean - e.mean)).toBeLessThan((Z * e.sd) / Math.sqrt(N));
      // SE of the sample variance is √((μ4 − σ⁴)/n); of the sd, that divided by 2σ (delta method).
      const seSd = Math.sqrt((e.mu4 - e.variance ** 2) / N) / (2 * e.sd);
      expect(Math.abs(s.sd - e.sd)).toBeLessThan(Z * seSd);
    });

    it(`${metric}: the histogram fits the exact distribution (chi-square, α ≈ 1e-6)`, () => {
      const pmf = metric === 'geth' ? gethDistancePmf() : parityDistancePmf();
      const fit = chiSquareGoodnessOfFit(study[metric].counts, pmf);
      expect(fit.degreesOfFreedom).toBeGreaterThan(metric === 'geth' ? 8 : 40);
      expect(fit.reject, `chi2 ${fit.statistic} > ${fit.critical}`).toBe(false);
    });
  }

  it('geth: half the pairs at distance 256 (binomial tolerance)', () => {
    const p = study.geth.counts[256]! / N;
    expect(Math.abs(p - 0.5)).toBeLessThan(Z * Math.sqrt(0.25 / N));
    expect(study.geth.max).toBe(256);
    expect(histogramQuantile(study.geth.counts, 0.5)).toBe(256);
  });

  it('Parity: near-normal around 224 with sd ≈ 8; about 68% within one sd', () => {
    const { mean, sd, counts } = study.parity;
    expect(mean).toBeGreaterThan(223);
    expect(mean).toBeLessThan(225.3);
    expect(sd).toBeGreaterThan(7.5);
    expect(sd).toBeLessThan(8.3);
    let inside = 0;
    for (let d = Math.ceil(224.125 - 7.866); d <= Math.floor(224.125 + 7.866); d++) inside += counts[d]!;
    const exact = parityDistancePmf().slice(Math.ceil(224.125 - 7.866), Math.floor(224.125 + 7.866) + 1).reduce((s, p) => s + p, 0);
    expect(Math.abs(inside / N - exact)).toBeLessThan(Z * Math.sqrt((exact * (1 - exact)) / N));
    expect(exact).toBeGreaterThan(0.6);
    expect(exact).toBeLessThan(0.75);
  });

  it('the goodness-of-fit test has power: each histogram is rejected against the other metric', () => {
    expect(chiSquareGoodnessOfFit(study.geth.counts, parityDistancePmf()).reject).toBe(true);
    expect(chiSquareGoodnessOfFit(study.parity.counts, gethDistancePmf()).reject).toBe(true);
    // and a small distortion of the right one (2% of pairs moved from 256 to 255) is caught too
    const shifted = Uint32Array.from(study.geth.counts);
    shifted[256]! -= N / 50;
    shifted[255]! += N / 50;
    expect(chiSquareGoodnessOfFit(shifted, gethDistancePmf()).reject).toBe(true);
  });
});

describe('reproducibility and inputs', () => {
  it('same seed → same histograms; other seed → different', () => {
    const a = runDistanceStudy({ samples: 5000, seed: 1 });
    const b = runDistanceStudy({ samples: 5000, seed: 1 });
    const c = runDistanceStudy({ samples: 5000, seed: 2 });
    expect(Array.from(a.parity.counts)).toEqual(Array.from(b.parity.counts));
    expect(Array.from(a.parity.counts)).not.toEqual(Array.from(c.parity.counts));
  });

  it('histograms the metrics of src/enode/distance.ts on the PRNG pairs', () => {
    const samples = 300;
    const study = runDistanceStudy({ samples, seed: 77 });
    const prng = new Prng(77);
    const geth = new Array<number>(257).fill(0);
    const parity = new Array<number>(257).fill(0);
    for (let i = 0; i < samples; i++) {
      const a = prng.fillBytes(new Uint8Array(32));
      const b = prng.fillBytes(new Uint8Array(32));
      geth[logDistance(a, b)]!++;
      parity[parityDistance(a, b)]!++;
    }
    expect(Array.from(study.geth.counts)).toEqual(geth);
    expect(Array.from(study.parity.counts)).toEqual(parity);
  });

  it('rejects bad parameters with a typed error', () => {
    for (const samples of [0, -1, 1.5, Number.NaN, 1e9]) expect(() => runDistanceStudy({ samples })).toThrow(AnalysisParameterError);
    expect(() => runDistanceStudy({ samples: 10, seed: -3 })).toThrow(AnalysisParameterError);
  });

  it('a single sample has sd 0 and min = max', () => {
    const s = runDistanceStudy({ samples: 1, seed: 3 });
    expect(s.geth.sd).toBe(0);
    expect(s.parity.min).toBe(s.parity.max);
  });
});
