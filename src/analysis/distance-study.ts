/**
 * The Geth-vs-Parity distance study (IMC 2018, "Measuring Ethereum Network Peers"): draw random
 * node-ID pairs and histogram the two metrics of src/enode/distance.ts.
 *
 * Node IDs are keccak256 outputs, so uniform random 32-byte strings are the right model for them.
 * geth's log distance is then geometric: P(d = 256 − j) = 2^−(j+1), mean ≈ 255, sd ≈ √2 — half of
 * all nodes fall in the farthest bucket. Parity's pre-2.0 metric sums 32 per-byte bit lengths and is
 * near-normal: mean 224.125, sd ≈ 7.87 — it cannot tell a close node from a far one.
 */
import { NODE_ID_BYTES, logDistance, parityDistance } from '../enode/distance.js';
import { checkInteger } from './errors.js';
import { Prng } from './prng.js';
import { convolve, histogramMoments, histogramRange, pmfMoments, type PmfMoments } from './stats.js';

/** Both metrics take values 0..256 (256 = ID bits, discv4.md "Node Identities"). */
export const MAX_DISTANCE = NODE_ID_BYTES * 8;
export const DEFAULT_SAMPLES = 100_000;
/** Upper bound on --samples: ~1 s per million on this machine; beyond 10 M nothing changes. */
export const MAX_SAMPLES = 10_000_000;
export const DEFAULT_SEED = 1;

export const METRICS = ['geth', 'parity'] as const;
export type MetricName = (typeof METRICS)[number];

export const METRIC_FUNCTIONS: Record<MetricName, (a: Uint8Array, b: Uint8Array) => number> = {
  geth: logDistance,
  parity: parityDistance,
};

export interface MetricSample {
  /** counts[d] = number of pairs at distance d, d = 0..256. */
  counts: Uint32Array;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export interface DistanceStudy {
  samples: number;
  seed: number;
  geth: MetricSample;
  parity: MetricSample;
}

export interface DistanceStudyOptions {
  samples?: number;
  seed?: number;
}

/** Histogram both metrics over `samples` random ID pairs drawn from a PRNG seeded with `seed`. */
export function runDistanceStudy(options: DistanceStudyOptions = {}): DistanceStudy {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  checkInteger('samples', samples, 1, MAX_SAMPLES);
  checkInteger('seed', seed, 0, Number.MAX_SAFE_INTEGER);
  const prng = new Prng(seed);
  const a = new Uint8Array(NODE_ID_BYTES);
  const b = new Uint8Array(NODE_ID_BYTES);
  const geth = new Uint32Array(MAX_DISTANCE + 1);
  const parity = new Uint32Array(MAX_DISTANCE + 1);
  for (let i = 0; i < samples; i++) {
    prng.fillBytes(a);
    prng.fillBytes(b);
    geth[logDistance(a, b)]!++;
    parity[parityDistance(a, b)]!++;
  }
  return { samples, seed, geth: summarize(geth), parity: summarize(parity) };
}

function summarize(counts: Uint32Array): MetricSample {
  const { mean, sd } = histogramMoments(counts);
  const range = histogramRange(counts)!;
  return { counts, mean, sd, min: range.min, max: range.max };
}

/** Exact pmf of geth's log distance between two uniform IDs: P(0) = 2^−256, P(d) = 2^(d−257). */
export function gethDistancePmf(): Float64Array {
  const pmf = new Float64Array(MAX_DISTANCE + 1);
  pmf[0] = 2 ** -MAX_DISTANCE;
  for (let d = 1; d <= MAX_DISTANCE; d++) pmf[d] = 2 ** (d - MAX_DISTANCE - 1);
  return pmf;
}

/**
 * Exact pmf of Parity's metric: the sum of 32 independent per-byte bit lengths, where a uniform byte
 * has bit length 0 with probability 1/256 and k (1..8) with probability 2^(k−1)/256.
 */
export function parityDistancePmf(): Float64Array {
  const byte = new Float64Array(9);
  byte[0] = 1 / 256;
  for (let k = 1; k <= 8; k++) byte[k] = 2 ** (k - 1) / 256;
  let pmf: Float64Array = Float64Array.of(1);
  for (let i = 0; i < NODE_ID_BYTES; i++) pmf = convolve(pmf, byte);
  return pmf;
}

export const EXPECTED_PMF: Record<MetricName, () => Float64Array> = {
  geth: gethDistancePmf,
  parity: parityDistancePmf,
};

/** Exact mean, variance, sd and fourth central moment of each metric under uniform IDs. */
export function expectedMoments(metric: MetricName): PmfMoments {
  return pmfMoments(EXPECTED_PMF[metric]());
}
