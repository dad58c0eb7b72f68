/**
 * Storage benchmarks (`npm run bench -- store`):
 *  1. sustained ingest through the batched writer, in events/s, against one transaction per event —
 *     on a real Postgres (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; skipped
 *     if unreachable) and on the embedded engine (PGlite);
 *  2. how multi-row inserts are built: `unnest($1::text[], …)` vs multi-row VALUES vs one INSERT per
 *     row (the writer uses unnest: see the numbers);
 *  3. the 24-hour snapshot queries over one million dial rows spread over three days.
 * Each run uses its own schema (Postgres) or an in-memory database (PGlite) and leaves nothing behind.
 * STORE_BENCH_ONLY=ingest runs only the first table.
 */
import { PGlite } from '@electric-sql/pglite';
import { randomBytes } from '../src/crypto/index.js';
import { bytesToHex } from '../src/util/bytes.js';
import type { CrawlerEvent, DialEvent } from '../src/events.js';
import { crawlEvents, dialEvent, EVENT_RATE, makeNodes } from './crawl-events.js';
import { Rng } from '../src/util/rng.js';
import type { Database } from '../src/store/database.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { wrapPglite } from '../src/store/pglite-adapter.js';
import { migrate } from '../src/store/migrations.js';
import { EventWriter } from '../src/store/writer.js';
import { utcDay } from '../src/store/partitions.js';
import { fmt, type BenchTable } from './table.js';
import { insertHellos } from './hello-rows.js';

/** Generated rows' address (stored only; the bench contacts nothing). */
const STORED_IP = '10.0.0.1';
const PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;
/** "Now" for generated data: the end of the third day. */
const NOW = Date.UTC(2024, 5, 3, 0, 0, 0);

// --- engines -------------------------------------------------------------------------------------

interface BenchDb {
  name: string;
  db: Database;
  dispose(): Promise<void>;
}

async function postgres(): Promise<BenchDb | string> {
  const schema = `nf_bench_${process.pid}`;
  let db: Database;
  try {
    db = await openPostgres(PG_URL, { schema, connectTimeoutMs: 3000, queryTimeoutMs: 120_000 });
  } catch (err) {
    return `Postgres unreachable at ${PG_URL} (${(err as Error).message}): skipped`;
  }
  await migrate(db);
  return {
    name: 'Postgres',
    db,
    async dispose() {
      await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
      await db.close();
    },
  };
}

async function pglite(): Promise<BenchDb> {
  const pg = await PGlite.create({ dataDir: 'memory://', parsers: { 20: (v: string) => BigInt(v) } });
  const db = await wrapPglite(pg, { owns: true, description: 'memory://' });
  await migrate(db);
  return { name: 'PGlite', db, dispose: () => db.close() };
}

// --- 1. ingest -----------------------------------------------------------------------------------

/**
 * Sustained ingest: a warm-up stretch of the same crawl first (the nodes exist, the writer's caches
 * are filled, as after the first minutes of a crawl), then the timed stretch.
 */
async function ingest(db: Database, warmUp: CrawlerEvent[], events: CrawlerEvent[], batchSize: number): Promise<number> {
  const writer = await EventWriter.open(db, { journalDir: null, batchSize, maxBufferedEvents: events.length + warmUp.length + 2 * batchSize });
  writer.writeMany(warmUp);
  await writer.flush();
  const t0 = performance.now();
  writer.writeMany(events);
  const ok = await writer.flush();
  const secs = (performance.now() - t0) / 1000;
  const s = await writer.close();
  if (!ok || s.written !== events.length + warmUp.length) throw new Error(`ingest incomplete: ${JSON.stringify(s)}`);
  return events.length / secs;
}

// --- 2. statement shapes -------------------------------------------------------------------------

const DIAL_COLUMNS = '(dial_id, started_at, ended_at, instance_id, kind, node_id, ip, tcp_port, connect_ms, outcome, error_kind, error_message)';

function dialRow(d: DialEvent): unknown[] {
  return [d.dialId, d.startedAt, d.endedAt, d.instance, d.kind, d.nodeId, d.ip, d.tcpPort, d.connectMs, d.outcome, d.errorKind, d.errorMessage];
}

const ROW_EXPR = (p: (i: number) => string) =>
  `(${p(0)}::uuid, to_timestamp(${p(1)}::float8 / 1000), to_timestamp(${p(2)}::float8 / 1000), decode(${p(3)}, 'hex'), ${p(4)}::dial_kind, decode(${p(5)}, 'hex'), ${p(6)}::inet, ${p(7)}::int4, ${p(8)}::float4, ${p(9)}::dial_outcome, ${p(10)}::error_kind, ${p(11)})`;

async function insertUnnest(db: Database, dials: DialEvent[]): Promise<void> {
  const rows = dials.map(dialRow);
  const col = (i: number) => rows.map((r) => r[i]);
  await db.query(
    `INSERT INTO dials ${DIAL_COLUMNS} SELECT ${ROW_EXPR((i) => `u.c${i}`).slice(1, -1)}
       FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int4[], $9::float4[], $10::text[], $11::text[], $12::text[])
         AS u(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11)`,
    Array.from({ length: 12 }, (_, i) => col(i)),
  );
}

async function insertValues(db: Database, dials: DialEvent[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = dials.map((d) => {
    const base = params.length;
    params.push(...dialRow(d));
    return ROW_EXPR((i) => `$${base + i + 1}`);
  });
  await db.query(`INSERT INTO dials ${DIAL_COLUMNS} VALUES ${tuples.join(',')}`, params);
}

async function insertOneByOne(db: Database, dials: DialEvent[]): Promise<void> {
  for (const d of dials) await db.query(`INSERT INTO dials ${DIAL_COLUMNS} VALUES ${ROW_EXPR((i) => `$${i + 1}`)}`, dialRow(d));
}

async function rowsPerSecond(db: Database, n: number, chunk: number, fn: (db: Database, dials: DialEvent[]) => Promise<void>): Promise<number> {
  const rng = new Rng(5);
  const nodes = makeNodes(1000);
  const inst = bytesToHex(randomBytes(32));
  const dials = Array.from({ length: n }, (_, i) => dialEvent(rng, inst, nodes[i % nodes.length]!, NOW - DAY + i));
  await db.query(`SELECT ensure_day_partition('dials', $1::date)`, [utcDay(NOW - DAY)]);
  const t0 = performance.now();
  for (let i = 0; i < n; i += chunk) await fn(db, dials.slice(i, i + chunk));
  return n / ((performance.now() - t0) / 1000);
}

// --- 3. one million dials, 24-hour snapshot ------------------------------------------------------

const SNAPSHOT_QUERIES: [string, string][] = [
  ['distinct nodes dialed, last 24 h', `SELECT count(DISTINCT node_id) FROM dials WHERE started_at >= $1`],
  ['distinct nodes with HELLO, last 24 h', `SELECT count(DISTINCT node_id) FROM hellos WHERE started_at >= $1`],
  ['distinct mainnet nodes (STATUS), last 24 h', `SELECT count(DISTINCT node_id) FROM statuses WHERE started_at >= $1 AND network_id = 1`],
  ['clients by name, last 24 h', `SELECT client_name, count(DISTINCT node_id) FROM hellos WHERE started_at >= $1 GROUP BY 1 ORDER BY 2 DESC`],
  ['error kinds, last 24 h', `SELECT error_kind, count(*) FROM dials WHERE started_at >= $1 AND outcome = 'error' GROUP BY 1`],
];

async function loadDials(db: Database, total: number): Promise<number> {
  await db.exec('TRUNCATE dials, hello_rows, statuses');
  for (let d = 3; d >= 1; d--) {
    for (const t of ['dials', 'hello_rows', 'statuses']) await db.query(`SELECT ensure_day_partition($1, $2::date)`, [t, utcDay(NOW - d * DAY)]);
  }
  const t0 = performance.now();
  const chunk = 250_000;
  // 1 M dials over three days to 200 000 distinct nodes; a third completed HELLO and STATUS. Each
  // table is filled straight from generate_series with the same expressions, so rows line up.
  const gen = `SELECT g, md5(g::text)::uuid AS dial_id, to_timestamp($3::float8 / 1000) - (g::float8 / $4) * interval '3 days' AS ts,
                      decode(lpad(to_hex(g % 8), 64, '0'), 'hex') AS inst, decode(md5((g % 200000)::text) || md5((g % 200000)::text), 'hex') AS node
                 FROM generate_series($1::int, $2::int) g`;
  for (let off = 0; off < total; off += chunk) {
    const range = [off, Math.min(off + chunk, total) - 1, NOW, total];
    await db.query(
      `INSERT INTO dials ${DIAL_COLUMNS}
       SELECT dial_id, ts, ts + interval '300 ms', inst, 'dynamic', node, '${STORED_IP}', 30303, 40,
              CASE WHEN g % 3 = 0 THEN 'status' ELSE 'error' END::dial_outcome,
              CASE WHEN g % 3 = 0 THEN NULL ELSE 'timeout' END::error_kind, NULL
         FROM (${gen}) s`,
      range,
    );
    await db.query(
      insertHellos(`SELECT dial_id, ts, inst, node, 5, 'Geth/v1.14.0', CASE WHEN get_byte(node, 0) < 170 THEN 'Geth' ELSE 'Nethermind' END,
              'v1.14.0', 'linux', 'amd64', 'go1.22', '{eth/68}', 30303
         FROM (${gen}) s WHERE g % 3 = 0`),
      range,
    );
    await db.query(
      `INSERT INTO statuses SELECT dial_id, ts, inst, node, 68, CASE WHEN get_byte(node, 1) < 230 THEN 1 ELSE 11155111 END, NULL,
              '\\x00', '\\x00', '\\x9f3d2254', 0, 'compatible', NULL, NULL
         FROM (${gen}) s WHERE g % 3 = 0`,
      range,
    );
  }
  await db.exec('ANALYZE dials; ANALYZE hello_rows; ANALYZE statuses');
  return (performance.now() - t0) / 1000;
}

async function snapshot(db: Database): Promise<{ name: string; ms: number; result: string }[]> {
  const since = new Date(NOW - DAY);
  const out: { name: string; ms: number; result: string }[] = [];
  for (const [name, sql] of SNAPSHOT_QUERIES) {
    await db.query(sql, [since]); // warm
    const t0 = performance.now();
    const rows = await db.query(sql, [since]);
    const ms = performance.now() - t0;
    const first = rows[0] ? Object.values(rows[0]).map(String).join(' ') : '';
    out.push({ name, ms, result: rows.length > 1 ? `${rows.length} rows` : first });
  }
  return out;
}

// --- run -----------------------------------------------------------------------------------------

export default async function run(): Promise<BenchTable[]> {
  const ingestRows: (string | number)[][] = [];
  const shapeRows: (string | number)[][] = [];
  const snapRows: (string | number)[][] = [];
  const notes: string[] = [];

  const engines: (() => Promise<BenchDb | string>)[] = [postgres, pglite];
  for (const open of engines) {
    const e = await open();
    if (typeof e === 'string') {
      notes.push(e);
      continue;
    }
    try {
      const big = e.name === 'Postgres' ? 200_000 : 60_000;
      const stream = crawlEvents(big + 100_000, 1, NOW - 2 * DAY);
      const batched = await ingest(e.db, stream.slice(0, 100_000), stream.slice(100_000), 2000);
      const small = crawlEvents(e.name === 'Postgres' ? 2000 : 1000, 1, NOW - 2 * DAY + 3_600_000);
      const single = await ingest(e.db, [], small, 1);
      ingestRows.push([e.name, 'writer, 2 000 events per transaction', fmt(batched), '']);
      ingestRows.push([e.name, 'writer, 1 event per transaction', fmt(single), `${fmt(batched / single, 1)}× slower`]);

      if (process.env['STORE_BENCH_ONLY'] === 'ingest') continue;
      const n = e.name === 'Postgres' ? 40_000 : 20_000;
      const unnest = await rowsPerSecond(e.db, n, 2000, insertUnnest);
      const values = await rowsPerSecond(e.db, n, 2000, insertValues);
      const one = await rowsPerSecond(e.db, Math.min(n, 3000), 1, insertOneByOne);
      shapeRows.push([e.name, 'unnest($1::text[], …), 2 000 rows', fmt(unnest)]);
      shapeRows.push([e.name, 'multi-row VALUES, 2 000 rows', fmt(values)]);
      shapeRows.push([e.name, 'one INSERT per row (autocommit)', fmt(one)]);

      const total = e.name === 'Postgres' ? 1_000_000 : 200_000;
      const loadSecs = await loadDials(e.db, total);
      for (const q of await snapshot(e.db)) snapRows.push([e.name, fmt(total), q.name, fmt(q.ms, 1), q.result]);
      notes.push(`${e.name}: generated ${fmt(total)} dial rows (+ hellos, statuses) in ${fmt(loadSecs, 1)} s.`);
    } finally {
      await e.dispose();
    }
  }

  return [
    {
      title: 'Store: sustained ingest (mixed crawl events: 70 % node_seen, 27 % dials, ENRs, counters)',
      columns: ['engine', 'method', 'events/s', 'vs batched'],
      rows: ingestRows,
      notes: [
        'Goal: ≥ 20 000 events/s batched into Postgres. A dial event writes up to 6 rows (dial, hello, status, disconnects, rtt, node);',
        `event timestamps advance at ${fmt(EVENT_RATE)} events/s, so nodes.last_seen refreshes (at most once a minute per node) happen as in such a crawl.`,
        ...notes.filter((n) => n.includes('skipped')),
      ],
    },
    {
      title: 'Store: multi-row statement shapes (dials rows/s)',
      columns: ['engine', 'statement', 'rows/s'],
      rows: shapeRows,
    },
    {
      title: 'Store: 24-hour snapshot queries over day-partitioned dials',
      columns: ['engine', 'dial rows', 'query', 'ms', 'result'],
      rows: snapRows,
      notes: ['Goal: ≤ 5 000 ms on one million dial rows.', ...notes.filter((n) => !n.includes('skipped'))],
    },
  ];
}
