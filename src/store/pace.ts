/**
 * Pacing for upkeep that runs beside a crawl's writer on a server (src/store/maintenance.ts):
 * between statements, a pause as long as the one before ran (times `ratio`), so a rollup takes
 * about half of a core from the writer instead of all of it — the idea of Postgres' cost-based
 * vacuum delay (vacuum_cost_delay), at statement grain. On the 5 M-dial bench day with stock
 * settings the writer lost 25–29 % of its rate beside a full-speed rollup, 12–23 % paced (issue 13).
 */
import type { Clock } from '../net/clock.js';
import type { Queryable } from './database.js';

/** Wait before the next statement, the one before having run `ms`. */
export type Pause = (ms: number) => Promise<void>;

/**
 * `tx` with a pause before each statement but the first, as long as the previous one ran (its wall
 * time: the server's work, waits included). None after the last: the transaction commits at once.
 * `ran` hears each statement's own time (pause not included).
 */
export function pacedQueryable(tx: Queryable, pause: Pause | undefined, ran?: (ms: number) => void): Queryable {
  if (!pause && !ran) return tx;
  let previousMs: number | null = null;
  const timed = async <T>(run: () => Promise<T>): Promise<T> => {
    if (pause && previousMs !== null) await pause(previousMs);
    const t0 = performance.now();
    previousMs = null;
    const out = await run();
    previousMs = performance.now() - t0;
    ran?.(previousMs);
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
