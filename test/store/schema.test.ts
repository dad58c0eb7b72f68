import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../src/errors.js';
import { DISCONNECT_REASON_NAMES } from '../../src/devp2p/disconnect-reasons.js';
import { loadMigrations, migrate, migrationStatus } from '../../src/store/migrations.js';
import { MigrationError, SchemaTooNewError } from '../../src/store/errors.js';
import { ADDRESS_SOURCES, DIAL_KINDS, DIAL_OUTCOMES, DISCOVERY_PROTOCOLS, FORK_VERDICTS } from '../../src/store/validate.js';
import { RECORD_LAYERS } from '../../src/eth/record-layer.js';
import { DAY_PARTITIONED } from '../../src/store/partitions.js';
import { V5_COUNTER_FIELDS } from '../../src/events.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, type TestDb, withFresh } from './helpers.js';

// PGlite's start-up (seconds on a loaded machine) belongs to no test.
beforeAll(warmUp, 120_000);
afterAll(closeSharedPglite);

async function enumValues(t: TestDb, name: string): Promise<string[]> {
  const rows = await t.db.query<{ v: string }>(
    `SELECT e.enumlabel AS v FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid
      WHERE ty.typname = $1 AND ty.typnamespace = current_schema()::regnamespace ORDER BY e.enumsortorder`,
    [name],
  );
  return rows.map((r) => r.v);
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`schema on ${engineTitle(engine)}`, () => {
    const withDb = withFresh(engine, { migrated: false });

    it('migrates an empty database to the latest version, then is a no-op', () =>
      withDb(async (t) => {
        const all = loadMigrations();
        const before = await migrationStatus(t.db);
        expect(before.current).toBe(0);
        expect(before.pending.map((m) => m.name)).toEqual(all.map((m) => m.name));
        const applied = await migrate(t.db);
        expect(applied.map((m) => m.version)).toEqual(all.map((m) => m.version));
        const after = await migrationStatus(t.db);
        expect(after.current).toBe(all.length);
        expect(after.pending).toEqual([]);
        expect(after.applied.map((a) => a.checksum)).toEqual(all.map((m) => m.checksum));
        expect(await migrate(t.db)).toEqual([]);
      }));

    it('error_kind equals ERROR_KINDS and disconnect_reason equals DISCONNECT_REASON_NAMES', () =>
      withDb(async (t) => {
        await migrate(t.db);
        expect(await enumValues(t, 'error_kind')).toEqual([...ERROR_KINDS]);
        expect(await enumValues(t, 'disconnect_reason')).toEqual([...DISCONNECT_REASON_NAMES]);
        expect(await enumValues(t, 'dial_kind')).toEqual([...DIAL_KINDS]);
        expect(await enumValues(t, 'dial_outcome')).toEqual([...DIAL_OUTCOMES]);
        expect(await enumValues(t, 'fork_verdict')).toEqual([...FORK_VERDICTS]);
        expect(await enumValues(t, 'address_source')).toEqual([...ADDRESS_SOURCES, 'dial']);
        expect(await enumValues(t, 'discovery_protocol')).toEqual([...DISCOVERY_PROTOCOLS]);
        expect(await enumValues(t, 'record_layer')).toEqual([...RECORD_LAYERS]);
      }));

    it('comments every table and every column', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const uncommented = async () =>
          (
            await t.db.query<{ what: string }>(
              `SELECT c.relname AS what FROM pg_class c
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                  AND obj_description(c.oid, 'pg_class') IS NULL
               UNION ALL
               SELECT c.relname || '.' || a.attname FROM pg_class c
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                  AND col_description(c.oid, a.attnum) IS NULL
               ORDER BY 1`,
            )
          ).map((r) => r.what);
        expect(await uncommented()).toEqual([]);
        const [tables] = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r','p') AND NOT relispartition`,
        );
        expect(tables!.n).toBeGreaterThanOrEqual(16);
        // the check itself notices an uncommented table and column
        await t.db.exec(`CREATE TABLE uncommented_probe (x int); COMMENT ON TABLE uncommented_probe IS 'probe'`);
        expect(await uncommented()).toEqual(['uncommented_probe.x']);
      }));

    it('partitions the high-volume tables by day, with a default partition', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const rows = await t.db.query<{ name: string; strategy: string }>(
          `SELECT c.relname AS name, p.partstrat::text AS strategy FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
            WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1`,
        );
        expect(rows.map((r) => r.name)).toEqual([...DAY_PARTITIONED].sort());
        expect(rows.every((r) => r.strategy === 'r')).toBe(true);
        for (const table of DAY_PARTITIONED) {
          const [made] = await t.db.query<{ p: string }>(`SELECT ensure_day_partition($1, '2024-02-29'::date) AS p`, [table]);
          expect(made!.p).toBe(`${table}_20240229`);
          const [again] = await t.db.query<{ p: string }>(`SELECT ensure_day_partition($1, '2024-02-29'::date) AS p`, [table]);
          expect(again!.p).toBe(made!.p);
        }
        // Bounds are UTC days whatever the session time zone: route rows either side of midnight UTC.
        await t.db.query(
          `INSERT INTO discovery_counters VALUES ('2024-02-29T00:00:00Z', '\\x01', 0,0,0,0,0,0,0,0,0), ('2024-02-28T23:59:00Z', '\\x01', 0,0,0,0,0,0,0,0,0)`,
        );
        const routed = await t.db.query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM discovery_counters ORDER BY minute`);
        expect(routed.map((r) => r.part)).toEqual(['discovery_counters_default', 'discovery_counters_20240229']);
      }));

    it('stores discv5 counters per instance and minute, raw and rolled up (a column per summed event field)', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const cols = async (table: string) =>
          (await t.db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, [table])).map((r) => r.c);
        const sums = V5_COUNTER_FIELDS.map((k) => k.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`));
        expect(await cols('discovery_v5_counters')).toEqual(['minute', 'instance_id', ...sums, 'table_size']);
        expect(await cols('rollup_discovery_v5')).toEqual(['width', 'bucket', 'instance_id', ...sums, 'table_size']);
        expect(await cols('instance_totals')).toEqual(expect.arrayContaining(['v5_lookups', 'v5_findnode_sent', 'v5_nodes_received', 'v5_records_learned']));
        expect(await cols('rollup_days')).toContain('v5_counter_rows');
      }));

    it('moves rows out of the default partition when their day gets a partition', () =>
      withDb(async (t) => {
        await migrate(t.db);
        await t.db.query(
          `INSERT INTO discovery_counters VALUES ('2024-03-01T10:00:00Z', '\\x01', 1,2,3,4,5,6,7,8,9), ('2024-03-02T10:00:00Z', '\\x01', 1,2,3,4,5,6,7,8,9)`,
        );
        await t.db.query(`SELECT ensure_day_partition('discovery_counters', '2024-03-01')`);
        const rows = await t.db.query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM discovery_counters ORDER BY minute`);
        expect(rows.map((r) => r.part)).toEqual(['discovery_counters_20240301', 'discovery_counters_default']);
      }));

    it('refuses a database whose schema is newer than the code, in one typed line', () =>
      withDb(async (t) => {
        await migrate(t.db);
        const n = loadMigrations().length;
        await t.db.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, 'future', 'x')`, [n + 1]);
        const err = await migrationStatus(t.db).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SchemaTooNewError);
        expect((err as SchemaTooNewError).kind).toBe('database');
        expect((err as Error).message).not.toContain('\n');
        await expect(migrate(t.db)).rejects.toBeInstanceOf(SchemaTooNewError);
      }));

    it('refuses an applied migration whose file changed (checksum)', () =>
      withDb(async (t) => {
        const migrations = loadMigrations();
        await migrate(t.db, migrations);
        const edited = migrations.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: '00' } : m));
        await expect(migrationStatus(t.db, edited)).rejects.toThrow(/checksum mismatch/);
        await expect(migrate(t.db, edited)).rejects.toBeInstanceOf(MigrationError);
      }));

    it('applies a later migration (ALTER TYPE … ADD VALUE) forward-only', () =>
      withDb(async (t) => {
        const base = loadMigrations();
        await migrate(t.db, base);
        const next = [...base, { version: base.length + 1, name: `${String(base.length + 1).padStart(4, '0')}_more_kinds`, sql: `ALTER TYPE error_kind ADD VALUE 'new_kind';`, checksum: 'ab' }];
        const applied = await migrate(t.db, next);
        expect(applied.map((m) => m.name)).toEqual([next.at(-1)!.name]);
        expect((await enumValues(t, 'error_kind')).at(-1)).toBe('new_kind');
        // the old code now sees a newer schema and refuses it
        await expect(migrationStatus(t.db, base)).rejects.toBeInstanceOf(SchemaTooNewError);
      }));

    it('rolls back a failing migration entirely', () =>
      withDb(async (t) => {
        const base = loadMigrations();
        await migrate(t.db, base);
        const bad = [...base, { version: base.length + 1, name: '9999_bad', sql: `CREATE TABLE half_done (x int); SELECT no_such_function();`, checksum: 'cd' }];
        await expect(migrate(t.db, bad)).rejects.toBeInstanceOf(MigrationError);
        const [r] = await t.db.query<{ t: string | null }>(`SELECT to_regclass('half_done')::text AS t`);
        expect(r!.t).toBeNull();
        expect((await migrationStatus(t.db, base)).current).toBe(base.length);
      }));

    if (engine.name === 'postgres') {
      it('serialises concurrent migrators (several processes starting at once)', () =>
        withDb(async (t) => {
          const others = await Promise.all([t.reopen(), t.reopen(), t.reopen()]);
          const results = await Promise.all([t.db, ...others].map((db) => migrate(db)));
          expect(results.reduce((n, r) => n + r.length, 0)).toBe(loadMigrations().length);
          expect((await migrationStatus(t.db)).pending).toEqual([]);
        }));
    }
  });
}
