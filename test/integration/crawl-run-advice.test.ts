/**
 * A crawl on a Postgres server says in one line when the server's memory and WAL settings are below
 * a mainnet crawl's needs (src/store/server-settings.ts, README "Running against mainnet"); on the
 * embedded engine it says nothing about them. The server's answer is stated by the test (a stock
 * server and a tuned one), so the outcome does not depend on how this machine's server is set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Database, Row } from '../../src/store/database.js';
import { Netrestrict } from '../../src/net/netrestrict.js';
import { settingsAdvice } from '../../src/store/server-settings.js';
import { closeSharedPglite, ENGINES, engineTitle, withFresh } from '../store/helpers.js';
import { startCrawlRun } from './observe.js';

afterAll(closeSharedPglite);

const MB = 1024 * 1024;
const STOCK = { shared_buffers: 128 * MB, max_wal_size: 1024 * MB };
const TUNED = { shared_buffers: 1024 * MB, max_wal_size: 8192 * MB };

/** `db`, with pg_settings answering `settings` (bytes) for the two settings the crawl reads. */
function withSettings(db: Database, settings: Record<string, number>): Database {
  return {
    engine: db.engine,
    description: db.description,
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) =>
      sql.includes('FROM pg_settings') ? Promise.resolve(Object.entries(settings).map(([name, b]) => ({ name, bytes: String(b) })) as unknown as R[]) : db.query<R>(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`crawl start on ${engineTitle(engine)}`, () => {
    it.each([
      ['stock', STOCK],
      ['tuned', TUNED],
    ] as const)('logs the server-settings advice exactly when the settings call for it (%s server)', (_, settings) =>
      withFresh(engine, { migrated: false })(async (t) => {
        const lines: string[] = [];
        const crawl = await startCrawlRun({ instances: 1, port: 0, bootnodes: [], netrestrict: Netrestrict.parse('127.0.0.0/8'), db: withSettings(t.db, settings), log: (l) => lines.push(l) });
        await crawl.run.close();
        const about = lines.filter((l) => l.startsWith('postgres: '));
        if (engine.name === 'pglite' || settings === TUNED) expect(about).toEqual([]);
        else {
          expect(about).toEqual([settingsAdvice({ sharedBuffersBytes: STOCK.shared_buffers, maxWalSizeBytes: STOCK.max_wal_size })]);
          expect(about[0]).toContain('shared_buffers 128MB, max_wal_size 1024MB');
        }
      }));
  });
}
