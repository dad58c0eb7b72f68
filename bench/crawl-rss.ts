/**
 * Child process of crawl.bench.ts (a fresh process, so RSS is ours alone), two measurements, each a
 * CrawlRun as `nodefinder crawl` runs it (database, writer, crawler) into NODEFINDER_RSS_DB (a
 * postgres:// URL, whose schema NODEFINDER_RSS_SCHEMA is dropped first, or a fresh directory for
 * the embedded PGlite):
 *   - `instances` (default): 30 NodeFinder instances in one process, every one hearing of the same
 *     POPULATION nodes (each hearing decodes its own copy, as from its own NEIGHBORS), dialing them
 *     (loopback addresses that refuse), then every routing table filled to capacity (16 entries and
 *     10 replacements in each of the 256 buckets);
 *   - `long` (NODEFINDER_RSS_MODE=long): a crawl of a local testnet (`nodefinder testnet` in its own
 *     process, loopback only) for NODEFINDER_RSS_SECONDS, redialing every peer each minute, with
 *     RSS sampled every 5 s: where a long crawl's memory goes on each engine.
 * Prints one JSON object: memory after each step and the sizes of what holds it.
 *
 * Run with --expose-gc and NODEFINDER_RSS_CHILD_PORT=<first port> (crawl.bench.ts does both).
 * NODEFINDER_RSS_TRACE=1 also prints, every sample of the long crawl, RSS by kind of mapping, the V8
 * heap per space and the writer's queue to stderr (where a peak comes from).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { generatePrivateKey, keccak256, randomBytes } from '../src/crypto/index.js';
import type { NodeRecord } from '../src/enode/node-record.js';
import type { CrawlerEvent } from '../src/events.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { NETWORKS } from '../src/eth/networks.js';
import { LOOPBACK_ONLY } from '../src/net/netrestrict.js';
import { CrawlRun } from '../src/run/crawl-run.js';
import { isPostgresUrl, type Database, type Queryable } from '../src/store/database.js';
import { openDatabase } from '../src/store/open.js';
import { embeddedHeapBytes } from '../src/store/pglite-adapter.js';

export const RSS_INSTANCES = 30;
/** Distinct nodes every instance hears of: a day of mainnet discovery is ~10–20k reachable IDs. */
export const RSS_POPULATION = 20_000;

export interface RssStep {
  step: string;
  rssMb: number;
  heapMb: number;
  externalMb: number;
}

export interface RssReport {
  engine: string;
  instances: number;
  population: number;
  steps: RssStep[];
  tableEntries: number;
  tableReplacements: number;
  schedulerKnown: number;
  shared: { sightings: number; recentDials: number; runningDials: number; enrFetched: number };
  dials: number;
  seconds: number;
}

export interface LongCrawlReport {
  engine: string;
  peers: number;
  seconds: number;
  /** Every 30 s (and the last sample): RSS, V8 heap, external memory (PGlite's WebAssembly heap is there). */
  samples: (RssStep & { atS: number; written: number; buffered: number; wasmMb: number | null })[];
  peakRssMb: number;
  /** When the peak RSS was sampled, and PGlite's WebAssembly memory at the end (null on a server). */
  peakAtS: number;
  wasmMb: number | null;
  /** Every statement that grew PGlite's WebAssembly memory (it never shrinks): what it was, when, by how much. */
  heapGrowth: HeapGrowth[];
  maxBuffered: number;
  written: number;
  dials: number;
}

export interface HeapGrowth {
  atS: number;
  sql: string;
  /** Rows of its first array parameter (1 for a scalar statement). */
  rows: number;
  fromMb: number;
  toMb: number;
}

/**
 * Record every statement after which the embedded engine's WebAssembly memory is larger than before
 * (PGlite runs one statement at a time, so the growth is that statement's). No-op on a server.
 */
function traceHeapGrowth(db: Database, t0: number): HeapGrowth[] {
  const out: HeapGrowth[] = [];
  if (embeddedHeapBytes(db) === null) return out;
  const traced = (q: Queryable): Queryable => ({
    query: async (sql, params) => {
      const before = embeddedHeapBytes(db)!;
      try {
        return await q.query(sql, params);
      } finally {
        note(before, sql, params);
      }
    },
    exec: async (sql) => {
      const before = embeddedHeapBytes(db)!;
      try {
        return await q.exec(sql);
      } finally {
        note(before, sql);
      }
    },
  });
  const note = (before: number, sql: string, params?: readonly unknown[]) => {
    const after = embeddedHeapBytes(db)!;
    if (after <= before) return;
    const rows = Array.isArray(params?.[0]) ? (params[0] as unknown[]).length : 1;
    out.push({ atS: Math.round((performance.now() - t0) / 100) / 10, sql: sql.replace(/\s+/g, ' ').slice(0, 90), rows, fromMb: before / MB, toMb: after / MB });
  };
  const plain = traced({ query: db.query.bind(db), exec: db.exec.bind(db) });
  const transaction = db.transaction.bind(db);
  Object.assign(db, { query: plain.query, exec: plain.exec, transaction: <T>(fn: (tx: Queryable) => Promise<T>) => transaction((tx) => fn(traced(tx))) });
  return out;
}

/**
 * Resident memory by kind, from /proc/self/smaps (Linux; null elsewhere), in MB: `wasm` is the
 * anonymous mapping as large as PGlite's WebAssembly memory (V8 maps it without guard regions
 * here; only the pages Postgres has touched are resident), `code` executable anonymous mappings
 * (JIT code: V8's and the compiled Postgres module), `brk` the C heap, `anon` every other anonymous
 * mapping (V8's heap pages, malloc arenas, buffers), `files` the node binary and shared libraries.
 */
function residentByKind(wasmBytes: number | null): Record<string, number> | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  const out: Record<string, number> = { wasm: 0, code: 0, brk: 0, anon: 0, files: 0 };
  let kind = 'anon';
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const size = parseInt(head[2]!, 16) - parseInt(head[1]!, 16);
      const path = head[4] ?? '';
      kind = path.startsWith('/') ? 'files' : path === '[heap]' ? 'brk' : path !== '' ? 'other' : size === wasmBytes ? 'wasm' : head[3]!.includes('x') ? 'code' : 'anon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return out;
}

/** The database of one measurement: a fresh schema on a server, or a fresh embedded directory. */
async function openBenchDatabase(): Promise<{ db: Database; engine: string; dispose: () => Promise<void> }> {
  const spec = process.env['NODEFINDER_RSS_DB'];
  if (spec !== undefined && isPostgresUrl(spec)) {
    const schema = process.env['NODEFINDER_RSS_SCHEMA'] ?? 'bench_crawl_rss';
    const boot = await openDatabase(spec);
    await boot.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await boot.close();
    const db = await openDatabase(spec, { schema });
    return {
      db,
      engine: 'Postgres',
      dispose: async () => {
        await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await db.close();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'nf-crawl-rss-'));
  const db = await openDatabase(join(dir, 'db'));
  return {
    db,
    engine: 'PGlite',
    dispose: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A bench crawl as `nodefinder crawl` runs it: a CrawlRun on loopback with the CLI's defaults (16
 * dials per instance, 30-minute redials, 24-hour expiry), no journal, freshly generated keys.
 */
export function startBenchCrawl(o: {
  db: Database;
  closeDatabase: boolean;
  instances: number;
  port: number;
  bootnodes: NodeRecord[];
  sinks: ((e: CrawlerEvent) => void)[];
  redialIntervalMs?: number;
  feedLookups?: boolean;
}): Promise<CrawlRun> {
  return CrawlRun.start({
    db: o.db,
    closeDatabase: o.closeDatabase,
    journalDir: null,
    keys: { privateKeys: Array.from({ length: o.instances }, () => generatePrivateKey()) },
    crawl: {
      network: NETWORKS.mainnet,
      bootnodes: o.bootnodes,
      instances: o.instances,
      listenHost: '127.0.0.1',
      port: o.port,
      netrestrict: LOOPBACK_ONLY,
      maxDials: 16,
      redialIntervalMs: o.redialIntervalMs ?? 30 * 60_000,
      expireAfterMs: 24 * 3_600_000,
      maxSockets: 1024,
      clientId: 'NodeFinder/bench',
      codeVersion: 'bench',
      ...(o.feedLookups === undefined ? {} : { feedLookups: o.feedLookups }),
    },
    sinks: o.sinks,
  });
}

function gcFn(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const MB = 1024 * 1024;

/** One node as a NEIGHBORS decode makes it: fresh key, ID and IP string every time. */
function copyOf(n: { publicKey: Uint8Array; ipNum: number }): NodeRecord {
  const publicKey = Uint8Array.from(n.publicKey);
  const x = n.ipNum;
  return { id: keccak256(publicKey), publicKey, ip: `127.${1 + ((x >> 16) & 0x7f)}.${(x >> 8) & 0xff}.${x & 0xff}`, udpPort: 30303, tcpPort: 30303 };
}

/** A node at log distance bucket+1 from selfId (XOR's highest set bit at position `bucket`). */
function atBucket(selfId: Uint8Array, bucket: number, ipNum: number): NodeRecord {
  const xor = randomBytes(32);
  const byte = 31 - (bucket >> 3);
  for (let i = 0; i < byte; i++) xor[i] = 0;
  const bit = bucket & 7;
  xor[byte] = (xor[byte]! & ((1 << bit) - 1)) | (1 << bit);
  const id = selfId.map((b, i) => b ^ xor[i]!);
  return { id, publicKey: randomBytes(64), ip: `127.200.${(ipNum >> 8) & 0xff}.${ipNum & 0xff}`, udpPort: 30303, tcpPort: 30303 };
}

const pause = () => new Promise<void>((r) => setImmediate(r));

export async function measureRss(port: number): Promise<RssReport> {
  const gc = gcFn();
  const t0 = performance.now();
  const steps: RssStep[] = [];
  const measure = (step: string) => {
    gc();
    gc();
    const m = process.memoryUsage();
    steps.push({ step, rssMb: m.rss / MB, heapMb: m.heapUsed / MB, externalMb: (m.external + m.arrayBuffers) / MB });
  };
  measure('process, modules loaded');
  const { db, engine, dispose } = await openBenchDatabase();
  measure(`${engine} database open`);

  let dials = 0;
  const run = await startBenchCrawl({ db, closeDatabase: false, instances: RSS_INSTANCES, port, bootnodes: [], feedLookups: false, sinks: [(e) => void (e.type === 'dial' && dials++)] });
  const crawler = run.crawler;
  measure(`${RSS_INSTANCES} instances started`);

  const population = Array.from({ length: RSS_POPULATION }, (_, i) => ({ publicKey: randomBytes(64), ipNum: i }));
  for (let i = 0; i < population.length; i++) {
    for (const inst of crawler.instances) inst.hear(copyOf(population[i]!));
    if (i % 200 === 199) await pause();
  }
  population.length = 0;
  // Every node is dialed once in the process (the others reuse the answer); wait for all of them.
  while (crawler.inFlight() > 0 || crawler.queued() > 0) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1_000)); // discovery PINGs of the last dials time out
  measure(`every instance heard of ${RSS_POPULATION.toLocaleString('en-US')} nodes, all dialed`);

  let n = 0;
  for (const inst of crawler.instances) {
    const table = inst.routingTable!;
    for (let b = 0; b < 256; b++) for (let k = 0; k < 26; k++) table.addSeen(atBucket(inst.nodeId, b, n++ & 0xffff));
  }
  measure('every table at capacity (256 × (16 + 10))');

  let tableEntries = 0;
  let tableReplacements = 0;
  let schedulerKnown = 0;
  for (const inst of crawler.instances) {
    tableEntries += inst.routingTable!.size;
    tableReplacements += inst.routingTable!.replacementCount;
    schedulerKnown += inst.dialScheduler!.stats().known;
  }
  const shared = crawler.shared.sizes();
  await run.close();
  await dispose();
  return {
    engine,
    instances: RSS_INSTANCES,
    population: RSS_POPULATION,
    steps,
    tableEntries,
    tableReplacements,
    schedulerKnown,
    shared,
    dials,
    seconds: (performance.now() - t0) / 1000,
  };
}

const SAMPLE_MS = 5_000;
const LONG_PEERS = 1_000;

/** A long crawl of a `nodefinder testnet` child on loopback, RSS sampled as it goes. */
export async function measureLongCrawl(port: number, seconds: number): Promise<LongCrawlReport> {
  const gc = gcFn();
  const here = fileURLToPath(import.meta.url);
  const bin = fileURLToPath(new URL(here.endsWith('.ts') ? '../bin/nodefinder.js' : '../../bin/nodefinder.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'nf-crawl-long-'));
  const enodesFile = join(dir, 'enodes.txt');
  const testnet = spawn(
    process.execPath,
    [bin, 'testnet', '--nodes', String(LONG_PEERS), '--port', String(port + 100), '--seed', '1', '--enodes-out', enodesFile, '--duration', `${seconds + 300}s`, '--progress-interval', '1h'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const { db, engine, dispose } = await openBenchDatabase();
  const tOpen = performance.now();
  const heapGrowth = traceHeapGrowth(db, tOpen);
  const wasmMb = () => {
    const b = embeddedHeapBytes(db);
    return b === null ? null : b / MB;
  };
  try {
    for (let waited = 0; !existsSync(enodesFile); waited += 500) {
      if (waited > 300_000 || testnet.exitCode !== null) throw new Error('the testnet did not start');
      await new Promise((r) => setTimeout(r, 500));
    }
    const enodes = readFileSync(enodesFile, 'utf8').trim().split('\n');
    let dials = 0;
    const run = await startBenchCrawl({
      db,
      closeDatabase: false,
      instances: 3,
      port,
      bootnodes: enodes.slice(0, 3).map((e) => parseEnode(e)),
      redialIntervalMs: 60_000,
      sinks: [(e) => void (e.type === 'dial' && dials++)],
    });
    const samples: LongCrawlReport['samples'] = [];
    let peakRssMb = 0;
    let peakAtS = 0;
    let maxBuffered = 0;
    const t0 = performance.now();
    for (let i = 1; (performance.now() - t0) / 1000 < seconds; i++) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const m = process.memoryUsage();
      const w = run.writer.stats();
      if (m.rss / MB > peakRssMb) {
        peakRssMb = m.rss / MB;
        peakAtS = Math.round((performance.now() - t0) / 1000);
      }
      if (process.env['NODEFINDER_RSS_TRACE']) {
        const kinds = Object.entries(residentByKind(embeddedHeapBytes(db)) ?? {}).map(([k, v]) => `${k}=${v.toFixed(0)}`).join(' ');
        process.stderr.write(`t=${Math.round((performance.now() - t0) / 1000)} rss=${(m.rss / MB).toFixed(0)} v8=${(m.heapUsed / MB).toFixed(0)}/${(m.heapTotal / MB).toFixed(0)} ext=${((m.external + m.arrayBuffers) / MB).toFixed(0)} wasm=${wasmMb()?.toFixed(0)} resident: ${kinds} written=${w.written} buffered=${w.buffered}\n`);
        process.stderr.write(`  spaces: ${v8.getHeapSpaceStatistics().map((x) => `${x.space_name.replace('_space', '')}=${(x.space_size / MB).toFixed(0)}/${(x.space_used_size / MB).toFixed(0)}`).join(' ')}\n`);
      }
      maxBuffered = Math.max(maxBuffered, w.buffered);
      if (i % 6 === 0 || (performance.now() - t0) / 1000 >= seconds) {
        gc();
        const g = process.memoryUsage();
        samples.push({ step: 'crawling', atS: Math.round((performance.now() - t0) / 1000), rssMb: g.rss / MB, heapMb: g.heapUsed / MB, externalMb: (g.external + g.arrayBuffers) / MB, written: w.written, buffered: w.buffered, wasmMb: wasmMb() });
      }
    }
    const stats = await run.close();
    return { engine, peers: LONG_PEERS, seconds, samples, peakRssMb, peakAtS, wasmMb: wasmMb(), heapGrowth, maxBuffered, written: stats.writer.written, dials };
  } finally {
    testnet.kill('SIGINT');
    await dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run as a child (crawl.bench.ts sets the variable): prints the report as one JSON line.
if (process.env.NODEFINDER_RSS_CHILD_PORT) {
  const port = Number(process.env.NODEFINDER_RSS_CHILD_PORT);
  const report =
    process.env['NODEFINDER_RSS_MODE'] === 'long'
      ? await measureLongCrawl(port, Number(process.env['NODEFINDER_RSS_SECONDS'] ?? 300))
      : await measureRss(port);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}
