/**
 * The simulation's time: a Clock whose timers sit in one event queue (a binary heap on due time,
 * ties in creation order) and fire only when the driver asks. ManualClock (src/net/clock.ts) scans
 * every timer per firing, which is fine for tests but quadratic at 10^5 pending timers; this one is
 * O(log n) per timer and cancels lazily.
 */
import type { Clock, TimerHandle } from '../net/clock.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  cancelled: boolean;
}

export class SimClock implements Clock {
  private current: number;
  private nextId = 1;
  private heap: Timer[] = [];
  private live = new Map<number, Timer>();

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const t: Timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn, cancelled: false };
    this.live.set(t.id, t);
    this.push(t);
    return { id: t.id };
  }

  clearTimer(handle: TimerHandle): void {
    const id = (handle as { id?: number }).id;
    if (id === undefined) return;
    const t = this.live.get(id);
    if (!t) return;
    t.cancelled = true;
    this.live.delete(id);
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.live.size;
  }

  /** Due time of the next live timer, or Infinity. */
  nextAt(): number {
    for (let top = this.heap[0]; top; top = this.heap[0]) {
      if (!top.cancelled) return top.at;
      this.pop();
    }
    return Infinity;
  }

  /**
   * Fire the next timer if it is due at or before `until` (time moves to it); false when none is.
   * The driver lets promise continuations settle between firings (see SimDriver).
   */
  fireNext(until: number): boolean {
    const at = this.nextAt();
    if (at > until) return false;
    const t = this.pop()!;
    this.live.delete(t.id);
    if (t.at > this.current) this.current = t.at;
    t.fn();
    return true;
  }

  /** Move time to `t` (no timer may be due before it). */
  moveTo(t: number): void {
    if (t > this.current) this.current = t;
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.id < b.id);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
