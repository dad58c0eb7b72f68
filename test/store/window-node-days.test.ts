/**
 * The open day (issue 13) on both engines, over the hand-built report dataset (Jan 14–16 2024):
 * window-nodes (the snapshot's stages, IPs, countries and ASes), abusive-ips, nonproductive and
 * longitudinal-dials answer the same from window_node_days / window_inbound_ips as from raw rows, whatever part of the window the per-node rows cover — a
 * complete day, the closed hours of the open day, a window ending before or inside what they cover,
 * an empty window — and `report snapshot` JSON is identical. Retention drops a day's rows with its raw rows.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportContext } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { toJsonObject } from '../../src/report/render/index.js';
import { runReportQuery } from '../../src/report/sql.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { DatabaseError } from '../../src/store/errors.js';
import { pruneRaw } from '../../src/store/retention.js';
import { DAY_MS, rollupDay } from '../../src/store/rollup.js';
import { rollupOpenHours } from '../../src/store/rollup-hours.js';
import type { CrawlerEvent } from '../../src/events.js';
import { datasetEvents, datasetGeo, dial, hello, SINCE, status, UNTIL } from '../report/dataset.js';
import { closeSharedPglite, ENGINES, engineTitle, FlakyDatabase, freshWithEvents, type TestDb } from './helpers.js';

afterAll(closeSharedPglite);

const H = 3_600_000;
const MAINNET_GENESIS = 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3';
const M = 60_000;
const D0 = SINCE - DAY_MS; // Jan 14
const D2 = UNTIL; // Jan 16
/** Windows: 24 hours ending at, before and after the covered hours (14:00 on Jan 15), whole days, ragged and empty ones. */
const WINDOWS: [number, number][] = [
  [SINCE, UNTIL],
  [SINCE + 14 * H - DAY_MS, SINCE + 14 * H],
  [SINCE + 14 * H + 30 * M - DAY_MS, SINCE + 14 * H + 30 * M],
  [SINCE + 13 * H + 1 - DAY_MS, SINCE + 13 * H + 1],
  [SINCE + 13 * H + 30 * M, SINCE + 13 * H + 45 * M],
  [SINCE + 12 * H, SINCE + 14 * H + 5 * M],
  [D0, D2 + DAY_MS],
  [D0 + 5 * H + 1, SINCE + 20 * H],
  [SINCE + 14 * H, SINCE + 14 * H],
  [UNTIL, UNTIL + 3 * H],
];

/**
 * Besides the dataset: nodes whose latest HELLO/STATUS changes over the days and hours (client, chain,
 * fork verdict, capabilities), two HELLOs at the same instant (ties go to the greater dial_id), a
 * DISCONNECT without a node ID, and disconnects early and late on Jan 14 (a window starting inside it).
 */
function churnEvents(): CrawlerEvent[] {
  const at = (h: number) => SINCE + h * H;
  const quitting = dial({ instance: '22'.repeat(32), kind: 'inbound', node: 'n8', at: at(2) + 7 * M, received: ['too_many_peers'] });
  return [
    dial({ instance: '11'.repeat(32), kind: 'dynamic', node: 'n1', at: at(-4), hello: hello('Geth/v1.13.5-stable/linux-amd64/go1.21.0'), status: status({ network: 'sepolia' }), received: ['client_quitting'] }),
    dial({ instance: '11'.repeat(32), kind: 'dynamic', node: 'n1', at: at(2), hello: hello('Nethermind/v1.28.0/linux-x64/dotnet8.0.10', ['eth/67', 'les/4']), status: status({ verdict: 'local_stale' }) }),
    dial({ instance: '33'.repeat(32), kind: 'static', node: 'n3', at: at(3) + 20 * M, hello: hello('Nethermind/v1.29.0/linux-x64/dotnet8.0.10', ['eth/67', 'snap/1', 'les/4']), status: status({ verdict: 'incompatible' }), sent: ['subprotocol_error'] }),
    dial({ instance: '33'.repeat(32), kind: 'dynamic', node: 'n4', at: at(14) + 30 * M, hello: hello('erigon/v2.61.0/linux-amd64/go1.22.5'), status: status({ network: 'sepolia', bestBlock: 7001n }) }),
    dial({ instance: '11'.repeat(32), kind: 'dynamic', node: 'n2', at: at(13), hello: hello('Geth/v1.14.12-stable/linux-arm64/go1.22.5'), status: status({ bestBlock: 991n }) }),
    dial({ instance: '22'.repeat(32), kind: 'static', node: 'n8', at: at(-21), received: ['tcp_error'] }),
    dial({ instance: '22'.repeat(32), kind: 'static', node: 'n9', at: at(-20), received: ['tcp_error'] }),
    dial({ instance: '22'.repeat(32), kind: 'static', node: 'n8', at: at(-4), received: ['tcp_error', 'useless_peer'] }),
    { ...quitting, nodeId: null, publicKey: null },
  ];
}

async function answers(db: Queryable): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [since, until] of WINDOWS) {
    const args = { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
    out.push({ since, until, nodes: await runReportQuery(db, 'window-nodes', { ...args, excluded: '{}' }) });
    out.push({ since, until, abusive: await runReportQuery(db, 'abusive-ips', { ...args, min_ids: 1 }) });
    out.push({ since, until, nonproductive: await runReportQuery(db, 'nonproductive', { ...args, excluded: '{}' }) });
    // The snapshot's HELLO/STATUS/DISCONNECT sections (0008_open_day_sections.sql).
    for (const q of ['clients', 'capabilities', 'networks', 'fork-ids']) out.push({ since, until, [q]: await runReportQuery(db, q, { ...args, excluded: '{}' }) });
    out.push({ since, until, freshness: await runReportQuery(db, 'freshness', { ...args, excluded: '{}', genesis: MAINNET_GENESIS }) });
    out.push({ since, until, disconnects: await runReportQuery(db, 'disconnects', args) });
    for (const bucket of ['1 hour', '1 day']) out.push({ since, until, bucket, dials: await runReportQuery(db, 'longitudinal-dials', { ...args, bucket }) });
  }
  return out;
}

async function snapshots(db: Queryable): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [since, until] of WINDOWS.slice(0, 4)) {
    const ctx = new ReportContext(db, { since, until, generatedAt: UNTIL, geo: datasetGeo() });
    out.push(toJsonObject(await buildReport('snapshot', ctx)));
  }
  return out;
}

async function marks(db: Queryable): Promise<Record<string, string>> {
  const rows = await db.query<{ day: string; until: string }>(`SELECT day::text AS day, to_char(covered_until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS until FROM window_node_day_marks ORDER BY 1`);
  return Object.fromEntries(rows.map((r) => [r.day, r.until]));
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`window_node_days on ${engineTitle(engine)}`, () => {
    let t: TestDb;
    let db: Database;
    beforeEach(async () => {
      t = await freshWithEvents(engine, [...datasetEvents(), ...churnEvents()]);
      db = t.db;
    }, 120_000);
    afterEach(async () => {
      await t?.dispose();
    });

    it('window-nodes, longitudinal-dials and the snapshot answer exactly as raw rows while the open day fills in', async () => {
      const raw = await answers(db);
      const rawSnapshots = await snapshots(db);
      // Jan 14 rolled up (complete rows), Jan 15 the open day with its hours up to 14:00 merged.
      await rollupDay(db, D0);
      expect(await rollupOpenHours(db, SINCE + 14 * H + 20 * M)).toBe(14);
      expect(await marks(db)).toEqual({ '2024-01-14': '2024-01-15 00:00', '2024-01-15': '2024-01-15 14:00' });
      const [rows] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM window_node_days WHERE day = '2024-01-15'`);
      expect(rows!.n).toBeGreaterThan(10);
      expect(await answers(db)).toEqual(raw);
      expect(await snapshots(db)).toEqual(rawSnapshots);
      // Later hours of the open day, then the day itself rolled up (rows rebuilt, marked complete).
      expect(await rollupOpenHours(db, SINCE + 23 * H + 15 * M)).toBe(9);
      expect(await answers(db)).toEqual(raw);
      await rollupDay(db, SINCE);
      expect(await rollupOpenHours(db, D2 + 2 * H + 11 * M)).toBe(2);
      expect(await marks(db)).toEqual({ '2024-01-14': '2024-01-15 00:00', '2024-01-15': '2024-01-16 00:00', '2024-01-16': '2024-01-16 02:00' });
      expect(await answers(db)).toEqual(raw);
      expect(await snapshots(db)).toEqual(rawSnapshots);
    });

    it('hour rows rolled before the per-node rows existed: the open day is merged from midnight', async () => {
      const raw = await answers(db);
      await rollupDay(db, D0);
      expect(await rollupOpenHours(db, SINCE + 13 * H + 20 * M)).toBe(13);
      // As a database migrated to 0007 with the open day's hours already rolled up.
      await db.exec(`DELETE FROM window_node_days WHERE day = '2024-01-15'; DELETE FROM window_node_day_marks WHERE day = '2024-01-15'`);
      expect(await answers(db)).toEqual(raw);
      expect(await rollupOpenHours(db, SINCE + 14 * H + 20 * M)).toBe(1);
      expect((await marks(db))['2024-01-15']).toBe('2024-01-15 14:00');
      expect(await answers(db)).toEqual(raw);
    });

    it('the hourly pass summarizes the open day\'s BRIN ranges (a scan returns every unsummarized range)', async () => {
      await rollupDay(db, D0);
      // Failed dials early on Jan 15, enough to fill several 128-page BRIN ranges of its partition.
      await db.query(`INSERT INTO dials SELECT gen_random_uuid(), $1::timestamptz + g * interval '100 ms', $1::timestamptz + g * interval '100 ms',
        '\\x11'::bytea, 'dynamic', NULL, '192.0.2.9', 30303, NULL, 'error', 'timeout', 'test' FROM generate_series(1, 60000) g`, [new Date(SINCE).toISOString()]);
      const brinNew = async () => {
        const [r] = await db.query<{ n: number; indexes: number }>(
          `SELECT sum(brin_summarize_new_values(i.indexrelid))::int AS n, count(*)::int AS indexes FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_am am ON am.oid = ic.relam WHERE am.amname = 'brin' AND i.indrelid = to_regclass('dials_20240115')`,
        );
        return r;
      };
      expect(await rollupOpenHours(db, SINCE + 14 * H + 20 * M)).toBe(14);
      expect(await brinNew()).toEqual({ n: 0, indexes: 1 });
    });

    it('a failure while merging leaves the hour rows and per-node rows as they were; retention drops a day\'s rows', async () => {
      await rollupDay(db, D0);
      const flaky = new FlakyDatabase(db);
      flaky.failOn = (sql) => (sql.includes('INSERT INTO window_node_day_marks') ? new DatabaseError('injected failure', { transient: false }) : null);
      await expect(rollupOpenHours(flaky, SINCE + 14 * H + 20 * M)).rejects.toThrow('injected failure');
      const [open] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rollup_open_hours`);
      expect(open!.n).toBe(0);
      const [nd] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM window_node_days WHERE day = '2024-01-15'`);
      expect(nd!.n).toBe(0);
      expect(await marks(db)).toEqual({ '2024-01-14': '2024-01-15 00:00' });
      expect((await pruneRaw(db, SINCE)).dropped).toEqual([D0]);
      expect(await marks(db)).toEqual({});
      const [left] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM window_node_days`);
      expect(left!.n).toBe(0);
    });
  });
}
