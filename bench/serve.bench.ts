/**
 * Web view benchmark (`npm run bench -- serve`), on a real Postgres (TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; skipped if unreachable), data from bench/reports (500 000
 * dials over 100 000 node IDs by default; BENCH_SERVE_DIALS changes it):
 *  1. latency of each API query alone (node list pages with and without filters, a node page, the
 *     overview's first build and its cached answer);
 *  2. the crawl's write rate alone, then with 200 concurrent API requests from a second process on
 *     loopback (bench/serve-load-client.ts) while the writer (bench/serve-writer.ts, a third process)
 *     commits, interleaved over several rounds (A/B under the same machine load): requests/s,
 *     p50/p99 latency, errors, requests shed (503 + Retry-After, retried), database reads, and the
 *     write rate's change (goal: ≤ 10 %), with the load average before each phase.
 * The server runs with serve's defaults (--cpu-share, --max-queries, --max-queue: DEFAULTS in
 * src/serve/server.ts) unless BENCH_SERVE_CPU_SHARE (a fraction or `off`) or BENCH_SERVE_MAX_QUERIES say
 * otherwise (a comma list compares several shares, e.g. `0.25,off`); BENCH_SERVE_CONCURRENCY,
 * BENCH_SERVE_SECONDS and BENCH_SERVE_ROUNDS (3) change the load.
 * Leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCpuShare } from '../src/cli/serve.js';
import { DEFAULTS, startWebServer } from '../src/serve/server.js';
import type { Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrations.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { load, NOW } from './reports.bench.js';
import { fmt, type BenchTable } from './table.js';

const PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DIALS = Number(process.env['BENCH_SERVE_DIALS'] ?? 500_000);
const CONCURRENCY = Number(process.env['BENCH_SERVE_CONCURRENCY'] ?? 200);
const SECONDS = Number(process.env['BENCH_SERVE_SECONDS'] ?? 15);
const ROUNDS = Number(process.env['BENCH_SERVE_ROUNDS'] ?? 3);
const MAX_QUERIES = Number(process.env['BENCH_SERVE_MAX_QUERIES'] ?? DEFAULTS.maxQueries);
const CPU_SHARES = (process.env['BENCH_SERVE_CPU_SHARE'] ?? String(DEFAULTS.cpuShare)).split(',').map(parseCpuShare);
const here = dirname(fileURLToPath(import.meta.url));

function child(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(here, script), ...args], { timeout: (SECONDS + 120) * 1000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script}: ${err.message} ${stderr.slice(-500)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>);
    });
  });
}

async function timed(base: string, path: string, times: number): Promise<{ median: number; status: number }> {
  const ms: number[] = [];
  let status = 0;
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`);
    await res.arrayBuffer();
    status = res.status;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, status };
}

export default async function run(): Promise<BenchTable[]> {
  const schema = `nf_bench_serve_${process.pid}`;
  let db: Database;
  try {
    db = await openPostgres(PG_URL, { schema, connectTimeoutMs: 3000, queryTimeoutMs: 300_000, maxConnections: 8 });
  } catch (err) {
    return [{ title: 'serve', columns: ['skipped'], rows: [[`Postgres unreachable at ${PG_URL} (${(err as Error).message})`]] }];
  }
  const dir = mkdtempSync(join(tmpdir(), 'nodefinder-serve-bench-'));
  try {
    await migrate(db);
    const loadS = await load(db, DIALS);
    const [{ n: nodes }] = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes')) as [{ n: number }];
    const start = (maxQueries: number, monotonic?: () => number, cpuShare: number | null = CPU_SHARES[0]!) =>
      startWebServer({ db, host: '127.0.0.1', port: 0, queryTimeoutMs: 10_000, refreshSeconds: 30, historyMs: 3 * 86_400_000, maxQueries, cpuShare, now: () => NOW, monotonic, log: (l) => process.stderr.write(`${l}\n`) });
    // One request at a time measures the queries: a clock that jumps an hour per reading makes every kept answer stale.
    let tick = 0;
    const web = await start(MAX_QUERIES, () => (tick += 3_600_000));
    const sample = (await db.query<{ id: string }>(`SELECT encode(id, 'hex') AS id FROM nodes ORDER BY md5(id::text) LIMIT 200`)).map((r) => r.id);
    const rows: (string | number)[][] = [];
    try {
      const mid = sample[0]!;
      const single: [string, string][] = [
        ['node list, first page (50)', '/api/nodes'],
        ['node list, page after a cursor (200)', `/api/nodes?limit=200&after=${mid}`],
        ['node list, client=besu', '/api/nodes?client=besu'],
        ['node list, client+version prefix', '/api/nodes?client=geth&version=v1.12'],
        ['node list, fork_verdict=remote_stale', '/api/nodes?fork_verdict=remote_stale'],
        ['node list, country (geo in the server)', '/api/nodes?country=AU'],
        ['node list, seen_since=2h, inbound', '/api/nodes?seen_since=2h&direction=inbound'],
        ['node page (all history)', `/api/node/${mid}`],
      ];
      const first = performance.now();
      const overviewStatus = (await fetch(`${web.url}/api/overview`)).status;
      rows.push(['overview, first build (snapshot + longitudinal)', fmt(performance.now() - first), overviewStatus]);
      rows.push(['overview, cached', fmt((await timed(web.url, '/api/overview', 5)).median, 1), 200]);
      for (const [label, path] of single) {
        const r = await timed(web.url, path, 7);
        rows.push([label, fmt(r.median, 1), r.status]);
      }
    } finally {
      await web.close();
    }
    // The mix the load client cycles through: mostly lists and node pages, some health and overview.
    const paths: string[] = [];
    for (let i = 0; i < sample.length; i++) {
      paths.push(`/api/node/${sample[i]}`, `/api/nodes?after=${sample[(i + 1) % sample.length]}`, ['/api/nodes?client=geth', '/healthz', '/api/overview', '/api/nodes?limit=200'][i % 4]!);
    }
    const pathsFile = join(dir, 'paths.txt');
    writeFileSync(pathsFile, paths.join('\n'));
    // Writer alone and writer + load, interleaved (A, B, A, B, …) so a shared machine's changing load
    // hits both alike; the load average is noted for each phase.
    const load1 = () => fmt(loadavg()[0]!, 1);
    // One table per --cpu-share compared (BENCH_SERVE_CPU_SHARE: a comma list), each its own server.
    const loadTables: BenchTable[] = [];
    for (const share of CPU_SHARES) {
      const loadRows: (string | number)[][] = [];
      const notes: string[] = [];
      const changes: number[] = [];
      const server = await start(MAX_QUERIES, undefined, share);
      try {
        await (await fetch(`${server.url}/api/overview`)).text(); // built before the clock starts
        for (let round = 1; round <= ROUNDS; round++) {
          const before = load1();
          const alone = await child('serve-writer.js', [PG_URL, schema, String(SECONDS)]);
          loadRows.push([`round ${round}: writer alone`, `${fmt(Number(alone['per_second']))} events/s`, '', '', '', before]);
          const statsBefore = server.answerStats();
          const budgetBefore = server.budgetStats();
          const loadBefore = load1();
          // The server runs in this process, which does nothing else meanwhile: its CPU is the server's.
          const cpu0 = process.cpuUsage();
          const wall0 = performance.now();
          const [withLoad, client] = await Promise.all([
            child('serve-writer.js', [PG_URL, schema, String(SECONDS)]),
            child('serve-load-client.js', [server.url, String(CONCURRENCY), String(SECONDS), pathsFile]),
          ]);
          const stats = server.answerStats();
          const budget = server.budgetStats();
          const cpu = process.cpuUsage(cpu0);
          const wall = performance.now() - wall0;
          const serverCores = (cpu.user + cpu.system) / 1000 / wall;
          const databaseCores = (budget.databaseMs - budgetBefore.databaseMs) / wall;
          const change = (Number(withLoad['per_second']) / Number(alone['per_second']) - 1) * 100;
          changes.push(change);
          loadRows.push([
            `round ${round}: writer + ${CONCURRENCY} concurrent requests`,
            `${fmt(Number(withLoad['per_second']))} events/s (${change >= 0 ? '+' : ''}${fmt(change, 1)} %)`,
            `${fmt(Number(client['per_second']), 0)} req/s; p50 ${fmt(Number(client['p50']))} / p99 ${fmt(Number(client['p99']))} / max ${fmt(Number(client['max']))} ms`,
            `${fmt(Number(client['errors']))} errors, ${fmt(Number(client['shed']))} shed; ${fmt(stats.computed - statsBefore.computed)} reads for ${fmt(stats.hits - statsBefore.hits + stats.joined - statsBefore.joined + stats.computed - statsBefore.computed)} list/node answers`,
            `server ${fmt(serverCores, 2)} + its reads ${fmt(databaseCores, 2)}; client ${fmt(Number(client['cpu_ms']) / wall, 2)}; writer ${fmt(Number(alone['cpu_ms']) / 1000 / Number(alone['seconds']), 2)} → ${fmt(Number(withLoad['cpu_ms']) / 1000 / Number(withLoad['seconds']), 2)}`,
            loadBefore,
          ]);
          if (Number(client['errors']) > 0) notes.push(`round ${round} first errors: ${JSON.stringify(client['first_errors'])}`);
        }
      } finally {
        await server.close();
      }
      changes.sort((a, b) => a - b);
      notes.push(`Median writer change under load over ${ROUNDS} rounds: ${fmt(changes[Math.floor(changes.length / 2)]!, 1)} % (goal: within 10 %).`);
      loadTables.push({
        title: `serve: ${CONCURRENCY} concurrent API requests from another process for ${SECONDS} s while a writer commits (--cpu-share ${share ?? 'off'}, --max-queries ${MAX_QUERIES}, ${cpus().length} CPUs)`,
        columns: ['phase', 'writer', 'requests', 'errors / shed / database reads', 'CPU, cores (writer: its Node process)', 'load avg (1 min) before'],
        rows: loadRows,
        notes: [...notes, 'Server, load client and writer are three processes on one machine: they compete for its CPU, not only for the database. Shed: 503 busy answers the client retried after Retry-After. CPU: cores used during the load phase; the server\'s reads are what its budget charged (the Postgres backends\' CPU from /proc).'],
      });
    }
    return [
      {
        title: `serve: one request at a time (Postgres, ${fmt(nodes)} nodes, ${fmt(DIALS)} dials; loaded in ${fmt(loadS, 1)} s)`,
        columns: ['request', 'median ms', 'HTTP status'],
        rows,
      },
      ...loadTables,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await db.close();
  }
}
