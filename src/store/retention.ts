/**
 * Retention: drop the raw day partitions (0001_initial.sql ensure_day_partition) of days older than a
 * cutoff — only days whose rollups exist (rollup_days). A day not rolled up is kept, whatever its age:
 * nothing is dropped before it is rolled up. Raw rows of such days in the DEFAULT partitions are
 * deleted with them, and so are the day's window_node_days (0007_open_day.sql). RTT rows go too (RTT is not rolled up: see 0005_rollups.sql).
 */
import type { Database } from './database.js';
import { DAY_PARTITION_KEYS } from './partitions.js';
import { DAY_MS, dayStart, dayText, rawDays, rolledDays } from './rollup.js';
import { clearNodeDays } from './window-node-days.js';

export interface PruneResult {
  /** Days whose raw rows were dropped (ms, ascending). */
  dropped: number[];
  /** Days older than the cutoff kept because they are not rolled up. */
  keptUnrolled: number[];
}

/** Drop raw rows of every rolled-up UTC day that ends at or before `olderThan` (ms). */
export async function pruneRaw(db: Database, olderThan: number): Promise<PruneResult> {
  const cutoff = dayStart(olderThan);
  const rolled = new Set(await rolledDays(db));
  const old = (await rawDays(db)).filter((d) => d + DAY_MS <= cutoff);
  const result: PruneResult = { dropped: [], keptUnrolled: [] };
  for (const d of old) {
    if (!rolled.has(d)) {
      result.keptUnrolled.push(d);
      continue;
    }
    const dropped = await db.transaction(async (tx) => {
      // The rollup lock of the day: a re-roll in progress finishes first (and sees the rows).
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('nodefinder.rollup'), $1::int)`, [Math.floor(d / DAY_MS)]);
      // Checked again under the lock: the day is still rolled up.
      const [r] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM rollup_days WHERE day = $1::date`, [dayText(d)]);
      if (r!.n === 0) return false;
      const suffix = dayText(d).replaceAll('-', '');
      const lo = new Date(d).toISOString();
      const hi = new Date(d + DAY_MS).toISOString();
      for (const [table, key] of Object.entries(DAY_PARTITION_KEYS)) {
        await tx.exec(`DROP TABLE IF EXISTS ${table}_${suffix}`);
        await tx.query(`DELETE FROM ${table}_default WHERE ${key} >= $1::timestamptz AND ${key} < $2::timestamptz`, [lo, hi]);
      }
      // The day's per-node window rows summarise these raw rows: they go with them.
      await clearNodeDays(tx, dayText(d));
      return true;
    });
    (dropped ? result.dropped : result.keptUnrolled).push(d);
  }
  return result;
}
