/**
 * window_node_days (sql/migrations/0007_open_day.sql): per UTC day and node, the stages its raw dials,
 * hellos and statuses reached and the latest time of each, so a 24-hour window or the open day's
 * longitudinal bucket reads ~one row per node instead of every dial (issue 13). Rows of a day are
 * merged in as its hours close (rollup-hours.ts, same transaction as the hour rows) and rebuilt from
 * the day's raw rows when the day is rolled up (rollup.ts); window_node_day_marks records how far they
 * are complete, which is what the report SQL trusts (window-nodes.sql, longitudinal-dials.sql).
 */
import type { Queryable } from './database.js';
import { SECTION_CLEARS, SECTION_MERGES } from './window-section-days.js';

/** Stage bits of one dial row, as rollup_day_nodes.stages (rollup.ts FLAGS). */
export const DIAL_FLAGS = `CASE WHEN kind <> 'inbound' THEN 2 ELSE 8 END
  | CASE WHEN kind <> 'inbound' AND outcome <> 'error' THEN 4 ELSE 0 END
  | CASE WHEN outcome IN ('hello', 'status') THEN 16 ELSE 0 END
  | CASE WHEN outcome = 'status' THEN 32 ELSE 0 END`;
export const MAINNET_STATUS = `network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND fork_verdict IN ('compatible', 'local_stale')`;
const IN_RANGE = `started_at >= $1::timestamptz AND started_at < $2::timestamptz`;

/** Per node of the raw dials of [$1, $2): stage bits and latest times (the first part of MERGE). */
const RAW_DIALS = `SELECT node_id, bit_or(${DIAL_FLAGS}) AS st,
           max(started_at) FILTER (WHERE kind <> 'inbound') AS da, max(started_at) FILTER (WHERE kind <> 'inbound' AND outcome <> 'error') AS ra,
           max(started_at) FILTER (WHERE kind = 'inbound') AS ia, max(started_at) FILTER (WHERE error_kind = 'useless_peer') AS ua
    FROM dials WHERE ${IN_RANGE} AND node_id IS NOT NULL GROUP BY node_id`;

/**
 * Insert (or merge into) the day $3's rows the raw rows of [$1, $2): stage bits OR-ed, latest times
 * kept (greatest ignores NULL). `dials` yields node_id, st, da, ra, ia, ua per node: the raw dials, or the
 * day rollup's temporary table (one scan of the day's dials, not two).
 */
export function nodeDaysMergeSql(dials: string = RAW_DIALS): string {
  return `INSERT INTO window_node_days AS t (day, node_id, dial_stages, dialed_at, responded_at, inbound_at, hello_at, status_at, mainnet_at, useless_at)
  SELECT $3::date, node_id, bit_or(st)::smallint, max(da), max(ra), max(ia), max(ha), max(sa), max(ma), max(ua) FROM (
    SELECT node_id, st, da, ra, ia, NULL::timestamptz AS ha, NULL::timestamptz AS sa, NULL::timestamptz AS ma, ua FROM (${dials}) d
    UNION ALL
    SELECT node_id, 0, NULL, NULL, NULL, max(started_at), NULL, NULL, NULL FROM hellos WHERE ${IN_RANGE} AND node_id IS NOT NULL GROUP BY node_id
    UNION ALL
    SELECT node_id, 0, NULL, NULL, NULL, NULL, max(started_at), max(started_at) FILTER (WHERE ${MAINNET_STATUS}), NULL
    FROM statuses WHERE ${IN_RANGE} AND node_id IS NOT NULL GROUP BY node_id
    UNION ALL
    SELECT node_id, 0, NULL, NULL, NULL, NULL, NULL, NULL, max(started_at)
    FROM disconnects WHERE ${IN_RANGE} AND reason = 'useless_peer' AND node_id IS NOT NULL GROUP BY node_id
  ) x GROUP BY node_id
  ON CONFLICT (day, node_id) DO UPDATE SET dial_stages = t.dial_stages | excluded.dial_stages,
    dialed_at = greatest(t.dialed_at, excluded.dialed_at), responded_at = greatest(t.responded_at, excluded.responded_at),
    inbound_at = greatest(t.inbound_at, excluded.inbound_at), hello_at = greatest(t.hello_at, excluded.hello_at),
    status_at = greatest(t.status_at, excluded.status_at), mainnet_at = greatest(t.mainnet_at, excluded.mainnet_at),
    useless_at = greatest(t.useless_at, excluded.useless_at)`;
}

/** Merge the (source IP, node) pairs of inbound connections in [$1, $2) into day $3's (abusive-ips.sql). */
export const INBOUND_MERGE = `INSERT INTO window_inbound_ips AS t (day, ip, node_id, last_at)
  SELECT $3::date, ip, node_id, max(started_at) FROM dials WHERE ${IN_RANGE} AND kind = 'inbound' AND node_id IS NOT NULL GROUP BY ip, node_id
  ON CONFLICT (day, ip, node_id) DO UPDATE SET last_at = greatest(t.last_at, excluded.last_at)`;
const MERGE = nodeDaysMergeSql();
/** Mark day $1 complete up to $2. */
export const NODE_DAYS_MARK = `INSERT INTO window_node_day_marks (day, covered_until) VALUES ($1::date, $2::timestamptz)
  ON CONFLICT (day) DO UPDATE SET covered_until = excluded.covered_until`;

/**
 * Merge the raw rows of [fromMs, untilMs), inside one UTC day, and mark the day complete up to untilMs
 * (with the HELLO/STATUS/DISCONNECT rows of window-section-days.ts). A merge from midnight starts the
 * day's rows afresh: hour counts add up, so rows left from before a lost mark must not stay.
 */
export async function mergeNodeDays(tx: Queryable, day: string, fromMs: number, untilMs: number): Promise<void> {
  if (fromMs <= Date.parse(`${day}T00:00:00Z`)) await clearNodeDays(tx, day);
  const args = [new Date(fromMs).toISOString(), new Date(untilMs).toISOString(), day];
  for (const sql of [MERGE, INBOUND_MERGE, ...SECTION_MERGES]) await tx.query(sql, args);
  await tx.query(NODE_DAYS_MARK, [day, new Date(untilMs).toISOString()]);
}

/** Forget a day's rows and mark (its raw rows are dropped, or about to be rebuilt). */
export async function clearNodeDays(tx: Queryable, day: string): Promise<void> {
  await tx.query(`DELETE FROM window_node_days WHERE day = $1::date`, [day]);
  await tx.query(`DELETE FROM window_inbound_ips WHERE day = $1::date`, [day]);
  for (const sql of SECTION_CLEARS) await tx.query(sql, [day]);
  await tx.query(`DELETE FROM window_node_day_marks WHERE day = $1::date`, [day]);
}
