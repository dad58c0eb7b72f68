/**
 * The embedded engine: PGlite (Postgres compiled to WebAssembly) in a directory, no server. One
 * connection per process; PGlite serialises queries itself. `memory://` keeps everything in RAM
 * (tests). A lock file stops two processes from opening the same directory (that would corrupt it).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import v8 from 'node:v8';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { NodeFinderError } from '../errors.js';
import { DatabaseUnavailableError } from './errors.js';
import {
  checkSchemaName,
  normalizeParams,
  toDatabaseError,
  type Database,
  type OpenOptions,
  type Queryable,
  type Row,
} from './database.js';

const INT8_OID = 20;

/** PGlite's own data lives in <dir>/pgdata; the directory also holds the lock (and may hold journals). */
export const PGDATA_SUBDIR = 'pgdata';
const LOCK_FILE = 'nodefinder.lock';

const parsers = { [INT8_OID]: (v: string) => BigInt(v) };

export async function openPglite(location: string, opts: OpenOptions = {}): Promise<Database> {
  if (location === 'memory://') {
    const pg = await createPglite('memory://');
    return wrapPglite(pg, { schema: opts.schema, owns: true, description: 'memory://' });
  }
  const dir = resolve(location);
  const dataDir = join(dir, PGDATA_SUBDIR);
  if (opts.mustExist && !existsSync(dataDir)) {
    throw new DatabaseUnavailableError(`no embedded database in ${dir}: crawl into it first (nodefinder crawl --db ${location}), or pass --db`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DatabaseUnavailableError(`cannot create database directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const release = acquireLock(dir);
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdbInChild(dataDir);
    const pg = await createPglite(dataDir);
    return wrapPglite(pg, { schema: opts.schema, owns: true, description: dir, onClose: release });
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Create a new data directory in a short-lived child process: PGlite runs initdb in a second
 * WebAssembly instance whose memory (with the unpacked file-system bundle, ~500 MB RSS) is never
 * returned to the OS, so a crawl that created its database in-process carried it all along (RSS
 * ~850 MB at start against ~330 MB when opening an existing directory; measured with PGlite 0.5).
 * NODEFINDER_PGLITE_TEMPLATE (tests: test/store/pglite-template.ts) names the dump (dumpDataDir,
 * uncompressed) of a freshly initialised directory of this PGlite version: the child then loads it
 * instead of running initdb (~5 s on an idle 2-core machine, 15 s at load 15).
 */
async function initdbInChild(dataDir: string): Promise<void> {
  const script = `const { PGlite } = require(process.argv[1]); const fs = require('node:fs'); const t = process.argv[3];
    const load = t && fs.existsSync(t) ? { loadDataDir: new Blob([fs.readFileSync(t)]) } : {};
    PGlite.create({ dataDir: process.argv[2], ...load }).then((pg) => pg.close());`;
  const module = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const template = process.env['NODEFINDER_PGLITE_TEMPLATE'] ?? '';
  const result = await new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
    const child = execFile(process.execPath, ['-e', script, module, dataDir, template], { timeout: 300_000 }, (err, _out, stderr) =>
      resolveRun({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr: String(stderr) }),
    );
    child.stdin?.end();
  });
  if (result.code !== 0) {
    throw new DatabaseUnavailableError(`cannot create embedded database ${dataDir}: ${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.code}`}`);
  }
}

/**
 * Server settings the embedded engine starts with (on top of PGlite's own: single-user mode, fsync
 * off). PGlite's WebAssembly memory never shrinks and Postgres touches its whole buffer pool at
 * start, so shared_buffers is resident from the first second: 128 MB (initdb's default) put an
 * opened database at ~290 MB RSS, 32 MB at ~170 MB, with no measurable cost to the writer or
 * `simulate` (pages beyond the pool come from the OS page cache). maintenance_work_mem bounds
 * index builds and rollups (each peak would stay resident). Measured with PGlite 0.5.16.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '32MB',
  maintenance_work_mem: '16MB',
};

export function pgliteStartParams(): string[] {
  return [...PGlite.defaultStartParams, ...Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

/**
 * V8 (Node 20) compiles each WebAssembly function when it first runs, with its baseline compiler
 * Liftoff, then recompiles hot ones with TurboFan and keeps both: for Postgres's 9 MB module that is
 * 15–76 MB of RSS for the life of the process (a database opened and migrated, V8 heap left out:
 * 210–231 MB with Liftoff, 152–172 MB without; PGlite 0.5.16). Without Liftoff every function is
 * compiled once, by TurboFan: opening costs ~1 s more CPU, the writer then needs ~13 % less CPU per
 * event. The flag is process-wide and read at each lazy compile, so it stays set (the only other
 * WebAssembly, keccak.ts's one function, is hot anyway). NODEFINDER_PGLITE_LIFTOFF=1 leaves V8's
 * default (for comparisons: test/store/pglite-memory.test.ts, bench/crawl-rss.ts).
 */
export function skipWasmBaselineCompiler(): boolean {
  if (process.env['NODEFINDER_PGLITE_LIFTOFF'] === '1') return false;
  v8.setFlagsFromString('--no-liftoff');
  return true;
}

/**
 * Let V8's old generation grow by half its live size at a time, not by its default factor (up to
 * 4×), while the embedded engine shares the process: through a crawl's start-up burst V8 otherwise
 * keeps ~125 MB of heap committed, mostly garbage, until a major GC ~30 s later — the long PGlite
 * crawl's RSS peak (bench/crawl-rss.ts, 1 000-peer testnet, 40 s: 278–310 MB by default, 247–259 MB
 * with this, the same CPU). `--optimize-for-size` cut the peak to ~215 MB but cost 73 % more CPU
 * when 30 instances fill their tables (GC on every few MB); this costs 11 % there (README
 * "Embedded engine memory"). V8 reads it at each GC, so setting it when the database opens works.
 * NODEFINDER_PGLITE_HEAP_GROWTH=default leaves V8's default.
 */
export const PGLITE_HEAP_GROWING_PERCENT = 50;

export function boundHeapGrowth(): boolean {
  if (process.env['NODEFINDER_PGLITE_HEAP_GROWTH'] === 'default') return false;
  v8.setFlagsFromString(`--heap-growing-percent=${PGLITE_HEAP_GROWING_PERCENT}`);
  return true;
}

async function createPglite(dataDir: string): Promise<PGlite> {
  try {
    skipWasmBaselineCompiler();
    boundHeapGrowth();
    return await PGlite.create({ dataDir, parsers, startParams: pgliteStartParams() });
  } catch (err) {
    throw toDatabaseError(err, `cannot open embedded database ${dataDir}`);
  }
}

/**
 * Wrap an existing PGlite instance. `owns: false` leaves it open on close(): tests share one
 * instance per file (start-up costs seconds) and give each test its own schema.
 */
export async function wrapPglite(
  pg: PGlite,
  opts: { schema?: string; owns: boolean; description?: string; onClose?: () => void },
): Promise<Database> {
  const db = new PgliteDatabase(pg, opts.owns, opts.description ?? 'pglite', opts.onClose);
  if (opts.schema !== undefined) {
    const schema = checkSchemaName(opts.schema);
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
  }
  return db;
}

function wrapQueryable(q: PGlite | Transaction): Queryable {
  return {
    async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
      try {
        return (await q.query<R>(sql, normalizeParams(params))).rows;
      } catch (err) {
        throw toDatabaseError(err, 'embedded database query failed');
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await q.exec(sql);
      } catch (err) {
        throw toDatabaseError(err, 'embedded database statement failed');
      }
    },
  };
}

class PgliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  private readonly q: Queryable;
  private closed = false;

  constructor(
    readonly pglite: PGlite,
    private readonly owns: boolean,
    readonly description: string,
    private readonly onClose?: () => void,
  ) {
    this.q = wrapQueryable(pglite);
  }

  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.q.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      return await this.pglite.transaction((tx) => fn(wrapQueryable(tx)));
    } catch (err) {
      throw err instanceof NodeFinderError ? err : toDatabaseError(err, 'embedded database transaction failed');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.owns) await this.pglite.close();
    } catch {
      // closing twice or after a failure: nothing left to release
    } finally {
      this.onClose?.();
    }
  }
}

/**
 * Bytes of WebAssembly memory the embedded engine's Postgres holds (it only ever grows: what a
 * statement needed once stays resident), or null for a server. For benches and memory tests.
 */
export function embeddedHeapBytes(db: Database): number | null {
  if (!(db instanceof PgliteDatabase)) return null;
  const mod = (db.pglite as unknown as { mod?: { wasmMemory?: { buffer: ArrayBuffer } } }).mod;
  return mod?.wasmMemory?.buffer.byteLength ?? null;
}

/** One process per directory: PGlite has no multi-process locking of its own. */
const openDirs = new Set<string>();

function acquireLock(dir: string): () => void {
  if (openDirs.has(dir)) throw new DatabaseUnavailableError(`embedded database ${dir} is already open in this process`);
  const path = join(dir, LOCK_FILE);
  if (existsSync(path)) {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) {
      throw new DatabaseUnavailableError(`embedded database ${dir} is in use by process ${pid}`);
    }
    // A stale lock from a crashed (kill -9) process: take it over.
  }
  writeFileSync(path, String(process.pid));
  openDirs.add(dir);
  return () => {
    openDirs.delete(dir);
    try {
      if (readFileSync(path, 'utf8') === String(process.pid)) rmSync(path);
    } catch {
      // already gone
    }
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
