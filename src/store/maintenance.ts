/**
 * The crawl's periodic storage upkeep: roll up closed UTC days not rolled up yet (src/store/rollup.ts)
 * and the closed hours of the open day (rollup-hours.ts), and, with `--retain-raw`, drop the raw rows of rolled-up days older than that (retention.ts). Runs
 * shortly after start and then every `intervalMs`; one pass at a time; a failing pass is reported and
 * retried at the next tick (the raw rows stay, nothing is lost).
 *
 * A day is rolled only `graceMs` after it closed, so dials that started before midnight and were
 * flushed after it are in (rows written later still are a `db rollup --since` away).
 */
import type { Clock, TimerHandle } from '../net/clock.js';
import type { Database } from './database.js';
import { clockPauses } from './pace.js';
import { pruneRaw } from './retention.js';
import { rollup } from './rollup.js';
import { rollupOpenHours } from './rollup-hours.js';

export interface MaintenanceOptions {
  clock: Clock;
  /** Drop raw rows of rolled-up days older than this (ms); undefined = keep raw rows forever. */
  retainRawMs?: number;
  /** Time between passes (default 15 min). */
  intervalMs?: number;
  /** Delay after midnight UTC before the day is rolled up (default 1 h). */
  graceMs?: number;
  /** First pass after this long (default 1 min: the crawl's start-up comes first). */
  firstDelayMs?: number;
  /** Progress and failures, one line each. */
  log?: (line: string) => void;
  /**
   * Between rollup statements, wait this many times as long as the one before ran (src/store/pace.ts).
   * Default 1 on a server: the rollup takes about half a core, the writer beside it keeps most of
   * its rate. 0 on the embedded engine: its one connection is the writer's too, so a pause inside the
   * rollup's transaction would only hold the writer up longer. 0 = full speed.
   */
  yieldRatio?: number;
}

export interface Maintenance {
  /** Run one pass now (tests; the timer calls it). Resolves when done; never rejects. */
  runOnce(): Promise<void>;
  /** Stop the timer and wait for a pass in progress (it stops after the day it is rolling up). */
  stop(): Promise<void>;
}

export function startMaintenance(db: Database, opts: MaintenanceOptions): Maintenance {
  const { clock } = opts;
  const intervalMs = opts.intervalMs ?? 900_000;
  const graceMs = opts.graceMs ?? 3_600_000;
  const log = opts.log ?? (() => {});
  let timer: TimerHandle | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const abort = new AbortController();
  const pause = clockPauses(clock, opts.yieldRatio ?? (db.engine === 'pglite' ? 0 : 1), abort.signal);

  const pass = async () => {
    const now = clock.now();
    try {
      const rolled = await rollup(db, { since: 0, until: now - graceMs, now: now - graceMs, onlyMissing: true, signal: abort.signal, ...(pause ? { pause } : {}) });
      if (rolled.length > 0) log(`rollup: ${rolled.length} day(s) rolled up`);
      if (!abort.signal.aborted) await rollupOpenHours(db, now, pause ? { pause } : {});
      if (opts.retainRawMs !== undefined && !abort.signal.aborted) {
        const r = await pruneRaw(db, now - opts.retainRawMs);
        if (r.dropped.length > 0) log(`retention: dropped the raw rows of ${r.dropped.length} rolled-up day(s)`);
      }
    } catch (err) {
      log(`rollup/retention failed (retried in ${Math.round(intervalMs / 60_000)} min): ${(err as Error).message}`);
    }
  };
  const runOnce = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = clock.setTimer(ms, () => {
      void runOnce().then(() => schedule(intervalMs));
    });
  };
  schedule(opts.firstDelayMs ?? 60_000);
  return {
    runOnce,
    async stop() {
      stopped = true;
      abort.abort();
      if (timer !== undefined) clock.clearTimer(timer);
      await running;
    },
  };
}
