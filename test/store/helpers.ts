/**
 * Runs the storage suite on both engines: embedded PGlite always, real Postgres when
 * TEST_DATABASE_URL is set and reachable (otherwise those tests are skipped with the reason in their
 * name). Every test gets its own fresh schema, so test files running in parallel never collide.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { randomBytes } from '../../src/crypto/index.js';
import { bytesToHex } from '../../src/util/bytes.js';
import type { CrawlerEvent } from '../../src/events.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';
import { partitionsFor } from '../../src/store/partitions.js';
import { EventWriter } from '../../src/store/writer.js';
export { FlakyDatabase } from './flaky.js';
import { openPostgres } from '../../src/store/pg-adapter.js';
import { wrapPglite } from '../../src/store/pglite-adapter.js';
import { readTemplate } from './pglite-template.js';

export type EngineName = 'pglite' | 'postgres';

export interface TestDb {
  db: Database;
  schema: string;
  /** A second, independent connection to the same schema (another process or host, a restart). */
  reopen(): Promise<Database>;
  /** Close every handle and drop the schema. */
  dispose(): Promise<void>;
}

export interface Engine {
  name: EngineName;
  /** Why the engine is unavailable (tests are then skipped), or null. */
  skip: string | null;
  url?: string;
  fresh(): Promise<TestDb>;
}

let shared: Promise<PGlite> | null = null;
function sharedPglite(): Promise<PGlite> {
  // PGlite takes seconds to start: one instance per test file, a schema per test.
  shared ??= createPglite();
  return shared;
}

/** In memory, from the initdb dump when there is one (pglite-template.ts). */
async function createPglite(): Promise<PGlite> {
  const parsers = { 20: (v: string) => BigInt(v) };
  const template = readTemplate();
  if (template) {
    try {
      return await PGlite.create({ dataDir: 'memory://', parsers, loadDataDir: new Blob([template]) });
    } catch {
      // not a dump this PGlite can load: initdb below
    }
  }
  return PGlite.create({ dataDir: 'memory://', parsers });
}

export function uniqueSchema(prefix = 't'): string {
  return `nf_${prefix}_${process.pid}_${bytesToHex(randomBytes(4))}`;
}

async function probePostgres(url: string | undefined): Promise<string | null> {
  if (!url) return 'TEST_DATABASE_URL is not set';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `Postgres at TEST_DATABASE_URL unreachable: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

const pgUrl = process.env['TEST_DATABASE_URL'];
const pgSkip = await probePostgres(pgUrl);

export const pgliteEngine: Engine = {
  name: 'pglite',
  skip: null,
  async fresh() {
    const instance = await sharedPglite();
    const schema = uniqueSchema();
    const handles: Database[] = [];
    const open = async () => {
      const db = await wrapPglite(instance, { schema, owns: false });
      handles.push(db);
      return db;
    };
    const db = await open();
    return {
      db,
      schema,
      // One PGlite instance has one session: a "reopen" is another handle on it (same search_path).
      reopen: open,
      async dispose() {
        for (const h of handles) await h.close();
        await instance.exec(`SET search_path TO public; DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      },
    };
  },
};

export const postgresEngine: Engine = {
  name: 'postgres',
  skip: pgSkip,
  url: pgUrl,
  async fresh() {
    const schema = uniqueSchema();
    const handles: Database[] = [];
    const open = async () => {
      const db = await openPostgres(pgUrl!, { schema, queryTimeoutMs: 20_000 });
      handles.push(db);
      return db;
    };
    const db = await open();
    return {
      db,
      schema,
      reopen: open,
      async dispose() {
        await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
        for (const h of handles) await h.close();
      },
    };
  },
};

export const ENGINES: Engine[] = [pgliteEngine, postgresEngine];

/** Test title suffix: the engine, or why it is skipped. */
export function engineTitle(e: Engine): string {
  return e.skip ? `${e.name} (skipped: ${e.skip})` : e.name;
}

/**
 * `fn` on a fresh database of `engine` (migrated to the latest version unless `migrated: false`),
 * disposed afterwards whatever `fn` does.
 */
export function withFresh(engine: Engine, opts: { migrated?: boolean } = {}): (fn: (t: TestDb) => Promise<void>) => Promise<void> {
  return async (fn) => {
    const t = await engine.fresh();
    try {
      if (opts.migrated !== false) await migrate(t.db);
      await fn(t);
    } finally {
      await t.dispose();
    }
  };
}

export async function closeSharedPglite(): Promise<void> {
  if (shared) await (await shared).close();
  shared = null;
}

/** Migrate `db` and write `events` through the real EventWriter; throws unless every one was committed. */
export async function migrateAndWrite(db: Database, events: CrawlerEvent[]): Promise<void> {
  await migrate(db);
  const writer = await EventWriter.open(db, { journalDir: null });
  writer.writeMany(events);
  if (!(await writer.flush())) throw new Error('test data: the writer did not flush');
  const stats = await writer.close();
  if (stats.rejected !== 0) throw new Error(`test data: ${stats.rejected} events rejected`);
}

/** A fresh schema on `engine` holding `events` (for suites over a fixed dataset, e.g. test/report/dataset.ts). */
export async function freshWithEvents(engine: Engine, events: CrawlerEvent[]): Promise<TestDb> {
  const t = await engine.fresh();
  try {
    await migrateAndWrite(t.db, events);
  } catch (err) {
    await t.dispose();
    throw err;
  }
  return t;
}

/**
 * A suite over a fixed dataset: a fresh schema on `engine` holding `events()`, written before the
 * suite's tests and dropped after them. Returns the database getter for the tests.
 */
export function datasetPerSuite(engine: Engine, events: () => CrawlerEvent[]): () => Database {
  let t: TestDb | undefined;
  beforeAll(async () => {
    t = await freshWithEvents(engine, events());
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
  });
  return () => {
    if (!t) throw new Error('datasetPerSuite: the dataset is not written yet (use it inside a test)');
    return t.db;
  };
}

/** Start the shared PGlite in beforeAll (its start-up would eat a test's timeout). */
export async function warmUp(): Promise<void> {
  await sharedPglite();
}

/**
 * Events stored, for streams where each event is countable: node_seen → node_sightings.sightings,
 * dial → dials rows, discovery_counters with findnodeSent = 1 → sum(findnode_sent), enr with a unique
 * (node, seq) → enrs rows.
 */
export async function storedEventCount(db: Queryable): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `SELECT ((SELECT coalesce(sum(sightings), 0) FROM node_sightings)
           + (SELECT count(*) FROM dials)
           + (SELECT coalesce(sum(findnode_sent), 0) FROM discovery_counters)
           + (SELECT count(*) FROM enrs))::int AS n`,
  );
  return r!.n;
}

/** The day partitions `events` need, as the writer makes them before a batch (writer-commit.ts). */
export async function ensurePartitions(db: Queryable, events: readonly CrawlerEvent[]): Promise<void> {
  for (const key of partitionsFor(events)) {
    const [table, day] = key.split('|') as [string, string];
    await db.query('SELECT ensure_day_partition($1, $2::date)', [table, day]);
  }
}
