/**
 * Small statistics over integer histograms (counts indexed by value) and probability mass
 * functions. Pure functions; used by the distance study, its report, and its tests.
 */

export interface Moments {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator); 0 when n < 2. */
  sd: number;
}

/** Mean and sample sd of a histogram where counts[v] is how often value v occurred. */
export function histogramMoments(counts: ArrayLike<number>): Moments {
  let n = 0;
  let sum = 0;
  for (let v = 0; v < counts.length; v++) {
    n += counts[v]!;
    sum += v * counts[v]!;
  }
  if (n === 0) return { n: 0, mean: Number.NaN, sd: Number.NaN };
  const mean = sum / n;
  let ss = 0;
  for (let v = 0; v < counts.length; v++) ss += counts[v]! * (v - mean) ** 2;
  return { n, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/** Smallest and largest value with a non-zero count; null for an empty histogram. */
export function histogramRange(counts: ArrayLike<number>): { min: number; max: number } | null {
  let min = -1;
  let max = -1;
  for (let v = 0; v < counts.length; v++) {
    if (counts[v]! > 0) {
      if (min < 0) min = v;
      max = v;
    }
  }
  return min < 0 ? null : { min, max };
}

/** The value at quantile q (0..1) of a histogram (lowest v with cumulative share ≥ q). */
export function histogramQuantile(counts: ArrayLike<number>, q: number): number {
  let n = 0;
  for (let v = 0; v < counts.length; v++) n += counts[v]!;
  let acc = 0;
  for (let v = 0; v < counts.length; v++) {
    acc += counts[v]!;
    if (acc >= q * n && acc > 0) return v;
  }
  return Number.NaN;
}

export interface PmfMoments {
  mean: number;
  variance: number;
  sd: number;
  /** Fourth central moment (for the standard error of a sample variance). */
  mu4: number;
}

export function pmfMoments(pmf: ArrayLike<number>): PmfMoments {
  let mean = 0;
  for (let v = 0; v < pmf.length; v++) mean += v * pmf[v]!;
  let variance = 0;
  let mu4 = 0;
  for (let v = 0; v < pmf.length; v++) {
    const d = v - mean;
    variance += pmf[v]! * d * d;
    mu4 += pmf[v]! * d ** 4;
  }
  return { mean, variance, sd: Math.sqrt(variance), mu4 };
}

/** Discrete convolution of two pmfs (distribution of the sum of independent variables). */
export function convolve(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j]! += a[i]! * b[j]!;
  }
  return out;
}

export interface ChiSquare {
  statistic: number;
  degreesOfFreedom: number;
  /** Upper critical value at the requested significance (Wilson–Hilferty approximation). */
  critical: number;
  reject: boolean;
}

/**
 * Pearson's chi-square goodness of fit of observed counts against a pmf. Adjacent cells are merged
 * until each has an expected count ≥ minExpected (5 is the textbook rule), so sparse tails are fair.
 * `z` is the one-sided normal quantile of the significance (4.75 ≈ 1e-6).
 */
export function chiSquareGoodnessOfFit(
  observed: ArrayLike<number>,
  pmf: ArrayLike<number>,
  z = 4.75,
  minExpected = 5,
): ChiSquare {
  let n = 0;
  for (let v = 0; v < observed.length; v++) n += observed[v]!;
  const cells: { o: number; e: number }[] = [];
  let o = 0;
  let e = 0;
  const len = Math.max(observed.length, pmf.length);
  for (let v = 0; v < len; v++) {
    o += observed[v] ?? 0;
    e += (pmf[v] ?? 0) * n;
    if (e >= minExpected) {
      cells.push({ o, e });
      o = 0;
      e = 0;
    }
  }
  // Fold a sparse remainder into the last cell.
  if ((o > 0 || e > 0) && cells.length > 0) {
    cells[cells.length - 1]!.o += o;
    cells[cells.length - 1]!.e += e;
  } else if (o > 0 || e > 0) {
    cells.push({ o, e });
  }
  let statistic = 0;
  for (const c of cells) statistic += c.e > 0 ? (c.o - c.e) ** 2 / c.e : c.o > 0 ? Number.POSITIVE_INFINITY : 0;
  const df = Math.max(1, cells.length - 1);
  const h = 2 / (9 * df);
  const critical = df * (1 - h + z * Math.sqrt(h)) ** 3;
  return { statistic, degreesOfFreedom: df, critical, reject: statistic > critical };
}
