/**
 * Liveness revalidation of the discv4 table (geth p2p/discover/table_reval.go): new and suspect
 * entries sit in a "fast" list pinged about every pingInterval; entries that answered move to a
 * "slow" list pinged about every 3·pingInterval. A reply marks the entry live and moves it to the
 * front of its bucket. A failure divides the entry's liveness-check count by 5; at 0 it is evicted
 * (the table promotes a random replacement), so a new node is evicted on its first failure and a
 * long-lived one survives a lost datagram or two. Time and randomness are injected; the only I/O is
 * the injected `ping`.
 */
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import { timeRequest } from '../net/request.js';
import { RevalidationList, type Entry } from './table-entry.js';

/** geth p2p/discover/common.go Config.PingInterval default: 3 s (fast list); slow list is 3×. */
export const PING_INTERVAL_MS = 3_000;
export const SLOW_REVALIDATION_FACTOR = 3;
/** geth table_reval.go: a failed check divides the liveness count by 5. */
export const LIVENESS_FAILURE_DIVISOR = 5;
/** Ours: backstop deadline for a revalidation ping (the discv4 client applies its own, shorter one). */
export const REVALIDATION_TIMEOUT_MS = 10_000;

/** Resolves when the node answered our PING with a matching PONG; rejects otherwise. */
export type PingFn = (node: NodeRecord, signal: AbortSignal) => Promise<unknown>;

export interface RevalidationOptions {
  clock: Clock;
  ping: PingFn | undefined;
  random: () => number;
  intervalMs: number;
  timeoutMs: number;
  /** The entry is still in its bucket (it may have been evicted or replaced while the ping was out). */
  isCurrent: (e: Entry) => boolean;
  /** The entry answered: move it to the front of its bucket. */
  answered: (e: Entry) => void;
  /** The entry failed once too often: remove it (the table promotes a replacement). */
  evict: (e: Entry) => void;
}

export class Revalidation {
  readonly fast: RevalidationList;
  readonly slow: RevalidationList;
  private readonly active = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private running = false;
  private abort = new AbortController();
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;

  constructor(private readonly o: RevalidationOptions) {
    this.fast = new RevalidationList('fast', o.intervalMs);
    this.slow = new RevalidationList('slow', o.intervalMs * SLOW_REVALIDATION_FACTOR);
  }

  /** Start the timers (no-op without a ping function). */
  start(): void {
    if (this.running || !this.o.ping) return;
    this.running = true;
    this.abort = new AbortController();
    this.reschedule();
  }

  /** Stop timers, abort pings in flight and wait for them to settle. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.o.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }

  /** Pings in flight. */
  get inFlight(): number {
    return this.active.size;
  }

  push(list: RevalidationList, e: Entry, now: number): void {
    list.nodes.push(e);
    e.list = list;
    if (list.nextTime === Infinity) list.nextTime = now + this.jitter(list.interval);
    this.reschedule();
  }

  remove(e: Entry): void {
    const list = e.list;
    if (!list) return;
    const i = list.nodes.indexOf(e);
    if (i >= 0) list.nodes.splice(i, 1);
    if (list.nodes.length === 0) list.nextTime = Infinity;
    e.list = null;
  }

  moveTo(e: Entry, dest: RevalidationList, now: number): void {
    if (e.list === dest) return;
    this.remove(e);
    this.push(dest, e, now);
  }

  private run(): void {
    if (!this.running) return;
    const now = this.o.clock.now();
    for (const list of [this.fast, this.slow]) {
      if (now < list.nextTime || list.nodes.length === 0) continue;
      const e = this.pick(list);
      if (e) this.startPing(e);
      list.nextTime = now + this.jitter(list.interval);
    }
    this.reschedule();
  }

  /** A uniform delay in [1, interval] ms (never 0: no zero-delay timer loops). */
  private jitter(interval: number): number {
    return Math.max(1, Math.ceil(this.o.random() * interval));
  }

  private pick(list: RevalidationList): Entry | undefined {
    const candidates = list.nodes.filter((e) => !this.active.has(e.key));
    if (candidates.length === 0) return undefined;
    return candidates[Math.min(candidates.length - 1, Math.floor(this.o.random() * candidates.length))];
  }

  private startPing(e: Entry): void {
    const ping = this.o.ping!;
    this.active.add(e.key);
    const node = e.node;
    const p = timeRequest(this.o.clock, (signal) => ping(node, signal), {
      timeoutMs: this.o.timeoutMs,
      signal: this.abort.signal,
      what: 'revalidation ping',
    }).then(
      () => this.handlePing(e, true),
      () => this.handlePing(e, false),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private handlePing(e: Entry, ok: boolean): void {
    this.active.delete(e.key);
    if (!this.running) return;
    if (!this.o.isCurrent(e)) return;
    const now = this.o.clock.now();
    if (ok) {
      e.livenessChecks++;
      e.live = true;
      e.lastPong = now;
      e.lastSeen = now;
      e.failures = 0;
      this.o.answered(e);
      this.moveTo(e, this.slow, now);
    } else {
      e.failures++;
      e.live = false;
      e.livenessChecks = Math.floor(e.livenessChecks / LIVENESS_FAILURE_DIVISOR);
      if (e.livenessChecks <= 0) this.o.evict(e);
      else this.moveTo(e, this.fast, now);
    }
    this.reschedule();
  }

  private reschedule(): void {
    if (!this.running) return;
    const next = Math.min(this.fast.nextTime, this.slow.nextTime);
    if (next === this.timerAt && this.timer) return;
    if (this.timer) this.o.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.o.clock.setTimer(Math.max(0, next - this.o.clock.now()), () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.run();
    });
  }
}
