/**
 * Months of mainnet (`npm run bench -- longitudinal`, issue 13), on Postgres only (TEST_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test; skipped if unreachable):
 *  - a synthetic mainnet-scale history: 90 UTC days, BENCH_LONG_DIALS dials a day (default 5 M) to
 *    BENCH_LONG_NODES node IDs (default 150 000, 2 % replaced by new IDs every day), a tenth of them
 *    reachable (HELLO/STATUS with a realistic client mix, too_many_peers now and then), the rest
 *    failing (timeouts, refused, resets); the last 2 days as raw rows, the 88 before as rollups only
 *    (as `--retain-raw` would leave them). Rows only: no address is contacted.
 *  - size on disk per day (raw rows and their indexes; rollups) and bytes per dial;
 *  - rolling up one full day (goal ≤ 60 s), alone and while a crawl's writer commits;
 *  - the crawl's writer (bench/crawl-writer.ts, a child process fed as the crawl feeds it) in events/s:
 *    alone (before and after the rest; their mean is the baseline); while a day is rolled up at full
 *    speed (`db rollup`); while it is rolled up paced as the crawl's maintenance paces it
 *    (src/store/pace.ts) and retention drops an older raw day (goal ≥ 20 000/s, down by < 20 %); and
 *    while the open day's hourly pass runs, paced (BENCH_LONG_WRITER_SECONDS=0 skips it);
 *  - the snapshot of the open day's 24 hours (≤ 5 s) and `report longitudinal` over the 90 days per day
 *    and per hour, and each longitudinal query (a dashboard panel) over 90 days (≤ 2 s): first from raw
 *    rows only, then once the open day's closed hours are rolled up (window_node_days, as the crawl
 *    keeps them: 0007_open_day.sql).
 * The schema is dropped at the end. BENCH_LONG_KEEP=1 keeps it; BENCH_LONG_SCHEMA=<kept schema> measures
 * again on it without generating the rows (migrates it, re-rolls the rolled day and the open day's
 * hours, keeps it); BENCH_LONG_SECTIONS=1 also times each of the snapshot's queries alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackagedGeo } from '../src/geo/index.js';
import { ReportContext } from '../src/report/context.js';
import { buildReport } from '../src/report/registry.js';
import { loadReportQuery, runReportQuery } from '../src/report/sql.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrations.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { DAY_MS, dayText, rollupDay } from '../src/store/rollup.js';
import { DAY_PARTITION_KEYS } from '../src/store/partitions.js';
import { pruneRaw } from '../src/store/retention.js';
import { clockPauses } from '../src/store/pace.js';
import { systemClock } from '../src/net/clock.js';
import { readServerSettings, RECOMMENDED_SETTINGS, settingsAdvice } from '../src/store/server-settings.js';
import { WRITER_DEFAULTS } from '../src/store/writer.js';
import { rollupOpenHours } from '../src/store/rollup-hours.js';
import { clearNodeDays } from '../src/store/window-node-days.js';
import { fmt, type BenchTable } from './table.js';
import { insertHellos } from './hello-rows.js';
import type { WriterMark } from './crawl-writer.js';
import { CHURN, instExpr, ipExpr, nodeExpr } from './history-ids.js';

const PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DIALS = Number(process.env['BENCH_LONG_DIALS'] ?? 5_000_000);
const NODES = Number(process.env['BENCH_LONG_NODES'] ?? 150_000);
const DAYS = 90;
const RAW_DAYS = 2;
const INSTANCES = 30;
/** End of the history: the last raw day ends here. */
const NOW = Date.UTC(2025, 2, 1);
const MAINNET_GENESIS = 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3';
const RAW_TABLES = ['dials', 'hello_rows', 'statuses', 'disconnects', 'rtts', 'node_sightings', 'discovery_counters', 'discovery_v5_counters'];
const ROLLUP_TABLES = ['rollup_days', 'rollup_dials', 'rollup_clients', 'rollup_discovery', 'rollup_discovery_v5', 'rollup_dial_outcomes', 'rollup_disconnects', 'rollup_day_nodes', 'rollup_rtt'];
/** Length of the writer's measurement alone (its other windows last as long as the maintenance they overlap). */
const WRITER_SECONDS = Number(process.env['BENCH_LONG_WRITER_SECONDS'] ?? 20);
/** A schema kept by an earlier run (BENCH_LONG_KEEP=1) to measure again without generating its rows. */
const REUSE = process.env['BENCH_LONG_SCHEMA'];
/** The queries `report snapshot` runs (src/report/snapshot.ts), timed alone with BENCH_LONG_SECTIONS=1. */
const SNAPSHOT_QUERIES: readonly [string, Record<string, unknown>][] = [
  ['window-nodes', {}], ['disconnects', {}], ['freshness', { genesis: MAINNET_GENESIS }], ['clients', {}], ['latency-nodes', {}],
  ['nonproductive', {}], ['capabilities', {}], ['networks', {}], ['fork-ids', {}], ['discovery-sources', {}],
];
const here = dirname(fileURLToPath(import.meta.url));

/** Longest wait for one answer of the crawl-writer child (its warm-up is the longest: ~70 s of events). */
const CHILD_ANSWER_MS = 600_000;

/**
 * bench/crawl-writer.ts in a child process: a crawl's writer over the history's node IDs of day index k,
 * committing as fast as it can from event time `start`. Resolves once it is warmed up. Every answer
 * has a deadline, and kill() ends the child (the caller's finally: never a child left writing).
 */
async function crawlWriter(schema: string, k: number, start: number): Promise<{ mark(): Promise<WriterMark>; stop(): Promise<Record<string, unknown>>; kill(): void }> {
  const child: ChildProcess = fork(join(here, 'crawl-writer.js'), [PG_URL, schema, String(NODES), String(k), String(start)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting: { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  let failed: Error | null = null;
  child.on('message', (m: Record<string, unknown>) => waiting.shift()?.resolve(m));
  child.on('exit', (code) => {
    failed = new Error(`crawl-writer exited with ${code}`);
    for (const w of waiting.splice(0)) w.reject(failed);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      if (failed) return reject(failed);
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`crawl-writer did not answer within ${CHILD_ANSWER_MS / 1000} s`));
      }, CHILD_ANSWER_MS);
      const done = () => clearTimeout(timer);
      waiting.push({ resolve: (m) => (done(), resolve(m)), reject: (e) => (done(), reject(e)) });
    });
  try {
    await next(); // {ready}
  } catch (err) {
    child.kill();
    throw err;
  }
  return {
    kill: () => void child.kill(),
    async mark() {
      const m = next();
      child.send({ cmd: 'mark' });
      return (await m)['mark'] as WriterMark;
    },
    async stop() {
      const m = next();
      child.send({ cmd: 'stop' });
      return (await m)['done'] as Record<string, unknown>;
    },
  };
}

/**
 * A small old raw day for retention to drop: rows copied from the rolled day, a day earlier (that
 * day's rollups exist: synthesizeRollups), as `--retain-raw` finds the oldest raw day each night.
 */
async function loadOldRawDay(db: Database, fromDay: number): Promise<void> {
  const from = dayText(fromDay).replaceAll('-', '');
  for (const [t, key] of Object.entries(DAY_PARTITION_KEYS)) {
    // A schema kept by an older run may lack a table's partition (e.g. discv5 counters before 0010).
    const [src] = await db.query<{ p: string | null }>(`SELECT to_regclass($1)::text AS p`, [`${t}_${from}`]);
    if (!src?.p) continue;
    await db.query(`SELECT ensure_day_partition($1, $2::date)`, [t, dayText(fromDay - DAY_MS)]);
    await db.exec(`CREATE TEMP TABLE old_rows AS SELECT * FROM ${t}_${from} LIMIT 100000;
      UPDATE old_rows SET ${key} = ${key} - interval '1 day';
      INSERT INTO ${t} SELECT * FROM old_rows ON CONFLICT DO NOTHING;
      DROP TABLE old_rows`);
  }
}

/** Client mix of reachable nodes (by slot): Geth 55 %, Nethermind 20 %, Reth 9 %, Erigon 8 %, Besu 7 %, other 1 %. */
const CLIENT = `(CASE WHEN m < 55 THEN 'Geth/v1.' || (14 + (slot % 3 = 0)::int) || '.' || (slot % 13) || '-stable-' || left(md5(slot::text), 8) || '/linux-amd64/go1.23.4'
  WHEN m < 75 THEN 'Nethermind/v1.' || (29 + slot % 3) || '.' || (slot % 4) || '+' || left(md5(slot::text), 8) || '/linux-x64/dotnet9.0.0'
  WHEN m < 84 THEN 'reth/v1.' || (slot % 3) || '.' || (slot % 5) || '-' || left(md5(slot::text), 7) || '/x86_64-unknown-linux-gnu'
  WHEN m < 92 THEN 'erigon/v2.' || (60 + slot % 2) || '.' || (slot % 4) || '-stable/linux-amd64/go1.22.8'
  WHEN m < 99 THEN 'besu/v24.' || (1 + slot % 12) || '.0/linux-x86_64/openjdk-java-21'
  ELSE 'Nimbus/v0.1.0/linux-amd64/nim' END)`;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

/** Raw rows of day index k (its start dayMs): dials, HELLO/STATUS/DISCONNECT/RTT, sightings, counters. */
async function loadRawDay(db: Database, k: number, dayMs: number): Promise<void> {
  for (const t of RAW_TABLES) await db.query(`SELECT ensure_day_partition($1, $2::date)`, [t, dayText(dayMs)]);
  const chunk = 500_000;
  // Dial g goes to slot g % NODES at an even spread over the day; slots below NODES/10 are reachable.
  const gen = `SELECT g, slot, md5(g::text || ':' || $5::int)::uuid AS dial_id, to_timestamp($3::float8 / 1000) + (g::float8 / $4) * interval '1 day' AS ts,
      ${instExpr(`g % ${INSTANCES}`)} AS inst, ${nodeExpr('slot', '$5::int')} AS node, ${ipExpr('slot')} AS ip, (slot * 37) % 100 AS m,
      CASE WHEN g % 20 = 0 THEN 'inbound' WHEN g % 20 < 10 THEN 'dynamic' ELSE 'static' END AS kind,
      CASE WHEN slot < ${Math.floor(NODES / 10)} THEN CASE WHEN g % 5 = 0 THEN 'disconnect' ELSE 'status' END
           ELSE 'error' END AS outcome
    FROM (SELECT g, ((g::bigint * 7919) % ${NODES})::int AS slot FROM generate_series($1::int, $2::int) g) s`;
  for (let off = 0; off < DIALS; off += chunk) {
    const args = [off, Math.min(off + chunk, DIALS) - 1, dayMs, DIALS, k];
    await db.query(
      `INSERT INTO dials SELECT dial_id, ts, ts + interval '800 ms', inst, kind::dial_kind, node, ip, 30303,
              CASE WHEN outcome = 'error' AND g % 3 = 0 THEN NULL ELSE 40 + g % 160 END, outcome::dial_outcome,
              CASE WHEN outcome = 'error' THEN (ARRAY['timeout', 'connection_refused', 'timeout', 'connection_reset', 'handshake_failed'])[1 + g % 5] END::error_kind,
              CASE WHEN outcome = 'error' THEN 'dial failed' END
         FROM (${gen}) x`,
      args,
    );
    await db.query(
      insertHellos(`SELECT dial_id, ts, inst, node, 5, cid, split_part(cid, '/', 1), split_part(cid, '/', 2), 'linux', 'amd64', split_part(cid, '/', 4),
              '{eth/68,snap/1}', 30303
         FROM (SELECT *, ${CLIENT} AS cid FROM (${gen}) y WHERE outcome = 'status') x`),
      args,
    );
    await db.query(
      `INSERT INTO statuses SELECT dial_id, ts, inst, node, 68, CASE WHEN m < 97 THEN 1 ELSE 11155111 END, NULL,
              decode(md5((floor(extract(epoch FROM ts) / 12))::text) || md5('x'), 'hex'), decode('${MAINNET_GENESIS}', 'hex'), '\\x9f3d2254', 0,
              CASE WHEN m % 50 = 1 THEN 'remote_stale' ELSE 'compatible' END::fork_verdict, 21000000 + floor(extract(epoch FROM ts) / 12), NULL
         FROM (${gen}) x WHERE outcome = 'status'`,
      args,
    );
    // rtt_ms is what reports read (0004_rtt_network.sql: min_ms when there are p2p samples).
    await db.query(
      `INSERT INTO rtts (dial_id, started_at, instance_id, node_id, srtt_ms, min_ms, samples, tcp_connect_ms, rtt_ms, rtt_source)
       SELECT dial_id, ts, inst, node, 20 + g % 200, 15 + g % 200, 3, 20, 15 + g % 200, 'p2p_ping' FROM (${gen}) x WHERE outcome = 'status'`,
      args,
    );
    await db.query(
      `INSERT INTO disconnects SELECT dial_id, ts, 0, inst, node, CASE WHEN outcome = 'status' THEN 'sent' ELSE 'received' END::disconnect_direction,
              CASE WHEN outcome = 'status' THEN 'client_quitting' ELSE 'too_many_peers' END::disconnect_reason, ts + interval '500 ms'
         FROM (${gen}) x WHERE outcome <> 'error'`,
      args,
    );
  }
  await db.query(
    `INSERT INTO node_sightings SELECT $1::date, ${instExpr(`(slot + j * 11) % ${INSTANCES}`)}, ${nodeExpr('slot', '$3::int')},
            $1::date + interval '1 hour', $1::date + interval '23 hours', 12, 'neighbors'
       FROM generate_series(0, $2::int - 1) slot, generate_series(0, 2) j`,
    [dayText(dayMs), NODES, k],
  );
  await db.query(
    `INSERT INTO discovery_counters SELECT m, ${instExpr('g')}, 60, 110, 1500, 3, 40, 38, 70, 25, 4000
       FROM generate_series($1::timestamptz, $1::timestamptz + interval '1 day' - interval '1 minute', interval '1 minute') m, generate_series(0, ${INSTANCES - 1}) g`,
    [new Date(dayMs).toISOString()],
  );
  // discv5 on every instance, every minute (as a crawl without --no-discv5 reports it).
  await db.query(
    `INSERT INTO discovery_v5_counters SELECT m, ${instExpr('g')}, 1, 45, 40, 12, 20, 18, 6, 30, 2, 1200
       FROM generate_series($1::timestamptz, $1::timestamptz + interval '1 day' - interval '1 minute', interval '1 minute') m, generate_series(0, ${INSTANCES - 1}) g`,
    [new Date(dayMs).toISOString()],
  );
  await db.query(
    `INSERT INTO nodes (id, first_seen, last_seen) SELECT ${nodeExpr('slot', '$2::int')}, $1::timestamptz, $1::timestamptz + interval '1 day' - interval '1 second'
       FROM generate_series(0, $3::int - 1) slot
     ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen`,
    [new Date(dayMs).toISOString(), k, NODES],
  );
}

/**
 * The 88 older days as rollups only: copies of a rolled-up day's rows, shifted in time, with the
 * churned share of node IDs replaced (as a crawl with retention on leaves them).
 */
async function synthesizeRollups(db: Database, fromDay: number, days: number): Promise<void> {
  const src = dayText(fromDay);
  for (let i = 1; i <= days; i++) {
    const shift = `interval '${i} days'`;
    await db.query(`INSERT INTO rollup_days SELECT day - ${i}, rolled_at, dials, hellos, statuses, disconnects, sightings, counter_rows, v5_counter_rows FROM rollup_days WHERE day = $1::date`, [src]);
    for (const t of ['rollup_dials', 'rollup_discovery']) {
      const cols = t === 'rollup_dials' ? 'dynamic_dials, static_dials, inbound, nodes_attempted, nodes_responded, hello_nodes, status_nodes' : 'findnode_sent, neighbors_received, nodes_learned, new_nodes, pings_sent, pongs_received, instances';
      await db.query(`INSERT INTO ${t} SELECT width, bucket - ${shift}, ${cols} FROM ${t} WHERE bucket >= $1::date AND bucket < $1::date + 1`, [src]);
    }
    await db.query(`INSERT INTO rollup_discovery_v5 SELECT width, bucket - ${shift}, instance_id, lookups, findnode_sent, nodes_received, records_learned, pings_sent, pongs_received, sessions_in, requests_answered, dropped, table_size
       FROM rollup_discovery_v5 WHERE bucket >= $1::date AND bucket < $1::date + 1`, [src]);
    await db.query(`INSERT INTO rollup_clients SELECT width, bucket - ${shift}, client_name, release, nodes FROM rollup_clients WHERE bucket >= $1::date AND bucket < $1::date + 1`, [src]);
    await db.query(`INSERT INTO rollup_dial_outcomes SELECT day - ${i}, kind, outcome, error_kind, dials, nodes FROM rollup_dial_outcomes WHERE day = $1::date`, [src]);
    await db.query(`INSERT INTO rollup_disconnects SELECT day - ${i}, direction, reason, messages, nodes, connections FROM rollup_disconnects WHERE day = $1::date`, [src]);
    await db.query(`INSERT INTO rollup_rtt SELECT day - ${i}, bucket, nodes FROM rollup_rtt WHERE day = $1::date`, [src]);
    await db.query(
      `INSERT INTO rollup_day_nodes SELECT day - ${i}, CASE WHEN get_byte(node_id, 31) < ${Math.round(CHURN * 256 * Math.min(i, 50))} THEN decode(md5(node_id::text || ${i}) || md5(node_id::text), 'hex') ELSE node_id END,
              stages, ip, client_name, release FROM rollup_day_nodes WHERE day = $1::date`,
      [src],
    );
  }
  await db.exec('ANALYZE');
}

async function relBytes(db: Database, names: string[]): Promise<number> {
  const [r] = await db.query<{ b: string }>(`SELECT coalesce(sum(pg_total_relation_size(to_regclass(n))), 0)::text AS b FROM unnest($1::text[]) n`, [names]);
  return Number(r!.b);
}

export default async function run(): Promise<BenchTable[]> {
  if (REUSE !== undefined && !/^nf_bench_longitudinal_\d+$/.test(REUSE)) throw new Error(`BENCH_LONG_SCHEMA: not a kept schema name: ${REUSE}`);
  const schema = REUSE ?? `nf_bench_longitudinal_${process.pid}`;
  let db: Database;
  try {
    db = await openPostgres(PG_URL, { schema, connectTimeoutMs: 3000, queryTimeoutMs: 1_800_000 });
  } catch (err) {
    return [{ title: 'Longitudinal (months of mainnet)', columns: ['skipped'], rows: [[`Postgres unreachable at ${PG_URL}: ${(err as Error).message}`]] }];
  }
  const say = (s: string) => process.stderr.write(`longitudinal bench: ${s}\n`);
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  /** The crawl-writer child, ended in the finally below whatever failed (it must not outlive its schema). */
  let writerChild: { kill(): void } | undefined;
  try {
    await migrate(db);
    // The server's memory and WAL settings decide the writer's rate (README "Postgres for a mainnet crawl").
    const settings = await db.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`,
      [Object.keys(RECOMMENDED_SETTINGS)],
    );
    const advice = settingsAdvice(await readServerSettings(db));
    notes.push(
      `Server settings: ${settings.map((r) => `${r.name} ${r.setting}`).join(', ')}.` +
        (advice ? ` Below what a mainnet crawl's writer was measured with (README "Running against mainnet"): ${advice.replace(/^postgres: /, '')}.` : ''),
    );
    say(notes[0]!);
    const first = NOW - DAYS * DAY_MS;
    const rolledDay = NOW - RAW_DAYS * DAY_MS; // raw, then rolled up (measured)
    const openDay = NOW - DAY_MS; // raw: the snapshot's window and the longitudinal report's raw part
    const [, loadMs] = await time(async () => {
      if (REUSE !== undefined) {
        // The kept open day as a crawl would leave it before its first hourly pass.
        await db.query(`DELETE FROM rollup_open_hours WHERE day = $1::date`, [dayText(openDay)]);
        await clearNodeDays(db, dayText(openDay));
        return;
      }
      await loadRawDay(db, DAYS - 2, rolledDay);
      await loadRawDay(db, DAYS - 1, openDay);
      await db.exec('ANALYZE');
    });
    say(`raw days loaded in ${fmt(loadMs / 1000, 1)} s`);
    const suffix = dayText(openDay).replaceAll('-', '');
    const perTable = await Promise.all(RAW_TABLES.map(async (t) => [t, await relBytes(db, [`${t}_${suffix}`])] as const));
    const rawDayBytes = perTable.reduce((s, [, b]) => s + b, 0);
    const [counts] = await db.query<{ dials: number; hellos: number }>(
      `SELECT (SELECT count(*) FROM dials_${suffix})::int AS dials, (SELECT count(*) FROM hello_rows_${suffix})::int AS hellos`,
    );
    const [, rollupMs] = await time(() => rollupDay(db, rolledDay, process.env['BENCH_LONG_STEPS'] === '1' ? { onStep: (step, ms) => say(`  rollup step ${step}: ${fmt(ms)} ms`) } : {}));
    rows.push(['roll up one day', `${fmt(counts!.dials)} dials`, fmt(rollupMs), rollupMs <= 60_000 ? 'ok (≤ 60 s)' : 'OVER 60 s']);
    say(`rollup of one day ${fmt(rollupMs)} ms`);
    const oneDayRollup = await relBytes(db, ROLLUP_TABLES);
    const [, synthMs] = await time(async () => (REUSE === undefined ? synthesizeRollups(db, rolledDay, DAYS - RAW_DAYS) : undefined));
    say(`88 days of rollups synthesized in ${fmt(synthMs / 1000, 1)} s`);
    const rollupBytes = await relBytes(db, ROLLUP_TABLES);
    const totalBytes = await relBytes(
      db,
      (await db.query<{ n: string }>(`SELECT c.relname AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relkind = 'r'`)).map((r) => r.n),
    );

    const geo = loadPackagedGeo();
    const ctx = (since: number, bucket: 'hour' | 'day' = 'day') => new ReportContext(db, { since, until: NOW, generatedAt: NOW, geo, bucket });
    await buildReport('longitudinal', ctx(first)); // warm plans and caches once
    const measure = async (phase: string) => {
      for (const [label, name, make, goal] of [
        ['snapshot (24 h)', 'snapshot', () => ctx(openDay), 5000],
        ['longitudinal 90 days, per day', 'longitudinal', () => ctx(first), 2000],
        ['longitudinal 90 days, per hour', 'longitudinal', () => ctx(first, 'hour'), 2000],
      ] as const) {
        const [, ms] = await time(() => buildReport(name, make()));
        rows.push([`${label}, ${phase}`, name === 'snapshot' ? `${fmt(counts!.dials)} dials` : `${DAYS} days`, fmt(ms), ms <= goal ? `ok (≤ ${goal / 1000} s)` : `OVER ${goal / 1000} s`]);
        say(`${label}, ${phase}: ${fmt(ms)} ms`);
      }
      if (process.env['BENCH_LONG_SECTIONS'] !== '1') return;
      const c = ctx(openDay);
      const [, exMs] = await time(() => c.exclusion());
      const parts = [`abusive-ips ${fmt(exMs)}`];
      for (const [name, args] of SNAPSHOT_QUERIES) {
        const excluding = loadReportQuery(name).params.some((q) => q.name === 'excluded');
        const [, ms] = await time(() => (excluding ? c.queryExcluding(name, args) : c.query(name, args)));
        parts.push(`${name} ${fmt(ms)}`);
      }
      say(`snapshot queries alone (ms), ${phase}: ${parts.join(', ')}`);
    };
    await measure('raw open day');
    // The crawl rolls up the open day's closed hours as they close (hour rows and window_node_days).
    const [hours, hoursMs] = await time(() => rollupOpenHours(db, NOW - 60_000));
    rows.push([`roll up ${hours} closed hours of the open day`, `${fmt(counts!.dials)} dials`, fmt(hoursMs), '']);
    say(`open hours ${fmt(hoursMs)} ms`);
    const nodeDayBytes = await relBytes(db, ['window_node_days', 'window_node_day_marks']);
    const sectionDayBytes = await relBytes(db, ['window_hello_days', 'window_cap_days', 'window_status_days', 'window_disconnect_days', 'window_disconnect_hours']);
    await measure('open hours rolled');
    // Each longitudinal query alone over 90 days, per day: what a dashboard panel runs.
    for (const q of ['longitudinal-dials', 'longitudinal-clients', 'longitudinal-discovery', 'longitudinal-new-nodes', 'longitudinal-rtt']) {
      const window = { since: new Date(first).toISOString(), until: new Date(NOW).toISOString() };
      const [, ms] = await time(() => runReportQuery(db, q, q === 'longitudinal-rtt' ? window : { ...window, bucket: '1 day' }));
      rows.push([`panel ${q}, 90 days per day`, `${DAYS} days`, fmt(ms), ms <= 2000 ? 'ok (≤ 2 s)' : 'OVER 2 s']);
    }
    const [, onlyRolledMs] = await time(() => buildReport('longitudinal', new ReportContext(db, { since: first, until: openDay, generatedAt: NOW, geo })));
    rows.push(['longitudinal 88 rolled days only, per day', `${DAYS - RAW_DAYS} days`, fmt(onlyRolledMs), onlyRolledMs <= 2000 ? 'ok (≤ 2 s)' : 'OVER 2 s']);
    // The crawl's writer (events/s it commits) alone, while a closed day is rolled up and retention
    // drops the oldest raw day, and while the open day's hourly pass runs — as startMaintenance does.
    if (WRITER_SECONDS > 0) {
      const w = await crawlWriter(schema, DAYS - 1, NOW - 3_600_000);
      writerChild = w;
      const window = async (fn: () => Promise<unknown>): Promise<{ rate: number; ms: number; cpu: number }> => {
        const a = await w.mark();
        const [, ms] = await time(fn);
        const b = await w.mark();
        return { rate: ((b.written - a.written) * 1000) / (b.ms - a.ms), ms, cpu: (b.cpuMs - a.cpuMs) / (b.ms - a.ms) };
      };
      const idle = () => window(() => new Promise((r) => setTimeout(r, WRITER_SECONDS * 1000)));
      const before = await idle();
      // Paced as the crawl's maintenance paces them (src/store/pace.ts); `db rollup` by hand is not.
      const pause = clockPauses(systemClock, 1, new AbortController().signal)!;
      const unpaced = await window(() => rollupDay(db, rolledDay));
      await loadOldRawDay(db, rolledDay);
      let dropped = 0;
      const pruneErrors: string[] = [];
      const rolling = await window(async () => {
        await rollupDay(db, rolledDay, { pause });
        // The crawl's maintenance retries a failed pass at its next tick; here at once (and says so).
        for (let attempt = 0; attempt < 3 && dropped === 0; attempt++) {
          try {
            dropped = (await pruneRaw(db, rolledDay)).dropped.length;
          } catch (err) {
            pruneErrors.push((err as Error).message);
          }
        }
      });
      // The open day's hours as after a restart (all 23 closed hours at once: the heaviest pass).
      await db.query(`DELETE FROM rollup_open_hours WHERE day = $1::date`, [dayText(openDay)]);
      await clearNodeDays(db, dayText(openDay));
      const hourly = await window(() => rollupOpenHours(db, NOW - 60_000, { pause }));
      // Alone again: the writer's own rate drifts as the open day grows, so the baseline is both ends' mean.
      const after = await idle();
      const alone = { rate: (before.rate + after.rate) / 2, cpu: (before.cpu + after.cpu) / 2 };
      const final = await w.stop();
      const change = (r: number) => {
        const c = (r / alone.rate - 1) * 100;
        return `${c >= 0 ? '+' : ''}${fmt(c, 1)} % ${c > -20 ? 'ok (> −20 %)' : 'OVER −20 %'}`;
      };
      const goal = (r: number) => (r >= 20_000 ? 'ok (≥ 20 000/s)' : 'UNDER 20 000/s');
      rows.push(
        ['crawl writer alone (events/s): mean of before and after the maintenance below', `2 × ${WRITER_SECONDS} s`, `${fmt(alone.rate)} (${fmt(before.rate)}, ${fmt(after.rate)})`, goal(alone.rate)],
        ['roll up one day at full speed (db rollup) while the writer commits', `${fmt(counts!.dials)} dials`, fmt(unpaced.ms), unpaced.ms <= 60_000 ? 'ok (≤ 60 s)' : 'OVER 60 s'],
        ['crawl writer during that full-speed rollup (events/s)', `${fmt(unpaced.ms / 1000, 1)} s`, fmt(unpaced.rate), `${goal(unpaced.rate)}, ${change(unpaced.rate)}`],
        ["roll up one day + retention (drop 1 raw day), paced as the crawl's maintenance, while the writer commits", `${fmt(counts!.dials)} dials`, fmt(rolling.ms), rolling.ms <= 60_000 ? 'ok (≤ 60 s)' : 'OVER 60 s'],
        ['crawl writer during that rollup + retention (events/s)', `${fmt(rolling.ms / 1000, 1)} s`, fmt(rolling.rate), `${goal(rolling.rate)}, ${change(rolling.rate)}`],
        ['hourly pass (23 closed hours), paced, while the writer commits', `${fmt(counts!.dials)} dials`, fmt(hourly.ms), ''],
        ['crawl writer during the hourly pass (events/s)', `${fmt(hourly.ms / 1000, 1)} s`, fmt(hourly.rate), `${goal(hourly.rate)}, ${change(hourly.rate)}`],
      );
      if (dropped !== 1) throw new Error(`retention dropped ${dropped} raw days, expected 1`);
      notes.push(
        `Crawl writer (bench/crawl-writer.ts): the realistic crawl mix of bench/store.bench.ts over this history's ${fmt(NODES)} node IDs, fed by write() with the writer's defaults (batches of ${fmt(WRITER_DEFAULTS.batchSize)}, ${fmt(WRITER_DEFAULTS.flushIntervalMs / 1000)} s flush timer, last_seen refreshed every ${fmt(WRITER_DEFAULTS.lastSeenRefreshMs / 1000)} s per node), event time at 20 000 events/s, warmed up for 70 s of event time first. ` +
          `Its CPU: ${fmt(alone.cpu * 100)} % of a core alone, ${fmt(unpaced.cpu * 100)} % during the full-speed rollup, ${fmt(rolling.cpu * 100)} % during the paced rollup + retention, ${fmt(hourly.cpu * 100)} % during the hourly pass. ` +
          `Events written ${fmt(Number(final['written']))}, dropped ${fmt(Number(final['dropped']))}, rejected ${fmt(Number(final['rejected']))}; failed commits (retried) ${fmt(Number(final['failures']))}${final['lastError'] ? ` (last: ${String(final['lastError'])})` : ''}.` +
          (pruneErrors.length ? ` Retention failed ${pruneErrors.length}× and was retried: ${pruneErrors.join('; ')}.` : ''),
      );
      say(`crawl writer alone ${fmt(alone.rate)}/s (before ${fmt(before.rate)}, after ${fmt(after.rate)}), during a full-speed rollup ${fmt(unpaced.rate)}/s (${fmt(unpaced.ms)} ms), during paced rollup+retention ${fmt(rolling.rate)}/s (${fmt(rolling.ms)} ms), during hourly pass ${fmt(hourly.rate)}/s (${fmt(hourly.ms)} ms)`);
    }
    const mb = (b: number) => fmt(b / 1e6, 1);
    notes.push(
      `Synthetic history: ${fmt(DIALS)} dials a day to ${fmt(NODES)} node IDs (${CHURN * 100} % new each day), ${INSTANCES} instances; ${fmt(counts!.hellos)} HELLOs a day. Raw days loaded in ${fmt(loadMs / 1000, 1)} s.`,
      `Raw day on disk (tables + indexes): ${mb(rawDayBytes)} MB = ${fmt(rawDayBytes / counts!.dials)} bytes per dial (${perTable.map(([t, b]) => `${t} ${mb(b)}`).join(', ')}).`,
      `window_node_days: ${mb(nodeDayBytes)} MB for the two raw days (kept while their raw rows are); the HELLO/STATUS/DISCONNECT rows (0008): ${mb(sectionDayBytes)} MB.`,
      `Rollups: one day ${mb(oneDayRollup)} MB (rollup_day_nodes nearly all of it); ${DAYS - RAW_DAYS + 1} days ${mb(rollupBytes)} MB. Whole schema: ${mb(totalBytes)} MB.`,
      'The last day is the open day (not rolled up): "raw open day" reads its raw rows; "open hours rolled" its window_node_days and hour rows up to 23:00 and raw rows of the last hour, as a crawl leaves it. No crawl was writing during the report measurements.',
    );
  } finally {
    writerChild?.kill();
    // BENCH_LONG_KEEP=1 keeps the schema for EXPLAIN (drop it by hand afterwards).
    if (process.env['BENCH_LONG_KEEP'] !== '1' && REUSE === undefined) await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    else say(`kept schema ${schema}`);
    await db.close();
  }
  return [{ title: 'Months of mainnet: rollups, snapshot and longitudinal (Postgres)', columns: ['operation', 'data', 'ms', 'goal'], rows, notes }];
}
