/**
 * Per-key token buckets (the key is a source IP): `burst` tokens, refilled at `perSecond`. Pure given
 * the injected clock; bounded to `maxKeys` (least recently used keys are forgotten — a forgotten key
 * starts with a full bucket, which only errs on the polite side for the sender).
 */
import type { Clock } from '../net/clock.js';

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly maxKeys: number,
  ) {
    if (!(burst >= 1) || !(perSecond > 0) || !(maxKeys >= 1)) throw new RangeError('RateLimiter: burst ≥ 1, perSecond > 0, maxKeys ≥ 1');
  }

  /** Take one token for `key`; false when the bucket is empty (the caller drops the work). */
  take(key: string): boolean {
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key);
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
    } else {
      b = { tokens: this.burst, at: now };
    }
    this.buckets.set(key, b);
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }
}
