/**
 * Rollups of closed UTC days (sql/migrations/0005_rollups.sql and 0007_open_day.sql): per-hour and per-day aggregates that
 * longitudinal reports and dashboards read instead of raw rows. One transaction per day deletes the
 * day's rollup rows and builds them again from its raw rows, so re-running a day gives the same rows
 * (idempotent) and a crash mid-day leaves the previous state (atomic).
 *
 * Invariant the report SQL relies on (sql/reports/longitudinal-*.sql): every day before the rollup
 * watermark (the day after the latest rolled day) that has raw rows is rolled up. So rolling a day
 * also rolls every earlier unrolled day that has raw rows, and only closed days are rolled.
 */
import { V5_COUNTER_COLUMNS } from '../events.js';
import { DAY_PARTITION_KEYS } from './partitions.js';
import type { Database, Queryable } from './database.js';
import { RollupError } from './errors.js';
import { pacedQueryable, type Pause } from './pace.js';
import { DIAL_FLAGS, MAINNET_STATUS, NODE_DAYS_MARK } from './window-node-days.js';
import { SECTION_CLEARS, SECTION_MERGES } from './window-section-days.js';

export const DAY_MS = 86_400_000;


/** The release of a HELLO client version, exactly as sql/reports/longitudinal-clients.sql derives it. */
export const RELEASE_SQL = `coalesce(regexp_replace(substring(client_version FROM '^[vV]?([0-9]+[.][0-9]+(?:[.][0-9]+)?)'), '^([0-9]+[.][0-9]+)$', '\\1.0'), '?')`;
const EPOCH = `timestamptz '1970-01-01 00:00:00+00'`;
/** rollup_discovery_v5's summed columns, and their sums over discovery_v5_counters rows. */
export const V5_ROLLUP_SUMS = V5_COUNTER_COLUMNS.join(', ');
export const V5_ROLLUP_SELECT = V5_COUNTER_COLUMNS.map((c) => `sum(${c})`).join(', ');
const MAINNET = MAINNET_STATUS;
/** Stage bits of one dial row (rollup_day_nodes.stages). */
const FLAGS = DIAL_FLAGS;
/** rollup_rtt.bucket of an RTT in ms: four buckets per doubling, below 1 ms counted as 1 ms. */
export const RTT_BUCKET_SQL = (ms: string) => `floor(4 * ln(greatest(${ms}, 1)::float8) / ln(2::float8) + 1e-9)::smallint`;
/** The lower bound in ms of rollup_rtt bucket k. */
export function rttBucketLowMs(k: number): number {
  return 2 ** (k / 4);
}
/** Distinct nodes per stage over rows of one node each (longitudinal-dials.sql's columns). */
const STAGE_COUNTS = `count(*) FILTER (WHERE node_id IS NOT NULL AND flags & 2 <> 0), count(*) FILTER (WHERE node_id IS NOT NULL AND flags & 4 <> 0),
  count(*) FILTER (WHERE node_id IS NOT NULL AND flags & 16 <> 0), count(*) FILTER (WHERE node_id IS NOT NULL AND flags & 32 <> 0)`;
/** The UTC hour (0–23) of a raw row's started_at: bit h of the rollup's hour sets. */
const HOUR_OF_DAY = `extract(hour FROM started_at AT TIME ZONE 'UTC')::int`;
/** Raw rows of the day: $1 = day start, $2 = next day start (timestamptz). */
const IN_DAY = `started_at >= $1::timestamptz AND started_at < $2::timestamptz`;

type Arg = 'lo' | 'hi' | 'day';
const LOHI: readonly Arg[] = ['lo', 'hi'];
const ALL: readonly Arg[] = ['lo', 'hi', 'day'];
const DAY: readonly Arg[] = ['day'];
const LO: readonly Arg[] = ['lo'];

/**
 * The statements of one day's rollup, in order; `args` names their parameters $1…: lo (day start),
 * hi (next day start), day (the UTC date).
 */
export const ROLLUP_STEPS: readonly { name: string; sql: string; args: readonly Arg[] }[] = [
  { name: 'clear dials', args: LOHI, sql: `DELETE FROM rollup_dials WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz` },
  { name: 'clear clients', args: LOHI, sql: `DELETE FROM rollup_clients WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz` },
  { name: 'clear discovery', args: LOHI, sql: `DELETE FROM rollup_discovery WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz` },
  { name: 'clear discovery v5', args: LOHI, sql: `DELETE FROM rollup_discovery_v5 WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz` },
  { name: 'clear outcomes', args: DAY, sql: `DELETE FROM rollup_dial_outcomes WHERE day = $1::date` },
  { name: 'clear disconnects', args: DAY, sql: `DELETE FROM rollup_disconnects WHERE day = $1::date` },
  { name: 'clear day nodes', args: DAY, sql: `DELETE FROM rollup_day_nodes WHERE day = $1::date` },
  { name: 'clear rtt', args: DAY, sql: `DELETE FROM rollup_rtt WHERE day = $1::date` },
  { name: 'clear open hours', args: DAY, sql: `DELETE FROM rollup_open_hours WHERE day <= $1::date` },
  { name: 'clear window node days', args: DAY, sql: `DELETE FROM window_node_days WHERE day = $1::date` },
  { name: 'clear window inbound ips', args: DAY, sql: `DELETE FROM window_inbound_ips WHERE day = $1::date` },
  ...SECTION_CLEARS.map((sql, i) => ({ name: `clear window sections ${i + 1}`, args: DAY, sql })),
  {
    // The day's dials in one pass, per node and (kind, outcome, error kind) — plus the source IP of
    // inbound ones, for window_inbound_ips — with the hours (UTC, bit h) it had such dials in: the
    // day's rows, outcomes, node rows and the hour rows' distinct counts all derive from it. A
    // (hour, node) grain instead is ~20 rows per node and cost half the rollup (issue 13).
    name: 'day dials',
    args: LOHI,
    sql: `CREATE TEMP TABLE rollup_tmp_day_dials ON COMMIT DROP AS
      SELECT node_id, kind, outcome, error_kind, CASE WHEN kind = 'inbound' THEN ip END AS inbound_ip, count(*)::int AS dials,
             ${FLAGS} AS flags, max(ip) AS ip, max(started_at) AS last_at, bit_or(1 << ${HOUR_OF_DAY}) AS hours
      FROM dials WHERE ${IN_DAY}
      GROUP BY 1, 2, 3, 4, 5`,
  },
  {
    // Dial counts per hour: a second pass over the day's dials, but 24 groups (and, as CREATE TABLE
    // AS, a parallel scan: INSERT … SELECT never is on Postgres 15).
    name: 'hour dials',
    args: LOHI,
    sql: `CREATE TEMP TABLE rollup_tmp_hour_dials ON COMMIT DROP AS
      SELECT ${HOUR_OF_DAY} AS h, count(*) FILTER (WHERE kind = 'dynamic')::int AS dynamic_dials,
             count(*) FILTER (WHERE kind = 'static')::int AS static_dials, count(*) FILTER (WHERE kind = 'inbound')::int AS inbound
      FROM dials WHERE ${IN_DAY} GROUP BY 1`,
  },
  {
    // Hour rows: those counts, and distinct nodes per stage from each node's hour bits per stage.
    name: 'rollup dials',
    args: LO,
    sql: `INSERT INTO rollup_dials (width, bucket, dynamic_dials, static_dials, inbound, nodes_attempted, nodes_responded, hello_nodes, status_nodes)
      SELECT 'hour', $1::timestamptz + c.h * interval '1 hour', c.dynamic_dials, c.static_dials, c.inbound,
             coalesce(n.attempted, 0), coalesce(n.responded, 0), coalesce(n.hello, 0), coalesce(n.status, 0)
      FROM rollup_tmp_hour_dials c
      LEFT JOIN (
        SELECT h, count(*) FILTER (WHERE m2 & (1 << h) <> 0)::int AS attempted, count(*) FILTER (WHERE m4 & (1 << h) <> 0)::int AS responded,
               count(*) FILTER (WHERE m16 & (1 << h) <> 0)::int AS hello, count(*) FILTER (WHERE m32 & (1 << h) <> 0)::int AS status
        FROM (SELECT bit_or(hours) FILTER (WHERE flags & 2 <> 0) AS m2, bit_or(hours) FILTER (WHERE flags & 4 <> 0) AS m4,
                     bit_or(hours) FILTER (WHERE flags & 16 <> 0) AS m16, bit_or(hours) FILTER (WHERE flags & 32 <> 0) AS m32
              FROM rollup_tmp_day_dials WHERE node_id IS NOT NULL GROUP BY node_id) m
        CROSS JOIN generate_series(0, 23) AS h
        GROUP BY h
      ) n ON n.h = c.h
      UNION ALL
      SELECT 'day', $1::timestamptz, sum(dynamic_dials), sum(static_dials), sum(inbound), ${STAGE_COUNTS}
      FROM (SELECT node_id, coalesce(sum(dials) FILTER (WHERE kind = 'dynamic'), 0) AS dynamic_dials,
                   coalesce(sum(dials) FILTER (WHERE kind = 'static'), 0) AS static_dials,
                   coalesce(sum(dials) FILTER (WHERE kind = 'inbound'), 0) AS inbound, bit_or(flags) AS flags
            FROM rollup_tmp_day_dials GROUP BY node_id) x
      HAVING count(*) > 0`,
  },
  {
    // Per node and HELLO client version, the hours it announced it: the client rows count nodes per
    // release from ~one row per node (the release is parsed once per group, not per HELLO).
    name: 'hello nodes',
    args: LOHI,
    sql: `CREATE TEMP TABLE rollup_tmp_hello_nodes ON COMMIT DROP AS
      SELECT node_id, client_name, ${RELEASE_SQL} AS release, bit_or(hours) AS hours FROM (
        SELECT node_id, client_name, client_version, bit_or(1 << ${HOUR_OF_DAY}) AS hours
        FROM hellos WHERE ${IN_DAY} AND node_id IS NOT NULL GROUP BY 1, 2, 3
      ) v GROUP BY 1, 2, 3`,
  },
  {
    name: 'rollup clients',
    args: LO,
    sql: `INSERT INTO rollup_clients (width, bucket, client_name, release, nodes)
      SELECT 'hour', $1::timestamptz + h * interval '1 hour', client_name, release, count(*)
      FROM rollup_tmp_hello_nodes CROSS JOIN generate_series(0, 23) AS h WHERE hours & (1 << h) <> 0 GROUP BY h, 3, 4
      UNION ALL
      SELECT 'day', $1::timestamptz, client_name, release, count(*) FROM rollup_tmp_hello_nodes GROUP BY 3, 4`,
  },
  {
    name: 'rollup discovery',
    args: LOHI,
    sql: `INSERT INTO rollup_discovery (width, bucket, findnode_sent, neighbors_received, nodes_learned, new_nodes, pings_sent, pongs_received, instances)
      SELECT w.width, date_bin(w.step, minute, ${EPOCH}), sum(findnode_sent), sum(neighbors_received), sum(nodes_learned), sum(new_nodes),
             sum(pings_sent), sum(pongs_received), count(DISTINCT instance_id)
      FROM discovery_counters CROSS JOIN (VALUES ('hour', interval '1 hour'), ('day', interval '1 day')) AS w (width, step)
      WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
      GROUP BY 1, 2`,
  },
  {
    // Per instance (rollup_discovery_v5 keeps the instance dimension: a few rows per instance-day).
    name: 'rollup discovery v5',
    args: LOHI,
    sql: `INSERT INTO rollup_discovery_v5 (width, bucket, instance_id, ${V5_ROLLUP_SUMS}, table_size)
      SELECT w.width, date_bin(w.step, minute, ${EPOCH}), instance_id, ${V5_ROLLUP_SELECT}, max(table_size)
      FROM discovery_v5_counters CROSS JOIN (VALUES ('hour', interval '1 hour'), ('day', interval '1 day')) AS w (width, step)
      WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
      GROUP BY 1, 2, 3`,
  },
  {
    // Each node is one row per (kind, outcome, error kind) once the inbound IPs are merged: counting rows counts distinct nodes.
    name: 'rollup outcomes',
    args: DAY,
    sql: `INSERT INTO rollup_dial_outcomes (day, kind, outcome, error_kind, dials, nodes)
      SELECT $1::date, kind, outcome, error_kind, sum(dials), count(node_id) FROM (
        SELECT node_id, kind, outcome, error_kind, sum(dials) AS dials FROM rollup_tmp_day_dials GROUP BY 1, 2, 3, 4
      ) d GROUP BY 2, 3, 4`,
  },
  {
    name: 'rollup disconnects',
    args: ALL,
    sql: `INSERT INTO rollup_disconnects (day, direction, reason, messages, nodes, connections)
      SELECT $3::date, direction, reason, count(*), count(DISTINCT node_id), count(DISTINCT dial_id) FROM disconnects WHERE ${IN_DAY} GROUP BY 2, 3`,
  },
  {
    // The day's per-node RTT as latency-nodes.sql computes it, in log buckets (0007_open_day.sql rollup_rtt).
    name: 'rollup rtt',
    args: ALL,
    sql: `INSERT INTO rollup_rtt (day, bucket, nodes)
      SELECT $3::date, ${RTT_BUCKET_SQL('rtt_ms')}, count(*) FROM (
        SELECT node_id, min(rtt_ms) AS rtt_ms FROM (
          SELECT instance_id, node_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms) AS rtt_ms FROM rtts
          WHERE ${IN_DAY} AND node_id IS NOT NULL AND rtt_ms IS NOT NULL GROUP BY instance_id, node_id
        ) r GROUP BY node_id
      ) n GROUP BY 2`,
  },
  {
    // One row per node of the day from each raw table read once (src: 1 sighted, 2 dials, 4 HELLO,
    // 8 STATUS, 16 useless_peer DISCONNECT), for rollup_day_nodes and window_node_days alike.
    name: 'day nodes',
    args: ALL,
    sql: `CREATE TEMP TABLE rollup_tmp_nodes ON COMMIT DROP AS
      SELECT node_id, bit_or(src) AS src, bit_or(st)::smallint AS st, max(ip) AS ip, max(da) AS da, max(ra) AS ra, max(ia) AS ia,
             max(ha) AS ha, max(client_name) AS client_name, max(release) AS release, max(sa) AS sa, max(ma) AS ma, max(ua) AS ua
      FROM (
        SELECT node_id, 1 AS src, 0 AS st, NULL::inet AS ip, NULL::timestamptz AS da, NULL::timestamptz AS ra, NULL::timestamptz AS ia,
               NULL::timestamptz AS ha, NULL::text AS client_name, NULL::text AS release, NULL::timestamptz AS sa, NULL::timestamptz AS ma, NULL::timestamptz AS ua
        FROM node_sightings WHERE day = $3::date
        UNION ALL
        SELECT node_id, 2, bit_or(flags), max(ip), max(last_at) FILTER (WHERE kind <> 'inbound'), max(last_at) FILTER (WHERE kind <> 'inbound' AND outcome <> 'error'),
               max(last_at) FILTER (WHERE kind = 'inbound'), NULL, NULL, NULL, NULL, NULL, max(last_at) FILTER (WHERE error_kind = 'useless_peer')
        FROM rollup_tmp_day_dials WHERE node_id IS NOT NULL GROUP BY node_id
        UNION ALL
        SELECT node_id, 4, 0, NULL, NULL, NULL, NULL, started_at, client_name, ${RELEASE_SQL}, NULL, NULL, NULL FROM (
          SELECT DISTINCT ON (node_id) node_id, started_at, client_name, client_version FROM hellos
          WHERE ${IN_DAY} AND node_id IS NOT NULL ORDER BY node_id, started_at DESC, dial_id DESC
        ) h
        UNION ALL
        SELECT node_id, 8, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, max(started_at), max(started_at) FILTER (WHERE ${MAINNET}), NULL
        FROM statuses WHERE ${IN_DAY} AND node_id IS NOT NULL GROUP BY node_id
        UNION ALL
        SELECT node_id, 16, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, max(started_at)
        FROM disconnects WHERE ${IN_DAY} AND reason = 'useless_peer' AND node_id IS NOT NULL GROUP BY node_id
      ) x GROUP BY node_id`,
  },
  {
    // Nodes sighted, dialed, or with a HELLO or STATUS that day; stages as snapshot-stages.sql.
    name: 'rollup day nodes',
    args: ['day', 'hi'],
    sql: `INSERT INTO rollup_day_nodes (day, node_id, stages, ip, client_name, release)
      SELECT $1::date, f.node_id,
             (f.st | (f.src & 1) | CASE WHEN f.ha IS NOT NULL THEN 16 ELSE 0 END | CASE WHEN f.sa IS NOT NULL THEN 32 ELSE 0 END
                   | CASE WHEN f.ma IS NOT NULL THEN 64 ELSE 0 END)::smallint,
             coalesce(f.ip, (SELECT a.ip FROM addresses a WHERE a.node_id = f.node_id AND a.first_seen < $2::timestamptz
                       ORDER BY a.first_seen DESC, a.ip, a.udp_port, a.tcp_port LIMIT 1)),
             f.client_name, f.release
      FROM rollup_tmp_nodes f WHERE f.src & 15 <> 0 ORDER BY f.node_id`,
  },
  {
    // The day's window_node_days (window-node-days.ts) rebuilt from its raw rows, as the hourly merges build them.
    name: 'window node days',
    args: DAY,
    sql: `INSERT INTO window_node_days (day, node_id, dial_stages, dialed_at, responded_at, inbound_at, hello_at, status_at, mainnet_at, useless_at)
      SELECT $1::date, node_id, st, da, ra, ia, ha, sa, ma, ua FROM rollup_tmp_nodes WHERE src & 30 <> 0 ORDER BY node_id`,
  },
  {
    // window_inbound_ips of the day (as INBOUND_MERGE over the raw rows).
    name: 'window inbound ips',
    args: DAY,
    sql: `INSERT INTO window_inbound_ips (day, ip, node_id, last_at)
      SELECT $1::date, inbound_ip, node_id, max(last_at) FROM rollup_tmp_day_dials WHERE kind = 'inbound' AND node_id IS NOT NULL GROUP BY 2, 3`,
  },
  // The snapshot's HELLO/STATUS/DISCONNECT rows of the day (window-section-days.ts), rebuilt likewise.
  ...SECTION_MERGES.map((sql, i) => ({ name: `window sections ${i + 1}`, args: ALL, sql })),
  {
    name: 'mark window node days',
    args: ['day', 'hi'],
    sql: NODE_DAYS_MARK,
  },
  {
    name: 'mark day',
    args: ALL,
    sql: `INSERT INTO rollup_days (day, rolled_at, dials, hellos, statuses, disconnects, sightings, counter_rows, v5_counter_rows)
      SELECT $3::date, now(),
             (SELECT coalesce(sum(dials), 0) FROM rollup_tmp_day_dials),
             (SELECT count(*) FROM hello_rows WHERE ${IN_DAY}), (SELECT count(*) FROM statuses WHERE ${IN_DAY}),
             (SELECT count(*) FROM disconnects WHERE ${IN_DAY}), (SELECT count(*) FROM node_sightings WHERE day = $3::date),
             (SELECT count(*) FROM discovery_counters WHERE minute >= $1::timestamptz AND minute < $2::timestamptz),
             (SELECT count(*) FROM discovery_v5_counters WHERE minute >= $1::timestamptz AND minute < $2::timestamptz)
      ON CONFLICT (day) DO UPDATE SET rolled_at = excluded.rolled_at, dials = excluded.dials, hellos = excluded.hellos,
             statuses = excluded.statuses, disconnects = excluded.disconnects, sightings = excluded.sightings, counter_rows = excluded.counter_rows,
             v5_counter_rows = excluded.v5_counter_rows`,
  },
];

/** `YYYY-MM-DD` of a UTC day start. */
export function dayText(dayMs: number): string {
  return new Date(dayMs).toISOString().slice(0, 10);
}

export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Memory for the rollup's hash aggregates over a day of dials (SET LOCAL: this transaction only). */
const ROLLUP_WORK_MEM = '256MB';

export interface RollupDayOptions {
  /** Times each statement. */
  onStep?: (step: string, ms: number) => void;
  /** Waits between statements (src/store/pace.ts: a crawl's maintenance yields to its writer). */
  pause?: Pause;
}

/**
 * Roll up one UTC day (its start in ms) in one transaction. Returns false, changing nothing, when
 * the day was rolled up before from more dials than it has now: its raw rows were pruned, and
 * rolling it again would replace its rollups by those of what is left.
 */
export async function rollupDay(db: Database, dayMs: number, opts: RollupDayOptions = {}): Promise<boolean> {
  if (dayMs !== dayStart(dayMs)) throw new RollupError(`rollup day ${new Date(dayMs).toISOString()} is not a UTC day start`);
  const lo = new Date(dayMs).toISOString();
  const hi = new Date(dayMs + DAY_MS).toISOString();
  const day = dayText(dayMs);
  return db.transaction(async (tx) => {
    // One roller per day at a time (crawl hook, `db rollup` and `db prune` may run together).
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('nodefinder.rollup'), $1::int)`, [Math.floor(dayMs / DAY_MS)]);
    const [pruned] = await tx.query<{ pruned: boolean }>(
      `SELECT r.dials > (SELECT count(*) FROM dials WHERE ${IN_DAY}) OR r.sightings > (SELECT count(*) FROM node_sightings WHERE day = $3::date) AS pruned
         FROM rollup_days r WHERE r.day = $3::date`,
      [lo, hi, day],
    );
    if (pruned?.pruned) return false;
    // JIT compiled ~1.3 s of expressions for 'rollup dials' alone (150 k rows; EXPLAIN ANALYZE on the
    // 5 M-dial bench day): the statements run once, so compiling never pays (reports turn it off too).
    await tx.exec(`SET LOCAL work_mem = '${ROLLUP_WORK_MEM}'; SET LOCAL jit = off`);
    const values = { lo, hi, day };
    let stepMs = 0;
    const steps = pacedQueryable(tx, opts.pause, (ms) => (stepMs = ms));
    for (const step of ROLLUP_STEPS) {
      await steps.query(step.sql, step.args.map((a) => values[a]));
      opts.onStep?.(step.name, stepMs);
    }
    return true;
  });
}

/** Days (ms) that hold raw rows, from the day partitions and the DEFAULT partitions. */
export async function rawDays(db: Queryable): Promise<number[]> {
  const parents = Object.keys(DAY_PARTITION_KEYS);
  const parts = await db.query<{ name: string; parent: string }>(
    `SELECT c.relname AS name, p.relname AS parent FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE n.nspname = current_schema() AND p.relname = ANY($1::text[])`,
    [parents],
  );
  const days = new Set<number>();
  for (const p of parts) {
    const m = /_(\d{4})(\d{2})(\d{2})$/.exec(p.name);
    if (m && p.name === `${p.parent}_${m[1]}${m[2]}${m[3]}`) days.add(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  }
  // Rows a writer put in a DEFAULT partition (no day partition yet) count too.
  for (const [table, key] of Object.entries(DAY_PARTITION_KEYS)) {
    const rows = await db.query<{ d: string }>(`SELECT DISTINCT to_char(${key} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d FROM ${table}_default`);
    for (const r of rows) days.add(Date.parse(`${r.d}T00:00:00Z`));
  }
  return [...days].sort((a, b) => a - b);
}

export async function rolledDays(db: Queryable): Promise<number[]> {
  const rows = await db.query<{ d: string }>(`SELECT to_char(day, 'YYYY-MM-DD') AS d FROM rollup_days ORDER BY day`);
  return rows.map((r) => Date.parse(`${r.d}T00:00:00Z`));
}

export interface RollupPlan {
  /** Day starts (ms) to roll, ascending. */
  days: number[];
}

/**
 * Which days to roll for a request [since, until) (both ms; clipped to closed days: until ≤ the
 * start of today): every day in the range from the first day with raw rows on (days with raw rows,
 * and empty days, which get their marker), plus every earlier day with raw rows not rolled up yet
 * (the watermark invariant above). `onlyMissing` leaves out days already rolled (the crawl hook).
 */
export async function planRollup(db: Queryable, opts: { since: number; until: number; now: number; onlyMissing?: boolean }): Promise<RollupPlan> {
  const closedUntil = dayStart(opts.now);
  const until = Math.min(dayStart(opts.until - 1) + DAY_MS, closedUntil);
  const rolled = new Set(await rolledDays(db));
  const raw = await rawDays(db);
  const since = Math.max(dayStart(opts.since), raw[0] ?? closedUntil);
  const days = new Set<number>();
  if (!opts.onlyMissing) for (let d = since; d < until; d += DAY_MS) days.add(d);
  const last = Math.max(until - DAY_MS, ...[...days]);
  for (const d of raw) if (d <= last && d < closedUntil && !rolled.has(d)) days.add(d);
  return { days: [...days].sort((a, b) => a - b) };
}

/** Roll up the planned days one transaction at a time; returns those rolled up. */
export async function rollup(
  db: Database,
  opts: {
    since: number;
    until: number;
    now: number;
    onlyMissing?: boolean;
    onDay?: (dayMs: number, ms: number) => void;
    onSkip?: (dayMs: number) => void;
    /** Stops between days (a crawl shutting down does not wait for a backlog of days). */
    signal?: AbortSignal;
    /** Waits between statements (src/store/pace.ts). */
    pause?: Pause;
  },
): Promise<number[]> {
  const { days } = await planRollup(db, opts);
  const done: number[] = [];
  for (const d of days) {
    if (opts.signal?.aborted) break;
    const t0 = Date.now();
    if (await rollupDay(db, d, opts.pause ? { pause: opts.pause } : {})) {
      done.push(d);
      opts.onDay?.(d, Date.now() - t0);
    } else opts.onSkip?.(d);
  }
  return done;
}
