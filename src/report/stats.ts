/**
 * Pure statistics for the reports: quantiles, robust maximum, capture–recapture estimators of the
 * network size with 95 % confidence intervals, the expected coverage curve, and triangle-inequality
 * bounds on the latency between two remote nodes. No I/O; every function is deterministic.
 */

/** 97.5th percentile of the standard normal: two-sided 95 % intervals. */
export const Z95 = 1.959963984540054;

/** Quantile q ∈ [0,1] of sorted values, linear interpolation (type 7, = Postgres percentile_cont). */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function quantile(values: readonly number[], q: number): number | null {
  return quantileSorted([...values].sort((a, b) => a - b), q);
}

/**
 * Robust maximum: the k-th largest value with k = max(2, ⌈fraction·n⌉) (capped at n) — the highest
 * value that at least k reports reach, so one peer announcing a huge block number cannot move it.
 */
export function robustMax(values: readonly number[], fraction = 0.01): { value: number; k: number } | null {
  const n = values.length;
  if (n === 0) return null;
  const k = Math.min(n, Math.max(2, Math.ceil(fraction * n)));
  const sorted = [...values].sort((a, b) => b - a);
  return { value: sorted[k - 1]!, k };
}

export interface SizeEstimate {
  method: 'chapman' | 'schnabel' | 'chao';
  /** Point estimate of the population size (null when the data do not allow one). */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  /** Distinct nodes actually observed (a hard lower bound for any interval). */
  observed: number;
}

/**
 * Chapman's bias-corrected Lincoln–Petersen estimator for two samples of sizes n1, n2 with m in both:
 * N = (n1+1)(n2+1)/(m+1) − 1, Var = (n1+1)(n2+1)(n1−m)(n2−m)/((m+1)²(m+2)) (Seber 1982, §3.1.1);
 * normal 95 % interval, clipped below at the observed n1+n2−m.
 */
export function chapman(n1: number, n2: number, m: number): SizeEstimate {
  const observed = n1 + n2 - m;
  const estimate = ((n1 + 1) * (n2 + 1)) / (m + 1) - 1;
  const variance = ((n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m)) / ((m + 1) ** 2 * (m + 2));
  const half = Z95 * Math.sqrt(variance);
  return { method: 'chapman', estimate, lower: Math.max(observed, estimate - half), upper: estimate + half, observed };
}

/** P(X ≤ r) for X ~ Poisson(λ), summed in log space (exact for the counts reports see). */
export function poissonCdf(r: number, lambda: number): number {
  if (lambda <= 0) return 1;
  let logTerm = -lambda; // log P(X = 0)
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= r; i++) {
    logTerm += Math.log(lambda) - Math.log(i);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/**
 * Exact (Garwood) 95 % interval for a Poisson count r: λ_low with P(X ≥ r) = 2.5 %, λ_high with
 * P(X ≤ r) = 2.5 %, found by bisection. Beyond 10^5 Byar's approximation (then accurate) is used.
 */
export function poissonInterval(r: number): { lower: number; upper: number } {
  if (r > 100_000) {
    const r1 = r + 1;
    return {
      lower: r * (1 - 1 / (9 * r) - Z95 / (3 * Math.sqrt(r))) ** 3,
      upper: r1 * (1 - 1 / (9 * r1) + Z95 / (3 * Math.sqrt(r1))) ** 3,
    };
  }
  const solve = (f: (l: number) => number): number => {
    // f is increasing in λ; f(lo) < 0 < f(hi)
    let lo = 0;
    let hi = r + 10 * Math.sqrt(r + 1) + 10;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) < 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const lower = r === 0 ? 0 : solve((l) => 1 - poissonCdf(r - 1, l) - 0.025); // P(X ≥ r) grows with λ
  const upper = solve((l) => 0.025 - poissonCdf(r, l)); // P(X ≤ r) falls with λ
  return { lower, upper };
}

/** Nodes captured by exactly one set of samples (instances), given by sample indices. */
export interface CaptureHistory {
  members: readonly number[];
  count: number;
}

/**
 * Schnabel's multiple-census estimator with Chapman's +1, samples taken in index order 0..k−1:
 * N = Σ C_t·M_t / (Σ R_t + 1), where C_t is the sample size, M_t the distinct nodes marked by earlier
 * samples, R_t the recaptures (C_t ∩ M_t). The 95 % interval treats Σ R_t as Poisson (Krebs 1999,
 * §2.2; exact Garwood interval): N ∈ [Σ C·M / upper(R), Σ C·M / lower(R)], never below the nodes observed.
 */
export function schnabel(histories: readonly CaptureHistory[], k: number): SizeEstimate {
  const C = new Array<number>(k).fill(0);
  const R = new Array<number>(k).fill(0);
  const firstAt = new Array<number>(k).fill(0); // nodes first captured by sample t
  let observed = 0;
  for (const h of histories) {
    if (h.members.length === 0) continue;
    observed += h.count;
    const first = Math.min(...h.members);
    firstAt[first]! += h.count;
    for (const t of h.members) {
      C[t]! += h.count;
      if (t !== first) R[t]! += h.count;
    }
  }
  let marked = 0;
  let sumCM = 0;
  let sumR = 0;
  for (let t = 0; t < k; t++) {
    sumCM += C[t]! * marked;
    sumR += R[t]!;
    marked += firstAt[t]!;
  }
  if (k < 2 || sumCM === 0) return { method: 'schnabel', estimate: null, lower: null, upper: null, observed };
  const { lower, upper } = poissonInterval(sumR);
  return {
    method: 'schnabel',
    estimate: Math.max(observed, sumCM / (sumR + 1)),
    lower: Math.max(observed, sumCM / upper),
    upper: lower > 0 ? sumCM / lower : null,
    observed,
  };
}

/**
 * Chao's (1987) lower-bound estimator for k samples with heterogeneous capture probabilities (model
 * M_h): N = S + ((k−1)/k)·f1²/(2·f2), f_i = nodes seen by exactly i samples; bias-corrected form
 * S + ((k−1)/k)·f1(f1−1)/2 when f2 = 0. Log-normal 95 % interval (Chao 1987, eq. 13).
 */
export function chao(frequencies: ReadonlyMap<number, number>, k: number): SizeEstimate {
  let observed = 0;
  for (const n of frequencies.values()) observed += n;
  const f1 = frequencies.get(1) ?? 0;
  const f2 = frequencies.get(2) ?? 0;
  if (k < 2) return { method: 'chao', estimate: null, lower: null, upper: null, observed };
  const c = (k - 1) / k;
  let extra: number;
  let variance: number;
  if (f2 > 0) {
    const r = f1 / f2;
    extra = (c * f1 * f1) / (2 * f2);
    variance = f2 * ((c / 2) * r ** 2 + c ** 2 * r ** 3 + (c ** 2 / 4) * r ** 4);
  } else {
    extra = (c * f1 * (f1 - 1)) / 2;
    variance = c * ((f1 * (f1 - 1)) / 2) + c ** 2 * ((f1 * (2 * f1 - 1) ** 2) / 4) - (c ** 2 * f1 ** 4) / (4 * Math.max(observed + extra, 1));
  }
  const estimate = observed + extra;
  if (extra <= 0) return { method: 'chao', estimate, lower: observed, upper: observed, observed };
  const K = Math.exp(Z95 * Math.sqrt(Math.log(1 + Math.max(0, variance) / extra ** 2)));
  return { method: 'chao', estimate, lower: observed + extra / K, upper: observed + extra * K, observed };
}

/**
 * Expected distinct nodes covered by k instances chosen at random out of n, for k = 1..n, from the
 * capture frequencies (f_c = nodes seen by exactly c instances): Σ_c f_c·(1 − C(n−c,k)/C(n,k)).
 * Exact average over all k-subsets, so it does not depend on the order instances happen to have.
 */
export function expectedCoverage(frequencies: ReadonlyMap<number, number>, n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= n; k++) {
    let total = 0;
    for (const [c, f] of frequencies) {
      // P(none of the c instances is among the k chosen) = Π_{i<k} (n−c−i)/(n−i)
      let miss = 1;
      for (let i = 0; i < k && miss > 0; i++) miss *= Math.max(0, n - c - i) / (n - i);
      total += f * (1 - miss);
    }
    out.push(total);
  }
  return out;
}

export interface PairBounds {
  a: string;
  b: string;
  /** max over vantage points of |d(v,a) − d(v,b)|. */
  lower: number;
  /** min over vantage points of d(v,a) + d(v,b). */
  upper: number;
  /** Vantage points that measured both. */
  vantages: number;
}

/**
 * Triangle-inequality bounds on the RTT between remote nodes a and b, from vantage points v that
 * measured both: |d(v,a) − d(v,b)| ≤ d(a,b) ≤ d(v,a) + d(v,b); the tightest across vantage points.
 * `rtt` maps vantage → node → RTT. Only pairs of `nodes` (in order) are considered.
 */
export function triangleBounds(rtt: ReadonlyMap<string, ReadonlyMap<string, number>>, nodes: readonly string[]): PairBounds[] {
  const vantages = [...rtt.values()];
  const out: PairBounds[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i]!;
      const b = nodes[j]!;
      let lower = 0;
      let upper = Infinity;
      let count = 0;
      for (const v of vantages) {
        const da = v.get(a);
        const db = v.get(b);
        if (da === undefined || db === undefined) continue;
        count++;
        lower = Math.max(lower, Math.abs(da - db));
        upper = Math.min(upper, da + db);
      }
      if (count > 0) out.push({ a, b, lower, upper, vantages: count });
    }
  }
  return out;
}

/** A "nice" bin width (1, 2, 2.5 or 5 × 10^k) so that [0, max] is covered by about `bins` bins. */
export function niceBinWidth(max: number, bins = 20): number {
  if (!(max > 0)) return 1;
  const raw = max / bins;
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= raw) return m * exp;
  return 10 * exp;
}

/**
 * Equal-width histogram from 0; values at or above the last bin's start go into the last bin.
 * Returns bin starts and counts.
 */
export function histogram(values: readonly number[], width: number, bins: number): { start: number; count: number }[] {
  const out = Array.from({ length: bins }, (_, i) => ({ start: i * width, count: 0 }));
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = Math.min(bins - 1, Math.max(0, Math.floor(v / width)));
    out[i]!.count++;
  }
  return out;
}
