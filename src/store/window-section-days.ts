/**
 * The snapshot's HELLO, STATUS and DISCONNECT sections per node and day (sql/migrations/0008_open_day_sections.sql):
 * the latest HELLO, the capabilities offered, the latest STATUS per chain, the disconnect reasons
 * seen and the disconnect counts per hour. Merged with window_node_days as the open day's hours close
 * (window-node-days.ts mergeNodeDays) and rebuilt with the day's rollup (rollup.ts), so every
 * statement here takes $1 from, $2 until (raw rows of [from, until), inside day $3) and merges into
 * what earlier, disjoint ranges of the day left: latest rows by (started_at, dial_id), times by
 * greatest, hour counts by sum.
 */

const IN_RANGE = `started_at >= $1::timestamptz AND started_at < $2::timestamptz`;
const EPOCH = `timestamptz '1970-01-01 00:00:00+00'`;

/** SET clauses keeping, of the stored and the new row, the later one by (at, dial_id). */
function keepLatest(at: string, cols: readonly string[]): string {
  const newer = `(excluded.${at}, excluded.dial_id) > (t.${at}, t.dial_id)`;
  return [at, 'dial_id', ...cols].map((c) => `${c} = CASE WHEN ${newer} THEN excluded.${c} ELSE t.${c} END`).join(', ');
}

const HELLO_COLS = ['client_name', 'client_version', 'os', 'arch', 'runtime'] as const;
const STATUS_COLS = ['fork_hash', 'fork_next', 'fork_verdict', 'best_hash', 'best_block'] as const;

/** Merge statements over [$1, $2) into day $3's rows, in order. */
export const SECTION_MERGES: readonly string[] = [
  `INSERT INTO window_hello_days AS t (day, node_id, hello_at, dial_id, ${HELLO_COLS.join(', ')})
   SELECT DISTINCT ON (node_id) $3::date, node_id, started_at, dial_id, ${HELLO_COLS.join(', ')}
   FROM hellos WHERE ${IN_RANGE} AND node_id IS NOT NULL ORDER BY node_id, started_at DESC, dial_id DESC
   ON CONFLICT (day, node_id) DO UPDATE SET ${keepLatest('hello_at', HELLO_COLS)}`,
  `INSERT INTO window_cap_days AS t (day, node_id, capability, last_at)
   SELECT $3::date, h.node_id, c, max(h.started_at) FROM hellos h, unnest(h.caps) AS c
   WHERE h.started_at >= $1::timestamptz AND h.started_at < $2::timestamptz AND h.node_id IS NOT NULL GROUP BY 2, 3
   ON CONFLICT (day, node_id, capability) DO UPDATE SET last_at = greatest(t.last_at, excluded.last_at)`,
  `INSERT INTO window_status_days AS t (day, node_id, network_id, genesis_hash, last_at, dial_id, ${STATUS_COLS.join(', ')}, compatible_at, accepted_at)
   SELECT DISTINCT ON (node_id, network_id, genesis_hash) $3::date, node_id, network_id, genesis_hash, started_at, dial_id, ${STATUS_COLS.join(', ')},
          max(started_at) FILTER (WHERE fork_verdict = 'compatible') OVER w, max(started_at) FILTER (WHERE fork_verdict IN ('compatible', 'local_stale')) OVER w
   FROM statuses WHERE ${IN_RANGE} AND node_id IS NOT NULL
   WINDOW w AS (PARTITION BY node_id, network_id, genesis_hash)
   ORDER BY node_id, network_id, genesis_hash, started_at DESC, dial_id DESC
   ON CONFLICT (day, node_id, network_id, genesis_hash) DO UPDATE SET ${keepLatest('last_at', STATUS_COLS)},
     compatible_at = greatest(t.compatible_at, excluded.compatible_at), accepted_at = greatest(t.accepted_at, excluded.accepted_at)`,
  `INSERT INTO window_disconnect_days AS t (day, node_id, direction, reason, last_at)
   SELECT $3::date, node_id, direction, reason, max(started_at) FROM disconnects WHERE ${IN_RANGE} AND node_id IS NOT NULL GROUP BY 2, 3, 4
   ON CONFLICT (day, node_id, direction, reason) DO UPDATE SET last_at = greatest(t.last_at, excluded.last_at)`,
  // $3 unused but typed, so every statement takes the same three parameters.
  `INSERT INTO window_disconnect_hours AS t (hour, direction, reason, messages, connections)
   SELECT date_bin('1 hour', started_at, ${EPOCH}), direction, reason, count(*), count(DISTINCT dial_id)
   FROM disconnects WHERE ${IN_RANGE} AND $3::date IS NOT NULL GROUP BY 1, 2, 3
   ON CONFLICT (hour, direction, reason) DO UPDATE SET messages = t.messages + excluded.messages, connections = t.connections + excluded.connections`,
];

/** Statements forgetting day $1's rows. */
export const SECTION_CLEARS: readonly string[] = [
  ...['window_hello_days', 'window_cap_days', 'window_status_days', 'window_disconnect_days'].map((t) => `DELETE FROM ${t} WHERE day = $1::date`),
  `DELETE FROM window_disconnect_hours WHERE hour >= $1::date::timestamp AT TIME ZONE 'UTC' AND hour < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'`,
];
