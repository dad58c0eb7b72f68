/**
 * ensure_day_partition under concurrency (sql/migrations/0011_partition_race.sql): two writers
 * asking for the same new day at once both get the partition, neither fails. The second waits on the
 * advisory lock while the first creates it; its catalog cache may still miss the new table after the
 * wait (an advisory lock does not process catalog invalidations as a relation lock does), so its
 * CREATE TABLE meets duplicate_table — which now means "another writer made it". Postgres only: one
 * PGlite instance is one session, so two writers cannot interleave there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeSharedPglite, engineTitle, postgresEngine, withFresh } from './helpers.js';
import { pollUntil } from '../integration/scrape.js';

afterAll(closeSharedPglite);

describe.skipIf(postgresEngine.skip !== null)(`ensure_day_partition races on ${engineTitle(postgresEngine)}`, () => {
  it('a second writer waiting for the same new day gets the partition the first created', () =>
    withFresh(postgresEngine)(async (t) => {
      const other = await t.reopen();
      try {
        for (const [i, table] of ['dials', 'hello_rows', 'node_sightings', 'discovery_v5_counters'].entries()) {
          const day = `2024-02-${String(10 + i).padStart(2, '0')}`;
          let release!: () => void;
          let created!: () => void;
          const gate = new Promise<void>((r) => (release = r));
          const holding = new Promise<void>((r) => (created = r));
          // The first writer creates the day's partition and keeps its transaction (and the lock) open.
          const first = other.transaction(async (tx) => {
            await tx.query('SELECT ensure_day_partition($1, $2::date)', [table, day]);
            created();
            await gate;
          });
          await Promise.race([holding, first]);
          // The second finds no partition (uncommitted), so it queues on this table's lock (the key
          // of 0011's pg_advisory_xact_lock: its low 32 bits are pg_locks.objid).
          const second = t.db.query<{ p: string }>('SELECT ensure_day_partition($1, $2::date) AS p', [table, day]);
          await pollUntil(async () => {
            const [w] = await t.db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                 AND objid::bigint = hashtext('nodefinder.partition.' || $1)::bigint & 4294967295`,
              [table],
            );
            return w!.n > 0 ? true : undefined;
          }, `the second writer waiting on the ${table} partition lock`, 20_000);
          release();
          await first;
          const [row] = await second;
          expect(row!.p).toBe(`${table}_${day.replaceAll('-', '')}`);
          const [n] = await t.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = $1::regclass AND inhrelid = $2::regclass`,
            [table, row!.p],
          );
          expect(n!.n).toBe(1);
        }
      } finally {
        await other.close();
      }
    }));
});
