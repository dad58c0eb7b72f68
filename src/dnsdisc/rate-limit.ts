/**
 * A token bucket for DNS lookups on the injected clock (geth client.go: rate.NewLimiter(RateLimit,
 * 10), 3 lookups/s by default). Politeness towards the resolvers that carry public lists.
 */
import type { Clock } from '../net/clock.js';

export class LookupRateLimiter {
  private tokens: number;
  private last: number;
  private waiting: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst = 10,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError('rate limit must be positive');
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Resolves when one lookup may go; callers are served in order. Rejects when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.waiting.then(() => this.takeOne(signal));
    this.waiting = turn.catch(() => undefined);
    return turn;
  }

  private async takeOne(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.clock.clearTimer(timer);
        reject(signal!.reason);
      };
      const timer = this.clock.setTimer(waitMs, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.takeOne(signal);
  }
}
