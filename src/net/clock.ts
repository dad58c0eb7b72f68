/**
 * Time is injected everywhere so protocol state machines run deterministically in tests.
 * `now()` is milliseconds since the Unix epoch; timers return a handle for `clearTimer`.
 */
export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: number } | ReturnType<typeof setTimeout>;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    // Protocol timers never keep the process alive on their own: shutdown is explicit.
    t.unref?.();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * A simulated clock: time moves only when `advance` is called, firing due timers in order.
 * Used by deterministic simulations (tables, revalidation, redial schedules, expiry).
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void; seq: number }>();

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn, seq: id });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete((handle as { id: number }).id);
  }

  /** Number of pending timers (to assert that nothing leaks). */
  get pending(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, running every timer that falls due, in time order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let nextKey: number | undefined;
      let next: { at: number; fn: () => void; seq: number } | undefined;
      for (const [k, t] of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = t;
          nextKey = k;
        }
      }
      if (!next || nextKey === undefined) break;
      this.timers.delete(nextKey);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  /** Advance and let promise continuations run between timer firings. */
  async advanceAsync(ms: number, stepMs = ms): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.advance(step);
      left -= step;
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
  }
}
