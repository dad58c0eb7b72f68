/**
 * Report benchmarks (`npm run bench -- reports`):
 *  1. every `nodefinder report <name>` over one million dial rows (three days, 200 000 node IDs, 8
 *     instances, HELLO/STATUS/RTT on a third, DISCONNECT on a sixth, sightings, counters, an abusive
 *     IP), on a real Postgres (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
 *     skipped if unreachable) and on the embedded engine with 100 000 dials. Goal: ≤ 5 s per report.
 *     BENCH_REPORT_DIALS / BENCH_REPORT_NODES change the shape; BENCH_REPORT_ENGINES=postgres skips PGlite.
 *  2. loading the packaged IP → country/ASN tables (time, memory) and lookups per second.
 * Each run uses its own schema (Postgres) or an in-memory database (PGlite) and leaves nothing behind.
 */
import { PGlite } from '@electric-sql/pglite';
import { loadPackagedGeo } from '../src/geo/index.js';
import { ReportContext } from '../src/report/context.js';
import { buildReport, REPORT_NAMES } from '../src/report/registry.js';
import { utcDay } from '../src/store/partitions.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrations.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { wrapPglite } from '../src/store/pglite-adapter.js';
import { fmt, opsPerSecond, type BenchTable } from './table.js';
import { insertHellos } from './hello-rows.js';

const PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;
/** "Now" for generated data: the end of the third day. */
export const NOW = Date.UTC(2024, 5, 3, 0, 0, 0);
/** Distinct node IDs the dials go to (BENCH_REPORT_NODES): report cost grows with it, not with dials. */
const NODES = Number(process.env['BENCH_REPORT_NODES'] ?? 200_000);
const INSTANCES = 8;
const MAINNET_GENESIS = 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3';

/**
 * Fill every table the reports read, straight from generate_series (the writer's own speed is
 * bench/store's subject). Node i: ID md5(i)‖md5(i), IP 1.x.y.z from i, except every 1000th node on
 * one IP (45.10.20.30: 200 IDs, an abusive IP). Rows only: nothing is contacted.
 * Dial row g: node g % NODES, instance g % 8, time spread evenly over three days; g % 3 = 0 → HELLO + STATUS + RTT; g % 6 = 1 → too_many_peers; else timeout.
 */
export async function load(db: Database, dials: number): Promise<number> {
  const t0 = performance.now();
  const nodes = Math.min(NODES, Math.max(1000, Math.floor(dials / 5)));
  for (let d = 3; d >= 1; d--) {
    for (const t of ['dials', 'hello_rows', 'statuses', 'disconnects', 'rtts', 'node_sightings', 'discovery_counters']) {
      await db.query(`SELECT ensure_day_partition($1, $2::date)`, [t, utcDay(NOW - d * DAY)]);
    }
  }
  const nodeId = (i: string) => `decode(md5((${i})::text) || md5((${i})::text), 'hex')`;
  const nodeIp = (i: string) => `(CASE WHEN (${i}) % 1000 = 7 THEN '45.10.20.30' ELSE '1.' || (((${i}) >> 16) & 255) || '.' || (((${i}) >> 8) & 255) || '.' || ((${i}) & 255) END)::inet`;
  const inst = (i: string) => `decode(lpad(to_hex(${i}), 64, '0'), 'hex')`;
  await db.query(
    `INSERT INTO instances SELECT ${inst('g')}, ${inst('g')} || ${inst('g')}, $1::timestamptz, $1::timestamptz FROM generate_series(0, ${INSTANCES - 1}) g`,
    [new Date(NOW - 3 * DAY)],
  );
  await db.query(
    `INSERT INTO instance_runs SELECT ${inst('g')}, $1::timestamptz, NULL, '10.0.0.' || (g % 2 + 1), 30303 + g, 30303 + g, 'mainnet', 'bench' FROM generate_series(0, ${INSTANCES - 1}) g`,
    [new Date(NOW - 3 * DAY)],
  );
  await db.query(
    `INSERT INTO nodes (id, public_key, first_seen, last_seen)
     SELECT ${nodeId('i')}, NULL, to_timestamp($1::float8 / 1000) - (i::float8 / $2) * interval '3 days', to_timestamp($1::float8 / 1000) - interval '1 hour'
       FROM generate_series(0, $2::int - 1) i`,
    [NOW, nodes],
  );
  await db.query(
    `INSERT INTO addresses SELECT ${nodeId('i')}, ${nodeIp('i')}, 30303, 30303, now() - interval '10 years', to_timestamp($1::float8 / 1000) - interval '1 hour', 'neighbors', 'neighbors'
       FROM generate_series(0, $2::int - 1) i`,
    [NOW, nodes],
  );
  // sightings: every node by one instance per day, and by a second instance on two days in three
  for (let d = 1; d <= 3; d++) {
    await db.query(
      `INSERT INTO node_sightings
       SELECT $1::date, ${inst('k.inst')}, ${nodeId('i')}, $1::date + interval '6 hours', $1::date + interval '18 hours', 2, 'neighbors'
         FROM generate_series(0, $2::int - 1) i, LATERAL (VALUES (i % ${INSTANCES}), ((i * 7 + 3) % ${INSTANCES})) k(inst)
        WHERE k.inst = i % ${INSTANCES} OR ((i + $3::int) % 3 <> 0 AND (i * 7 + 3) % ${INSTANCES} <> i % ${INSTANCES})`,
      [utcDay(NOW - d * DAY), nodes, d],
    );
  }
  await db.query(
    `INSERT INTO discovery_counters
     SELECT m, ${inst('g')}, 100, 180, 2400, 30, 50, 45, 60, 20, 2000
       FROM generate_series(to_timestamp($1::float8 / 1000) - interval '3 days', to_timestamp($1::float8 / 1000) - interval '1 minute', interval '1 minute') m,
            generate_series(0, ${INSTANCES - 1}) g`,
    [NOW],
  );
  const chunk = 250_000;
  const gen = `SELECT g, md5(g::text)::uuid AS dial_id, to_timestamp($3::float8 / 1000) - ((g + 1)::float8 / $4) * interval '3 days' AS ts,
                      ${inst(`g % ${INSTANCES}`)} AS inst, ${nodeId(`g % ${nodes}`)} AS node, ${nodeIp(`g % ${nodes}`)} AS ip,
                      CASE WHEN g % 10 < 7 THEN 'dynamic' WHEN g % 10 < 9 THEN 'static' ELSE 'inbound' END AS kind
                 FROM generate_series($1::int, $2::int) g`;
  for (let off = 0; off < dials; off += chunk) {
    const range = [off, Math.min(off + chunk, dials) - 1, NOW, dials];
    await db.query(
      `INSERT INTO dials SELECT dial_id, ts, ts + interval '300 ms', inst, kind::dial_kind, node, ip, 30303, 40,
              CASE WHEN g % 3 = 0 THEN 'status' WHEN g % 6 = 1 THEN 'disconnect' ELSE 'error' END::dial_outcome,
              CASE WHEN g % 3 = 0 OR g % 6 = 1 THEN NULL ELSE 'timeout' END::error_kind, NULL
         FROM (${gen}) s`,
      range,
    );
    await db.query(
      insertHellos(`SELECT dial_id, ts, inst, node, 5, 'x', (ARRAY['Geth', 'Geth', 'Geth', 'Nethermind', 'erigon', 'besu', 'Reth'])[1 + get_byte(node, 0) % 7],
              'v1.' || (10 + get_byte(node, 1) % 5) || '.' || (get_byte(node, 2) % 12) || '-stable', 'linux', 'amd64', 'go1.22', '{eth/68,snap/1}', 30303
         FROM (${gen}) s WHERE g % 3 = 0`),
      range,
    );
    await db.query(
      `INSERT INTO statuses SELECT dial_id, ts, inst, node, 68, CASE WHEN get_byte(node, 3) < 240 THEN 1 ELSE 11155111 END, NULL,
              decode(md5((floor(extract(epoch FROM ts) / 12))::text) || md5('x'), 'hex'), decode('${MAINNET_GENESIS}', 'hex'), '\\x9f3d2254', 0,
              CASE WHEN get_byte(node, 4) < 250 THEN 'compatible' ELSE 'remote_stale' END::fork_verdict,
              CASE WHEN g % 2 = 0 THEN 19000000 + floor(extract(epoch FROM ts) / 12) - get_byte(node, 5) % 4 END, NULL
         FROM (${gen}) s WHERE g % 3 = 0`,
      range,
    );
    await db.query(
      `INSERT INTO rtts (dial_id, started_at, instance_id, node_id, srtt_ms, min_ms, samples, tcp_connect_ms, disc_ping_ms, rtt_ms, rtt_source, handshake_ms, status_ms)
       SELECT dial_id, ts, inst, node, 20 + g % 200, 15 + g % 200, 8, 20, NULL, 15 + g % 200, 'p2p_ping', 60 + g % 300, 40 + g % 300 FROM (${gen}) s WHERE g % 3 = 0`,
      range,
    );
    await db.query(
      `INSERT INTO disconnects SELECT dial_id, ts, 0, inst, node, 'received', 'too_many_peers', ts + interval '100 ms' FROM (${gen}) s WHERE g % 6 = 1`,
      range,
    );
  }
  await db.exec('ANALYZE');
  return (performance.now() - t0) / 1000;
}

interface BenchDb {
  name: string;
  dials: number;
  db: Database;
  dispose(): Promise<void>;
}

async function postgres(): Promise<BenchDb | string> {
  const schema = `nf_bench_reports_${process.pid}`;
  let db: Database;
  try {
    db = await openPostgres(PG_URL, { schema, connectTimeoutMs: 3000, queryTimeoutMs: 300_000 });
  } catch (err) {
    return `Postgres unreachable at ${PG_URL} (${(err as Error).message}): skipped`;
  }
  return {
    name: 'Postgres',
    dials: Number(process.env['BENCH_REPORT_DIALS'] ?? 1_000_000),
    db,
    async dispose() {
      await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await db.close();
    },
  };
}

async function pglite(): Promise<BenchDb | string> {
  const instance = await PGlite.create({ dataDir: 'memory://', parsers: { 20: (v: string) => BigInt(v) } });
  const db = await wrapPglite(instance, { owns: true });
  return { name: 'PGlite', dials: 100_000, db, dispose: () => db.close() };
}

export default async function run(): Promise<BenchTable[]> {
  const tables: BenchTable[] = [];
  // --- geo ---
  const heapBefore = process.memoryUsage();
  const g0 = performance.now();
  const geo = loadPackagedGeo();
  const loadMs = performance.now() - g0;
  const heapAfter = process.memoryUsage();
  const stats = geo.stats();
  const ips = Array.from({ length: 4096 }, (_, i) => `${1 + ((i * 2654435761) >>> 24) % 223}.${(i * 40503) & 255}.${(i * 7) & 255}.${i & 255}`);
  let k = 0;
  const lookups = opsPerSecond(() => void geo.lookup(ips[k++ & 4095]!), 1000);
  tables.push({
    title: 'Reports: offline IP → country/ASN tables (@ip-location-db)',
    columns: ['ranges (country v4/v6, ASN v4/v6)', 'load (ms)', 'typed arrays (MB)', 'heap + buffers growth (MB)', 'lookups/s'],
    rows: [[
      `${fmt(stats.countryV4)} / ${fmt(stats.countryV6)} / ${fmt(stats.asnV4)} / ${fmt(stats.asnV6)}`,
      fmt(loadMs),
      fmt(stats.tableBytes / 1e6, 1),
      fmt((heapAfter.heapUsed + heapAfter.arrayBuffers - heapBefore.heapUsed - heapBefore.arrayBuffers) / 1e6, 1),
      fmt(lookups),
    ]],
    notes: ['Loaded once per process on the first lookup (countries, asns, latency, abusive and snapshot reports).'],
  });

  // --- reports ---
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const engines = process.env['BENCH_REPORT_ENGINES'] === 'postgres' ? [postgres] : [postgres, pglite];
  for (const open of engines) {
    const e = await open();
    if (typeof e === 'string') {
      notes.push(e);
      continue;
    }
    try {
      await migrate(e.db);
      const loadS = await load(e.db, e.dials);
      notes.push(`${e.name}: ${fmt(e.dials)} dials to ${fmt(Math.min(NODES, Math.max(1000, Math.floor(e.dials / 5))))} node IDs, with the related rows, loaded in ${fmt(loadS, 1)} s.`);
      process.stderr.write(`reports bench: ${e.name} loaded in ${fmt(loadS, 1)} s\n`);
      const ctx = (name: string, bucket: 'hour' | 'day' = 'day') =>
        new ReportContext(e.db, { since: name === 'longitudinal' ? NOW - 3 * DAY : NOW - DAY, until: NOW, generatedAt: NOW, geo, bucket });
      await buildReport('snapshot', ctx('snapshot')); // warm caches and plans once
      const runs: [string, () => ReportContext][] = [
        ...REPORT_NAMES.map((name): [string, () => ReportContext] => [name, () => ctx(name)]),
        ['longitudinal (per hour)', () => ctx('longitudinal', 'hour')],
      ];
      for (const [label, make] of runs) {
        const name = label.split(' ')[0] as (typeof REPORT_NAMES)[number];
        const t0 = performance.now();
        const report = await buildReport(name, make());
        const ms = performance.now() - t0;
        rows.push([e.name, fmt(e.dials), label, fmt(ms), report.sections.length, ms <= 5000 ? 'ok' : 'OVER 5 s']);
        process.stderr.write(`reports bench: ${e.name} ${label} ${fmt(ms)} ms\n`);
      }
    } finally {
      await e.dispose();
    }
  }
  tables.push({
    title: 'Reports over day-partitioned dials (24-hour window; longitudinal: all 3 days)',
    columns: ['engine', 'dials', 'report', 'ms', 'sections', 'goal ≤ 5 s'],
    rows,
    notes: [
      'Each report with a fresh context (no shared query results). Every node ID is active every day and a third of the dials complete STATUS, so a day window holds every node ID.',
      ...notes,
    ],
  });
  return tables;
}
