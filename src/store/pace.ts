/**
 * Pacing for upkeep that runs beside a crawl's writer (src/store/maintenance.ts): after each
 * statement, a pause as long as the statement ran (times `ratio`), so a rollup takes at most about
 * half of a core from the writer instead of all of it — the idea of Postgres' own cost-based vacuum
 * delay (vacuum_cost_delay), at statement grain. Measured on the 5 M-dial bench day with stock
 * settings: the writer's rate during a rollup fell 24 % unpaced (issue 13).
 */
import type { Clock } from '../net/clock.js';
import type { Queryable } from './database.js';

/** Wait after a statement that ran `ms`. */
export type Pause = (ms: number) => Promise<void>;

/** `tx` with a pause after each statement (its wall time: the server's work, waits included). */
export function pacedQueryable(tx: Queryable, pause: Pause | undefined): Queryable {
  if (!pause) return tx;
  const timed = async <T>(run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await run();
    await pause(performance.now() - t0);
    return out;
  };
  return {
    query: (sql, params) => timed(() => tx.query(sql, params)),
    exec: (sql) => timed(() => tx.exec(sql)),
  };
}

/**
 * Pauses of `ratio` × the statement's time on `clock`; none once `signal` aborts (a stopping crawl
 * finishes the day it is rolling up at full speed).
 */
export function clockPauses(clock: Clock, ratio: number, signal: AbortSignal): Pause | undefined {
  if (!(ratio > 0)) return undefined;
  return (ms) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        signal.removeEventListener('abort', cut);
        resolve();
      };
      const timer = clock.setTimer(ms * ratio, done);
      const cut = () => {
        clock.clearTimer(timer);
        done();
      };
      signal.addEventListener('abort', cut, { once: true });
    });
}
