/**
 * Hourly rollups of the open day: the closed hours of the day after the rollup watermark get their
 * hour rows (rollup_dials, rollup_clients, rollup_discovery, rollup_discovery_v5, width 'hour') as they close, so an hourly
 * report reads raw rows only since the last rolled hour. Hour rows are independent of each other, so
 * each pass adds the hours closed since the previous one; the day's own rollup (rollup.ts) later
 * replaces them all. The same pass merges those hours into the open day's window_node_days
 * (window-node-days.ts), from which its day bucket and 24-hour windows count distinct nodes without
 * reading the day's raw dials (distinct nodes per day cannot be summed from hours).
 */
import type { Database, Queryable } from './database.js';
import { DAY_MS, RELEASE_SQL, rolledDays, V5_ROLLUP_SELECT, V5_ROLLUP_SUMS } from './rollup.js';
import { mergeNodeDays } from './window-node-days.js';
import { pacedQueryable, type Pause } from './pace.js';

const HOUR_MS = 3_600_000;
const EPOCH = `timestamptz '1970-01-01 00:00:00+00'`;
const IN_RANGE = `started_at >= $1::timestamptz AND started_at < $2::timestamptz`;

/** Statements over [$1, $2): whole hours of the open day. */
const STEPS: readonly string[] = [
  `DELETE FROM rollup_dials WHERE width = 'hour' AND bucket >= $1::timestamptz AND bucket < $2::timestamptz`,
  `DELETE FROM rollup_clients WHERE width = 'hour' AND bucket >= $1::timestamptz AND bucket < $2::timestamptz`,
  `DELETE FROM rollup_discovery WHERE width = 'hour' AND bucket >= $1::timestamptz AND bucket < $2::timestamptz`,
  `DELETE FROM rollup_discovery_v5 WHERE width = 'hour' AND bucket >= $1::timestamptz AND bucket < $2::timestamptz`,
  // The formulas of sql/reports/longitudinal-dials.sql, per hour.
  `INSERT INTO rollup_dials (width, bucket, dynamic_dials, static_dials, inbound, nodes_attempted, nodes_responded, hello_nodes, status_nodes)
   SELECT 'hour', date_bin('1 hour', started_at, ${EPOCH}),
          count(*) FILTER (WHERE kind = 'dynamic'), count(*) FILTER (WHERE kind = 'static'), count(*) FILTER (WHERE kind = 'inbound'),
          count(DISTINCT node_id) FILTER (WHERE kind <> 'inbound'), count(DISTINCT node_id) FILTER (WHERE kind <> 'inbound' AND outcome <> 'error'),
          count(DISTINCT node_id) FILTER (WHERE outcome IN ('hello', 'status')), count(DISTINCT node_id) FILTER (WHERE outcome = 'status')
   FROM dials WHERE ${IN_RANGE} GROUP BY 2`,
  `INSERT INTO rollup_clients (width, bucket, client_name, release, nodes)
   SELECT 'hour', hour, client_name, release, count(*) FROM (
     SELECT DISTINCT date_bin('1 hour', started_at, ${EPOCH}) AS hour, client_name, ${RELEASE_SQL} AS release, node_id
     FROM hellos WHERE ${IN_RANGE} AND node_id IS NOT NULL) x
   GROUP BY 2, 3, 4`,
  `INSERT INTO rollup_discovery (width, bucket, findnode_sent, neighbors_received, nodes_learned, new_nodes, pings_sent, pongs_received, instances)
   SELECT 'hour', date_bin('1 hour', minute, ${EPOCH}), sum(findnode_sent), sum(neighbors_received), sum(nodes_learned), sum(new_nodes),
          sum(pings_sent), sum(pongs_received), count(DISTINCT instance_id)
   FROM discovery_counters WHERE minute >= $1::timestamptz AND minute < $2::timestamptz GROUP BY 2`,
  `INSERT INTO rollup_discovery_v5 (width, bucket, instance_id, ${V5_ROLLUP_SUMS}, table_size)
   SELECT 'hour', date_bin('1 hour', minute, ${EPOCH}), instance_id, ${V5_ROLLUP_SELECT}, max(table_size)
   FROM discovery_v5_counters WHERE minute >= $1::timestamptz AND minute < $2::timestamptz GROUP BY 2, 3`,
];
const MARK = `INSERT INTO rollup_open_hours (day, hours_until) VALUES ($1::date, $2::timestamptz)
  ON CONFLICT (day) DO UPDATE SET hours_until = excluded.hours_until`;

/** The raw tables whose BRIN index on started_at (0007_open_day.sql) bounds a window's raw remainder. */
const BRIN_TABLES = ['dials', 'hello_rows', 'statuses', 'disconnects'] as const;

/**
 * Summarize the BRIN ranges of the day's partitions filled since the last summary. A BRIN scan returns
 * every unsummarized range, and only VACUUM summarizes them (autovacuum comes after ~20 % growth of a
 * partition; autosummarize is not allowed on partitioned indexes, and PGlite runs no autovacuum), so
 * without this the open hour's raw rows cost a scan of hours of the day (measured: 4.8 M of 5 M dials
 * rechecked to read the last hour's 208 000; 106 k of 106 k heap pages, 3.7 s, against 4.5 k). Only
 * new ranges are read, just merged above, so this costs a few pages' read per hour. Only the index owner may summarize: a
 * crawl connected as another role skips it (and reads more, as before).
 */
async function summarizeBrin(tx: Queryable, day: string): Promise<void> {
  const parts = BRIN_TABLES.map((t) => `${t}_${day.replaceAll('-', '')}`);
  await tx.query(
    `SELECT brin_summarize_new_values(i.indexrelid) FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE am.amname = 'brin' AND i.indrelid IN (SELECT to_regclass(p) FROM unnest($1::text[]) AS p)
        AND pg_has_role(ic.relowner, 'USAGE')`,
    [parts],
  );
}

export interface OpenHoursOptions {
  /** Hours count as closed this long after they end (default 10 min: late flushes are in). */
  graceMs?: number;
  /** Waits between statements (src/store/pace.ts). */
  pause?: Pause;
}

/**
 * Roll up the hours of the open day that closed `graceMs` before `now` and are not rolled up yet.
 * Only when the day before is rolled up (the open day is the one after the watermark). Returns the
 * number of hours added.
 */
export async function rollupOpenHours(db: Database, now: number, opts: OpenHoursOptions = {}): Promise<number> {
  const graceMs = opts.graceMs ?? 600_000;
  const rolled = await rolledDays(db);
  const day = Math.floor(now / DAY_MS) * DAY_MS;
  if (rolled.length === 0 || rolled.at(-1)! + DAY_MS !== day) return 0;
  const until = Math.floor((now - graceMs) / HOUR_MS) * HOUR_MS;
  const dayText = new Date(day).toISOString().slice(0, 10);
  return db.transaction(async (locked) => {
    // The day's rollup lock: its full rollup and these hours never interleave.
    await locked.query(`SELECT pg_advisory_xact_lock(hashtext('nodefinder.rollup'), $1::int)`, [Math.floor(day / DAY_MS)]);
    const tx = pacedQueryable(locked, opts.pause);
    const [done] = await tx.query<{ ms: number | null }>(`SELECT (extract(epoch FROM hours_until) * 1000)::float8 AS ms FROM rollup_open_hours WHERE day = $1::date`, [dayText]);
    const from = Math.max(day, done?.ms ?? day);
    if (until <= from) return 0;
    for (const sql of STEPS) await tx.query(sql, [new Date(from).toISOString(), new Date(until).toISOString()]);
    await tx.query(MARK, [dayText, new Date(until).toISOString()]);
    // The open day's per-node rows (window-node-days.ts) advance with its hour rows, from their own mark
    // (hour rows rolled before migration 0007 have no per-node rows yet: those start at midnight).
    const [nodes] = await tx.query<{ ms: number }>(`SELECT (extract(epoch FROM covered_until) * 1000)::float8 AS ms FROM window_node_day_marks WHERE day = $1::date`, [dayText]);
    await mergeNodeDays(tx, dayText, Math.min(from, nodes?.ms ?? day), until);
    await summarizeBrin(tx, dayText);
    return (until - from) / HOUR_MS;
  });
}
