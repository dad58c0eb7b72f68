/**
 * NodeFinder's dial policy for one instance, as a clock-driven state machine (no sockets: dials,
 * multi-host claims and the clock are injected).
 *
 * - Dynamic dials: a node this instance learns for the first time is queued and dialed once;
 *   at most `maxDials` dynamic dials are in flight (the paper's and geth's 16).
 * - Static redials: a node that ever completed HELLO or answered TOO_MANY_PEERS joins the static set
 *   and is redialed every `redialIntervalMs` after the *start* of its last dial. Static dials have no
 *   per-instance cap; every dial (static or dynamic) takes a slot of a process-wide SocketBudget, so
 *   many instances together never exceed the file-descriptor budget.
 * - Claims: when several hosts share a database, due static nodes are offered in batches to
 *   `claim(due)`, which answers "which of these may I dial now?". A node not granted is left to the
 *   host that holds it for this period and comes due again one interval later.
 * - Expiry: a node whose address was not seen for `expireAfterMs` leaves the scheduler; static ones
 *   are reported through `onExpire`. "Seen" means learned from discovery (learn), confirmed by a
 *   successful dial (HELLO/TOO_MANY_PEERS) or by an inbound connection. A non-static node forgotten
 *   this way counts as new if it is learned again (this bounds memory on a weeks-long crawl).
 * - No node is ever dialed twice at once, whatever mix of discovery, static due times and claims.
 * - Restart: `seed()` loads the static set (node, last dial, last seen) so the rhythm survives.
 * Pieces: dial-state.ts (a node's state as data), static-set.ts (due times), static-claims.ts
 * (claim rounds), expiry-queue.ts, scheduler-types.ts (options, stats).
 */
import { setMaxListeners } from 'node:events';
import type { DialVerdict } from '../events.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import type { NodeRecord } from '../enode/node-record.js';
import { bytesToHex } from '../util/bytes.js';
import { timeRequest } from '../net/request.js';
import { validDialTarget, view, type DialState, type NodeState as State, type ScheduledDialKind, type StaticSeed } from './dial-state.js';
import { ExpiryQueue } from './expiry-queue.js';
import { Fifo } from './queues.js';
import type { DialFn, DialSchedulerOptions, SchedulerStats } from './scheduler-types.js';
import type { SocketBudget } from './socket-budget.js';
import { CLAIM_BATCH, CLAIM_TIMEOUT_MS, ClaimRounds } from './static-claims.js';
import { StaticSet } from './static-set.js';

export type { DialState, ScheduledDialKind, StaticSeed } from './dial-state.js';
export type { ClaimFn, DialFn, DialSchedulerOptions, SchedulerStats } from './scheduler-types.js';
export { CLAIM_BATCH, CLAIM_RETRY_MS, CLAIM_TIMEOUT_MS } from './static-claims.js';
export { EXPIRY_RECHECK_MS } from './expiry-queue.js';

/** NodeFinder (IMC 2018) and geth p2p/dial.go maxActiveDialTasks: 16 dynamic dials in flight. */
export const MAX_DIALS = 16;
/** NodeFinder: static nodes are redialed every 30 minutes (--redial-interval). */
export const REDIAL_INTERVAL_MS = 30 * 60_000;
/** NodeFinder: a node unseen for 24 hours leaves the static set (--expire-after). */
export const EXPIRE_AFTER_MS = 24 * 3_600_000;
/** Ours: backstop for one dial (TCP + RLPx + HELLO + STATUS); the dialer applies tighter ones. */
export const DIAL_TIMEOUT_MS = 60_000;

export class DialScheduler {
  private readonly clock: Clock;
  private readonly dialFn: DialFn;
  private readonly budget: SocketBudget;
  private readonly maxDials: number;
  private readonly redialMs: number;
  private readonly expireMs: number;
  private readonly dialTimeoutMs: number;
  private readonly claims: ClaimRounds | undefined;
  private readonly onExpire: ((node: NodeRecord, at: number) => void) | undefined;

  private readonly states = new Map<string, State>();
  private readonly dynamicQueue = new Fifo<State>();
  private readonly readyQueue = new Fifo<State>();
  private readonly statics: StaticSet;
  private readonly expiry: ExpiryQueue;
  private readonly inflight = new Set<Promise<void>>();
  private running = false;
  private pumping = false;
  private abort = new AbortController();
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private cancelBudgetWait: (() => void) | null = null;

  private queuedCount = 0;
  private readyCount = 0;
  private inFlightDyn = 0;
  private inFlightStatic = 0;
  private readonly counters = {
    dialed: { dynamic: 0, static: 0 },
    succeeded: { dynamic: 0, static: 0 },
    failed: { dynamic: 0, static: 0 },
    aborted: 0,
    joinedStatic: 0,
    expired: 0,
    forgotten: 0,
    claimDenied: 0,
    claimErrors: 0,
  };

  constructor(options: DialSchedulerOptions) {
    this.clock = options.clock;
    this.dialFn = options.dial;
    this.budget = options.budget;
    this.maxDials = options.maxDials ?? MAX_DIALS;
    this.redialMs = options.redialIntervalMs ?? REDIAL_INTERVAL_MS;
    this.expireMs = options.expireAfterMs ?? EXPIRE_AFTER_MS;
    this.dialTimeoutMs = options.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
    this.statics = new StaticSet(this.counters);
    this.expiry = new ExpiryQueue(this.expireMs);
    this.claims = options.claim
      ? new ClaimRounds({
          clock: this.clock,
          claim: options.claim,
          timeoutMs: options.claimTimeoutMs ?? CLAIM_TIMEOUT_MS,
          batch: options.claimBatch ?? CLAIM_BATCH,
          redialMs: this.redialMs,
          signal: () => this.abort.signal,
          running: () => this.running,
          live: (st) => this.live(st),
          ready: (st) => this.makeReady(st),
          dueAgain: (st, at) => this.statics.schedule(st, at),
          counters: this.counters,
          ended: () => this.pump(),
          track: (p) => this.track(p),
        })
      : undefined;
    this.onExpire = options.onExpire;
    if (!Number.isInteger(this.maxDials) || this.maxDials < 1) throw new RangeError(`maxDials must be ≥ 1, got ${this.maxDials}`);
    if (!(this.redialMs > 0) || !(this.expireMs > 0)) throw new RangeError('redialIntervalMs and expireAfterMs must be > 0');
  }

  // ---- inputs -----------------------------------------------------------------------------

  /**
   * Discovery saw `node` at its current address. Returns true when the node is new to this
   * instance (it is then queued for one dynamic dial). Known nodes get lastSeen and the address
   * refreshed. Nodes without a usable TCP endpoint are ignored.
   */
  learn(node: NodeRecord): boolean {
    if (!validDialTarget(node)) return false;
    const now = this.clock.now();
    const key = bytesToHex(node.id);
    const known = this.states.get(key);
    if (known) {
      this.touch(known, node, now);
      return false;
    }
    const st = this.create(node, key, now, now);
    st.queued = true;
    this.queuedCount++;
    this.dynamicQueue.push(st);
    this.pump();
    return true;
  }

  /**
   * A connection we did not start (inbound) finished with `verdict`: it confirms the address and,
   * on HELLO or TOO_MANY_PEERS, puts the node in the static set (first redial one interval later).
   * `node.tcpPort` must be the node's listening port (from HELLO), not the ephemeral source port.
   */
  recordInbound(node: NodeRecord, verdict: DialVerdict): void {
    if (!validDialTarget(node)) return;
    const now = this.clock.now();
    const key = bytesToHex(node.id);
    let st = this.states.get(key);
    if (st) this.touch(st, node, now);
    else st = this.create(node, key, now, now);
    if (verdict === 'failed') return;
    st.lastSuccess = now;
    st.consecutiveFailures = 0;
    if (!st.isStatic) this.statics.join(st, now + this.redialMs);
    this.pump();
  }

  /** Load the static set saved by a previous run; each node is due at lastDial + redialInterval. */
  seed(entries: readonly StaticSeed[]): void {
    const now = this.clock.now();
    for (const e of entries) {
      if (!validDialTarget(e.node)) continue;
      const key = bytesToHex(e.node.id);
      let st = this.states.get(key);
      if (!st) {
        st = this.create(e.node, key, Math.min(now, e.lastSeen), e.lastSeen);
      } else if (e.lastSeen > st.lastSeen) {
        st.lastSeen = e.lastSeen;
      }
      if (e.lastDial !== null && (st.lastDial === null || e.lastDial > st.lastDial)) st.lastDial = e.lastDial;
      if (e.lastSuccess != null && (st.lastSuccess === null || e.lastSuccess > st.lastSuccess)) st.lastSuccess = e.lastSuccess;
      if (e.consecutiveFailures !== undefined) st.consecutiveFailures = e.consecutiveFailures;
      const due = st.lastDial === null ? now : st.lastDial + this.redialMs;
      this.statics.load(st, due);
    }
    this.pump();
  }

  // ---- lifecycle --------------------------------------------------------------------------

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    // Every dial in flight listens on this one signal: more than Node's default 10 is normal.
    setMaxListeners(0, this.abort.signal);
    this.pump();
  }

  /** Stop dialing: timers cleared, in-flight dials and claims aborted and awaited. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    this.cancelBudgetWait?.();
    this.cancelBudgetWait = null;
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }

  // ---- queries ----------------------------------------------------------------------------

  stats(): SchedulerStats {
    const c = this.counters;
    return {
      known: this.states.size,
      static: this.statics.count,
      queued: this.queuedCount,
      ready: this.readyCount,
      claiming: this.claims?.claiming ?? 0,
      inFlight: { dynamic: this.inFlightDyn, static: this.inFlightStatic, total: this.inFlightDyn + this.inFlightStatic },
      dialed: { ...c.dialed },
      succeeded: { ...c.succeeded },
      failed: { ...c.failed },
      aborted: c.aborted,
      joinedStatic: c.joinedStatic,
      expired: c.expired,
      forgotten: c.forgotten,
      claimDenied: c.claimDenied,
      claimErrors: c.claimErrors,
    };
  }

  state(id: Uint8Array): DialState | undefined {
    const st = this.states.get(bytesToHex(id));
    return st ? view(st) : undefined;
  }

  /** The static set, e.g. to persist it for the next run's seed(). */
  staticNodes(): DialState[] {
    const out: DialState[] = [];
    for (const st of this.states.values()) if (st.isStatic) out.push(view(st));
    return out;
  }

  // ---- the engine -------------------------------------------------------------------------

  private create(node: NodeRecord, key: string, firstSeen: number, lastSeen: number): State {
    const st: State = {
      node,
      key,
      firstSeen,
      lastSeen,
      lastDial: null,
      lastSuccess: null,
      consecutiveFailures: 0,
      isStatic: false,
      dueAt: Infinity,
      expiryAt: lastSeen + this.expireMs,
      dialing: null,
      queued: false,
      phase: 'idle',
    };
    this.states.set(key, st);
    this.expiry.add(st);
    return st;
  }

  private touch(st: State, node: NodeRecord, now: number): void {
    if (now > st.lastSeen) st.lastSeen = now;
    // The latest address wins; a dial in flight keeps the record it started with.
    if (node.ip !== st.node.ip || node.tcpPort !== st.node.tcpPort || node.udpPort !== st.node.udpPort) st.node = node;
  }

  private live(st: State): boolean {
    return this.states.get(st.key) === st;
  }

  /** Run everything that is due, start what the caps allow, and arm the next wake-up. */
  private pump(): void {
    if (!this.running || this.pumping) return;
    this.pumping = true;
    try {
      const now = this.clock.now();
      this.expire(now);
      this.collectDue(now);
      this.dispatch();
      this.arm(now);
    } finally {
      this.pumping = false;
    }
  }

  private expire(now: number): void {
    this.expiry.drain(now, (st) => this.live(st), (st) => {
      this.states.delete(st.key);
      if (st.queued) {
        st.queued = false;
        this.queuedCount--;
      }
      if (st.isStatic) {
        this.statics.left();
        this.counters.expired++;
        this.onExpire?.(st.node, st.lastSeen + this.expireMs);
      } else {
        this.counters.forgotten++;
      }
    });
  }

  private collectDue(now: number): void {
    const due = this.statics.collect(now, (st) => this.live(st));
    if (due.length === 0) return;
    if (!this.claims) {
      for (const st of due) this.makeReady(st);
      return;
    }
    this.claims.offer(due);
  }

  private makeReady(st: State): void {
    st.phase = 'ready';
    this.readyCount++;
    this.readyQueue.push(st);
  }

  private nextJob(): { st: State; kind: ScheduledDialKind } | undefined {
    for (let st = this.readyQueue.shift(); st; st = this.readyQueue.shift()) {
      if (st.phase !== 'ready') continue;
      this.readyCount--;
      st.phase = 'idle';
      if (!this.live(st) || st.dialing !== null) continue;
      return { st, kind: 'static' };
    }
    if (this.inFlightDyn >= this.maxDials) return undefined;
    for (let st = this.dynamicQueue.shift(); st; st = this.dynamicQueue.shift()) {
      if (!st.queued) continue;
      st.queued = false;
      this.queuedCount--;
      if (!this.live(st) || st.dialing !== null || st.lastDial !== null) continue;
      return { st, kind: 'dynamic' };
    }
    return undefined;
  }

  private hasWork(): boolean {
    return this.readyCount > 0 || (this.queuedCount > 0 && this.inFlightDyn < this.maxDials);
  }

  private dispatch(): void {
    while (this.hasWork()) {
      if (this.budget.available <= 0) {
        if (!this.cancelBudgetWait) {
          this.cancelBudgetWait = this.budget.onAvailable(() => {
            this.cancelBudgetWait = null;
            this.pump();
          });
        }
        return;
      }
      const job = this.nextJob();
      if (!job) return;
      if (!this.budget.tryAcquire()) {
        // Unreachable while single-threaded (available was > 0); keep the job anyway.
        if (job.kind === 'static') this.makeReady(job.st);
        else {
          job.st.queued = true;
          this.queuedCount++;
          this.dynamicQueue.unshift(job.st);
        }
        return;
      }
      this.startDial(job.st, job.kind);
    }
  }

  private startDial(st: State, kind: ScheduledDialKind): void {
    const now = this.clock.now();
    st.dialing = kind;
    st.lastDial = now;
    this.counters.dialed[kind]++;
    if (kind === 'dynamic') this.inFlightDyn++;
    else this.inFlightStatic++;
    const node = st.node;
    const p = timeRequest(this.clock, (signal) => this.dialFn(node, kind, signal), {
      timeoutMs: this.dialTimeoutMs,
      signal: this.abort.signal,
      what: `dial ${node.ip}:${node.tcpPort}`,
    }).then(
      ({ value }) => this.finishDial(st, kind, value === 'hello' || value === 'too_many_peers' ? value : 'failed'),
      (err: { kind?: string }) => this.finishDial(st, kind, err?.kind === 'aborted' && !this.running ? 'aborted' : 'failed'),
    );
    this.track(p);
  }

  private finishDial(st: State, kind: ScheduledDialKind, verdict: DialVerdict | 'aborted'): void {
    if (kind === 'dynamic') this.inFlightDyn--;
    else this.inFlightStatic--;
    st.dialing = null;
    this.budget.release();
    const now = this.clock.now();
    if (verdict === 'aborted') {
      this.counters.aborted++;
    } else if (verdict === 'failed') {
      st.consecutiveFailures++;
      this.counters.failed[kind]++;
    } else {
      st.consecutiveFailures = 0;
      st.lastSuccess = now;
      if (now > st.lastSeen) st.lastSeen = now;
      this.counters.succeeded[kind]++;
    }
    if (this.live(st)) {
      // Expiry waits while a node is busy: look again as soon as the dial is over.
      if (now >= st.lastSeen + this.expireMs) {
        this.expiry.recheck(st, now);
      }
      const next = st.lastDial! + this.redialMs;
      if (st.isStatic) this.statics.schedule(st, next);
      else if (verdict === 'hello' || verdict === 'too_many_peers') this.statics.join(st, next);
    }
    this.pump();
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private arm(now: number): void {
    const next = Math.min(this.statics.nextAt, this.expiry.nextAt);
    if (next === this.timerAt && this.timer) return;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.clock.setTimer(Math.max(0, next - now), () => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    });
  }
}
