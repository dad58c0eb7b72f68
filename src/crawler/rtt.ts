/**
 * Round-trip time: an RFC 6298 smoothed estimator (pure arithmetic; requests are timed by
 * net/request.ts timeRequest).
 */

/** RFC 6298 §2.3: SRTT gain α = 1/8. */
export const RTT_ALPHA = 1 / 8;
/** RFC 6298 §2.3: RTTVAR gain β = 1/4. */
export const RTT_BETA = 1 / 4;
/** RFC 6298 §2.2: RTO = SRTT + max(G, K·RTTVAR) with K = 4. */
export const RTO_K = 4;
/** RFC 6298 §2.1: RTO before any sample is 1 s. */
export const RTO_INITIAL_MS = 1_000;
/** RFC 6298 §2.4: RTO below 1 s is rounded up to 1 s (callers may choose a smaller floor). */
export const RTO_MIN_MS = 1_000;
/** RFC 6298 §2.5: a maximum may be placed on RTO provided it is at least 60 s. */
export const RTO_MAX_MS = 60_000;

export interface RttSnapshot {
  srttMs: number;
  rttvarMs: number;
  minMs: number;
  maxMs: number;
  lastMs: number;
  samples: number;
}

/**
 * Smoothed RTT per RFC 6298. The first sample sets SRTT = R, RTTVAR = R/2 (§2.2); later samples
 * update RTTVAR from the *old* SRTT, then SRTT (§2.3). Samples that are negative or not finite
 * (a wall clock stepped backwards) are rejected and counted instead of poisoning the average.
 */
export class RttEstimator {
  private srtt: number | null = null;
  private rttvar = 0;
  private min = Infinity;
  private max = 0;
  private last = 0;
  private count = 0;
  private rejectedCount = 0;

  /** Add one sample in ms; returns false (and counts it) when the sample is unusable. */
  addSample(ms: number): boolean {
    if (!Number.isFinite(ms) || ms < 0) {
      this.rejectedCount++;
      return false;
    }
    if (this.srtt === null) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = (1 - RTT_BETA) * this.rttvar + RTT_BETA * Math.abs(this.srtt - ms);
      this.srtt = (1 - RTT_ALPHA) * this.srtt + RTT_ALPHA * ms;
    }
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    this.last = ms;
    this.count++;
    return true;
  }

  /** Smoothed RTT in ms, or null before the first sample. */
  get srttMs(): number | null {
    return this.srtt;
  }

  get rttvarMs(): number | null {
    return this.srtt === null ? null : this.rttvar;
  }

  get minMs(): number | null {
    return this.count === 0 ? null : this.min;
  }

  get samples(): number {
    return this.count;
  }

  /** Samples refused by addSample (negative or non-finite). */
  get rejected(): number {
    return this.rejectedCount;
  }

  /**
   * Retransmission timeout (§2.2–2.5): SRTT + max(G, K·RTTVAR), clamped to [minMs, maxMs].
   * Defaults are the RFC's 1 s floor and 60 s cap with a 1 ms clock granularity.
   */
  rto(options: { minMs?: number; maxMs?: number; granularityMs?: number } = {}): number {
    const { minMs = RTO_MIN_MS, maxMs = RTO_MAX_MS, granularityMs = 1 } = options;
    const raw = this.srtt === null ? RTO_INITIAL_MS : this.srtt + Math.max(granularityMs, RTO_K * this.rttvar);
    return Math.min(maxMs, Math.max(minMs, raw));
  }

  snapshot(): RttSnapshot | null {
    if (this.srtt === null) return null;
    return {
      srttMs: this.srtt,
      rttvarMs: this.rttvar,
      minMs: this.min,
      maxMs: this.max,
      lastMs: this.last,
      samples: this.count,
    };
  }
}
