/**
 * The web view's CPU budget (`serve --cpu-share`): the view may spend at most `share` of one core —
 * its own process (process.cpuUsage: HTTP parsing, JSON, GC) plus its database reads (the Postgres
 * backend's CPU when measurable, else the read's wall time). A token bucket: credit accrues at
 * `share` ms per ms, up to `burstMs`; measured spending draws it down. Work is admitted one at a time
 * while the credit is not negative, otherwise it waits in order, so under a crowd latency grows and
 * the crawl writing to the same machine keeps its CPU (a closed-loop crowd can only go as fast as
 * the budget answers). Bounded: at most `maxQueue` new requests wait, for at most `maxWaitMs`; any
 * more are refused at once with `busy` (HTTP 503 + Retry-After). Clock, CPU meter and timer are
 * injected (tests drive them by hand).
 */
import { HttpError } from './errors.js';

export interface CpuBudgetOptions {
  /** Fraction of one core (0.25 = a quarter of one core). */
  share: number;
  /** Credit that may be spent at once after an idle spell, ms of CPU. */
  burstMs: number;
  /** New requests waiting at most; one more is refused `busy` at once. */
  maxQueue: number;
  /** Longest wait for a turn, ms; then `busy`. */
  maxWaitMs: number;
  /** Monotonic ms. */
  now: () => number;
  /** This process's CPU time so far, ms (user + system). */
  cpuMs: () => number;
  /** Call `fn` after `ms` (0: after pending I/O, like setImmediate); returns a cancel function. */
  wake: (fn: () => void, ms: number) => () => void;
}

export interface CpuBudgetStats {
  /** Admitted without waiting. */
  immediate: number;
  /** Admitted after waiting for credit. */
  waited: number;
  /** Refused: queue full or waited too long. */
  refused: number;
  /** CPU charged, ms: this process, and database reads. */
  processMs: number;
  databaseMs: number;
}

/**
 * `work`: a step of a request already admitted (its database read, the overview's next statement):
 * served before new requests, so admitted work finishes instead of piling up, and never refused
 * (neither for a full queue nor for a long wait: it holds a database turn, and waits out the debt).
 */
export type Priority = 'new' | 'work';

interface Waiter {
  resolve: () => void;
  /** Refused when the budget closes (server shutdown): nothing waits forever on a timer that is gone. */
  refuse: (err: HttpError) => void;
}

export class CpuBudget {
  private credit: number;
  private at: number;
  private cpuAt: number;
  private readonly queues: Record<Priority, Waiter[]> = { work: [], new: [] };
  private pending: (() => void) | null = null;
  private closed = false;
  readonly stats: CpuBudgetStats = { immediate: 0, waited: 0, refused: 0, processMs: 0, databaseMs: 0 };

  constructor(private readonly opts: CpuBudgetOptions) {
    if (!(opts.share > 0) || !(opts.burstMs > 0)) throw new RangeError('cpu budget: share and burst must be positive');
    this.credit = opts.burstMs;
    this.at = opts.now();
    this.cpuAt = opts.cpuMs();
  }

  /** Spending measured outside this process (a database read's CPU), ms. */
  charge(ms: number): void {
    if (!(ms > 0)) return;
    this.credit -= ms;
    this.stats.databaseMs += ms;
  }

  /** Credit now, ms (negative: in debt). */
  balance(): number {
    this.settle();
    return this.credit;
  }

  /** Resolves when the budget allows the next piece of work; rejects `busy` when the queue is full or the wait too long. */
  admit(priority: Priority = 'new'): Promise<void> {
    if (this.closed) return Promise.reject(shuttingDown());
    this.settle();
    if (this.queues.work.length + this.queues.new.length === 0 && this.pending === null && this.credit >= 0) {
      this.stats.immediate++;
      // Nothing else is admitted until this one's cost has shown up in the meter (next turn).
      this.schedule(0);
      return Promise.resolve();
    }
    const queue = this.queues[priority];
    if (priority === 'new' && queue.length >= this.opts.maxQueue) {
      this.stats.refused++;
      return Promise.reject(new HttpError('busy', 'the server is busy; try again shortly'));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          cancelTimer();
          this.stats.waited++;
          resolve();
        },
        refuse: (err) => {
          cancelTimer();
          reject(err);
        },
      };
      const cancelTimer =
        priority === 'work'
          ? () => {}
          : this.opts.wake(() => {
              const i = queue.indexOf(waiter);
              if (i < 0) return;
              queue.splice(i, 1);
              this.stats.refused++;
              reject(new HttpError('busy', 'too many requests are waiting; try again shortly'));
            }, this.opts.maxWaitMs);
      queue.push(waiter);
      if (this.pending === null) this.schedule(0);
    });
  }

  /**
   * Stop admitting: every waiter — `work` too, which otherwise has no deadline — is refused `busy`
   * and the wake-up timer is cancelled, so a closing server leaves no promise pending.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending?.();
    this.pending = null;
    const waiters = [...this.queues.work.splice(0), ...this.queues.new.splice(0)];
    for (const w of waiters) w.refuse(shuttingDown());
    this.stats.refused += waiters.length;
  }

  /** Requests and steps waiting for credit. */
  get waiting(): number {
    return this.queues.work.length + this.queues.new.length;
  }

  private settle(): void {
    const now = this.opts.now();
    const cpu = this.opts.cpuMs();
    const spent = Math.max(0, cpu - this.cpuAt);
    this.credit = Math.min(this.opts.burstMs, this.credit + Math.max(0, now - this.at) * this.opts.share) - spent;
    this.stats.processMs += spent;
    this.at = now;
    this.cpuAt = cpu;
  }

  private schedule(ms: number): void {
    this.pending?.();
    this.pending = this.opts.wake(() => {
      this.pending = null;
      this.pump();
    }, ms);
  }

  /** Admit the next waiter if the credit allows, else sleep until it will. One per turn. */
  private pump(): void {
    if (this.waiting === 0) return;
    this.settle();
    if (this.credit < 0) {
      this.schedule(Math.ceil(-this.credit / this.opts.share));
      return;
    }
    const next = this.queues.work.shift() ?? this.queues.new.shift()!;
    next.resolve();
    this.schedule(0);
  }
}

function shuttingDown(): HttpError {
  return new HttpError('busy', 'the server is shutting down');
}

/** The real meter and timer: process.cpuUsage, setImmediate / setTimeout. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Timers that never hold the process open (the listening socket does, until close). */
export function wakeWithTimers(fn: () => void, ms: number): () => void {
  if (ms <= 0) {
    const h = setImmediate(fn).unref();
    return () => clearImmediate(h);
  }
  const h = setTimeout(fn, ms).unref();
  return () => clearTimeout(h);
}
