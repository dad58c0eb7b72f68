/**
 * HELLO dictionaries (sql/migrations/0009_dictionaries.sql, src/store/hello-statements.ts): existing
 * rows survive the migration exactly, repeated strings are stored once, replays add nothing, known
 * entries take no new ids, and a day range on the view hellos still reads only that day's partitions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { DialEvent, HelloInfo } from '../../src/events.js';
import { loadMigrations, migrate } from '../../src/store/migrations.js';
import type { Queryable } from '../../src/store/database.js';
import { dialStatements } from '../../src/store/dial-statements.js';
import { closeSharedPglite, ENGINES, engineTitle, ensurePartitions, type TestDb, withFresh } from './helpers.js';
import { pollUntil } from '../integration/scrape.js';
import { dial, makeWorld, Rng, T0 } from './fixtures.js';

afterAll(closeSharedPglite);

const DAY = 86_400_000;
const CLIENTS = [
  'Geth/v1.14.0-stable-abcdef/linux-amd64/go1.22.1',
  'Nethermind/v1.29.0+a1b2c3/linux-x64/dotnet9.0.0',
  'reth/v1.1.0-7a8b9c/x86_64-unknown-linux-gnu',
];

function helloInfo(clientId: string, caps: string[] = ['eth/68', 'snap/1']): HelloInfo {
  const [name, version, platform, runtime] = clientId.split('/');
  const [os, arch] = platform ? platform.split('-') : [];
  return { p2pVersion: 5, clientId, clientName: name!, clientVersion: version ?? null, os: os ?? null, arch: arch ?? null, runtime: runtime ?? null, caps, listenPort: 30303 };
}

/** `n` STATUS dials from `at` on, each with a HELLO of `client(i)`. */
function hellos(rng: Rng, n: number, at: number, client: (i: number) => HelloInfo): DialEvent[] {
  const w = makeWorld(rng, 2, 50);
  return Array.from({ length: n }, (_, i) => ({ ...dial(rng, w, at + i * 1000, 'status'), hello: client(i) }));
}

/** One batch's per-connection statements in one transaction, as the writer runs them. */
async function writeDials(db: TestDb['db'], dials: DialEvent[]): Promise<void> {
  await ensurePartitions(db, dials);
  await db.transaction(async (tx) => {
    for (const st of dialStatements([...dials])) await tx.query(st.sql, st.params);
  });
}

const count = async (db: Queryable, sql: string) => ((await db.query<{ n: number }>(`SELECT (${sql})::int AS n`))[0]!.n);
const readHellos = (db: Queryable) => db.query(`SELECT *, dial_id::text AS id FROM hellos ORDER BY dial_id`);

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`HELLO dictionaries on ${engineTitle(engine)}`, () => {
    const withDb = withFresh(engine, { migrated: false });
    const upTo = (suffix: string) => {
      const all = loadMigrations();
      const i = all.findIndex((m) => m.name.endsWith(suffix));
      expect(i).toBeGreaterThan(0);
      return all.slice(0, i + 1);
    };

    it('migrates hellos rows of day partitions and the DEFAULT partition into hello_rows, reading back identically', () =>
      withDb(async (t) => {
        await migrate(t.db, upTo('_open_day_sections'));
        for (const day of ['2024-01-14', '2024-01-15', '2024-01-17']) await t.db.query(`SELECT ensure_day_partition('hellos', $1::date)`, [day]);
        const insert = `INSERT INTO hellos (dial_id, started_at, instance_id, node_id, p2p_version, client_id, client_name, client_version, os, arch, runtime, caps, listen_port)
          VALUES ($1::uuid, $2::timestamptz, '\\x01', decode($3, 'hex'), $4, $5, $6, $7, $8, $9, $10, $11::text[], $12)`;
        const rows: unknown[][] = [
          ['2024-01-14T01:00:00Z', 'aa', 5, CLIENTS[0], 'Geth', 'v1.14.0-stable-abcdef', 'linux', 'amd64', 'go1.22.1', ['eth/68', 'snap/1'], 30303],
          ['2024-01-14T02:00:00Z', null, 5, CLIENTS[0], 'Geth', 'v1.14.0-stable-abcdef', 'linux', 'amd64', 'go1.22.1', ['eth/68', 'snap/1'], 0],
          // The same client ID parsed differently (an older parser): both readings are kept.
          ['2024-01-15T03:00:00Z', 'bb', 4, CLIENTS[0], 'Geth', 'v1.14.0', null, null, null, ['snap/1', 'eth/68'], 30303],
          ['2024-01-15T04:00:00Z', 'bb', 5, 'weird "quoted",{x}', 'weird "quoted",{x}', null, null, null, null, ['odd,cap', 'NULL', ''], 1],
          ['2024-01-15T05:00:00Z', 'cc', 5, '', '', '', '', '', '', [], 30303],
          ['2024-01-17T06:00:00Z', 'cc', 5, CLIENTS[1], 'Nethermind', 'v1.29.0+a1b2c3', 'linux', 'x64', 'dotnet9.0.0', ['eth/68'], 30303],
          // No partition for 2024-01-16 and 2024-01-20: the DEFAULT partition.
          ['2024-01-16T07:00:00Z', 'dd', 5, CLIENTS[2], 'reth', 'v1.1.0-7a8b9c', 'x86_64', 'unknown', 'linux', ['eth/68', 'snap/1'], 30303],
          ['2024-01-20T08:00:00Z', 'dd', 5, CLIENTS[0], 'Geth', 'v1.14.0-stable-abcdef', 'linux', 'amd64', 'go1.22.1', ['eth/68', 'snap/1'], 30303],
        ];
        for (const [i, r] of rows.entries()) await t.db.query(insert, [`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, ...r]);
        expect(await count(t.db, `SELECT count(*) FROM hellos_default`)).toBe(2);
        const before = await readHellos(t.db);
        expect(before).toHaveLength(rows.length);

        await migrate(t.db, upTo('_dictionaries'));
        expect(await readHellos(t.db)).toEqual(before);
        // Six distinct client tuples, five distinct lists (order matters: {snap/1,eth/68} is its own).
        expect(await count(t.db, 'SELECT count(*) FROM client_ids')).toBe(6);
        expect(await count(t.db, 'SELECT max(id) FROM client_ids')).toBe(6);
        expect(await count(t.db, 'SELECT count(*) FROM cap_sets')).toBe(5);
        const parts = await t.db.query<{ p: string; n: number }>(
          `SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM hello_rows GROUP BY 1 ORDER BY 1`,
        );
        expect(parts).toEqual([
          { p: 'hello_rows_20240114', n: 2 },
          { p: 'hello_rows_20240115', n: 3 },
          { p: 'hello_rows_20240117', n: 1 },
          { p: 'hello_rows_default', n: 2 },
        ]);
        expect(await count(t.db, `SELECT count(*) FROM pg_class WHERE relname LIKE 'hellos\\_%' AND relnamespace = current_schema()::regnamespace`)).toBe(0);
        // The partition helper moves DEFAULT rows out under the new name, as before.
        await t.db.query(`SELECT ensure_day_partition('hello_rows', '2024-01-16')`);
        expect(await count(t.db, `SELECT count(*) FROM hello_rows_20240116`)).toBe(1);
        expect(await readHellos(t.db)).toEqual(before);
      }));

    it('stores each client identification and capability list once, with dense ids, across batches', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const rng = new Rng(7);
        // 30 batches of 40 HELLOs from the same 3 clients and 2 lists.
        for (let b = 0; b < 30; b++) {
          await writeDials(t.db, hellos(rng, 40, T0 + b * 60_000, (i) => helloInfo(CLIENTS[i % 3]!, i % 2 ? ['eth/68'] : ['eth/68', 'snap/1'])));
        }
        expect(await count(t.db, 'SELECT count(*) FROM hellos')).toBe(1200);
        expect(await t.db.query(`SELECT id, client_name FROM client_ids ORDER BY id`)).toHaveLength(3);
        expect(await count(t.db, 'SELECT count(*) FROM cap_sets')).toBe(2);
        // A new client after all those batches takes the next id: no id was burnt on known entries.
        await writeDials(t.db, hellos(rng, 5, T0 + DAY, (i) => helloInfo(i < 3 ? CLIENTS[i]! : 'besu/v24.1.0/linux-x86_64/openjdk-java-21', ['eth/68', 'snap/1', 'snap/2'])));
        expect(await t.db.query(`SELECT id FROM client_ids ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
        expect(await t.db.query(`SELECT id FROM cap_sets ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
        // Every row joins back to what was written.
        const besu = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM hellos WHERE client_name = 'besu' AND caps = '{eth/68,snap/1,snap/2}'`);
        expect(besu).toEqual([{ n: 2 }]);
      }));

    it('writes nothing twice when a batch is replayed', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const dials = hellos(new Rng(11), 20, T0, (i) => helloInfo(CLIENTS[i % 3]!));
        await writeDials(t.db, dials);
        const first = await readHellos(t.db);
        await writeDials(t.db, dials);
        expect(await readHellos(t.db)).toEqual(first);
        expect(await count(t.db, 'SELECT count(*) FROM hello_rows')).toBe(20);
        expect(await count(t.db, 'SELECT count(*) FROM client_ids')).toBe(3);
      }));

    it('keeps client IDs and capability lists beyond a btree entry (keys are digests)', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const longId = `${'€'.repeat(2040)}/v1`; // ~6 KiB of UTF-8
        const caps = Array.from({ length: 256 }, (_, i) => `${'c'.repeat(60)}/${i}`); // ~16 KiB
        const dials = hellos(new Rng(3), 2, T0, () => helloInfo(longId, caps));
        await writeDials(t.db, dials);
        const rows = await t.db.query<{ client_id: string; caps: string[] }>(`SELECT client_id, caps FROM hellos`);
        expect(rows).toEqual([{ client_id: longId, caps }, { client_id: longId, caps }]);
        expect(await count(t.db, 'SELECT count(*) FROM client_ids')).toBe(1);
      }));

    it('reads only the day partitions of a started_at range through the view', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const rng = new Rng(5);
        for (let d = 0; d < 3; d++) await writeDials(t.db, hellos(rng, 3, T0 + d * DAY, (i) => helloInfo(CLIENTS[i]!)));
        const plan = (
          await t.db.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN (COSTS OFF) SELECT client_name, count(*) FROM hellos WHERE started_at >= '2024-01-16T00:00:00Z' AND started_at < '2024-01-17T00:00:00Z' GROUP BY 1`,
          )
        )
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        expect(plan).toContain('hello_rows_20240116');
        expect(plan).not.toMatch(/hello_rows_(20240115|20240117|default)/);
      }));

    if (engine.name === 'postgres') {
      it('two writers racing on the same new client ID store it once and both rows', () =>
        withDb(async (t) => {
          await migrate(t.db);
          const other = await t.reopen();
          const rng = new Rng(9);
          const a = hellos(rng, 10, T0, () => helloInfo('Racer/v1.0.0/linux-amd64/go1.23'));
          const b = hellos(rng, 10, T0 + 60_000, () => helloInfo('Racer/v1.0.0/linux-amd64/go1.23'));
          // Partitions first: only the dictionary insert races here.
          await ensurePartitions(t.db, [...a, ...b]);
          // The first writer inserts the new entry and holds its transaction open; the second then
          // waits on the unique digest, and skips the entry once the first commits.
          let release!: () => void;
          let inserted!: () => void;
          const gate = new Promise<void>((r) => (release = r));
          const holding = new Promise<void>((r) => (inserted = r));
          let xid = '';
          const first = other.transaction(async (tx) => {
            for (const st of dialStatements([...a])) await tx.query(st.sql, st.params);
            const [x] = await tx.query<{ x: string }>(`SELECT (txid_current() % 4294967296)::text AS x`);
            xid = x!.x;
            inserted();
            await gate;
          });
          await Promise.race([holding, first]);
          const second = writeDials(t.db, b);
          // The second writer waits on the first's transaction (the unique digest it inserted).
          await pollUntil(async () => {
            const [w] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted AND transactionid::text = $1`, [xid]);
            return w!.n > 0 ? true : undefined;
          }, 'the second writer waiting on the first one\'s new client ID', 20_000);
          release();
          await Promise.all([first, second]);
          expect(await count(t.db, 'SELECT count(*) FROM client_ids')).toBe(1);
          expect(await count(t.db, `SELECT count(*) FROM hellos WHERE client_name = 'Racer'`)).toBe(20);
        }));
    }
  });
}
