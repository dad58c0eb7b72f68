/**
 * Rollups and retention on both engines, over the hand-built report dataset (test/report/dataset.ts:
 * Jan 14–16 2024): every longitudinal query answers the same from rollups as from raw rows, for hourly
 * and daily buckets and for windows that do not start or end on a bucket; re-rolling gives the same
 * rows; a failure mid-rollup leaves nothing half-written; retention drops rolled-up days only.
 */
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { ReportContext } from '../../src/report/context.js';
import { buildReport, REPORT_NAMES } from '../../src/report/registry.js';
import { toJsonObject } from '../../src/report/render/index.js';
import { runReportQuery } from '../../src/report/sql.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { DatabaseError } from '../../src/store/errors.js';
import { startMaintenance } from '../../src/store/maintenance.js';
import { pruneRaw } from '../../src/store/retention.js';
import { ManualClock } from '../../src/net/clock.js';
import { DAY_MS, planRollup, rawDays, rolledDays, rollup, rollupDay, rttBucketLowMs } from '../../src/store/rollup.js';
import { rollupOpenHours } from '../../src/store/rollup-hours.js';
import { datasetEvents, datasetGeo, SINCE, UNTIL } from '../report/dataset.js';
import { pollUntil } from '../integration/scrape.js';
import { closeSharedPglite, ENGINES, engineTitle, FlakyDatabase, freshWithEvents, type TestDb } from './helpers.js';

afterAll(closeSharedPglite);

/**
 * Await `task` while moving `clock` a second at a time whenever a timer of it waits (the maintenance
 * pass's pauses); returns how many times time had to move.
 */
async function whileClockMoves(clock: ManualClock, task: Promise<unknown>): Promise<number> {
  let done = false;
  task.then(
    () => (done = true),
    () => (done = true),
  );
  let moves = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1));
    if (done) break;
    // A pause waits (the next pass is armed only once this one ended, an interval of 1 h later).
    if (clock.pending > 0) {
      clock.advance(1_000);
      moves++;
    }
  }
  await task;
  return moves;
}

const H = 3_600_000;
const D0 = SINCE - DAY_MS; // Jan 14
const D2 = UNTIL; // Jan 16
const D3 = UNTIL + DAY_MS; // Jan 17: no rows
const NOW = UNTIL + 2 * DAY_MS; // Jan 18: Jan 14–17 are closed
const LONGITUDINAL = ['longitudinal-dials', 'longitudinal-clients', 'longitudinal-discovery', 'longitudinal-new-nodes', 'longitudinal-rtt'] as const;
/** Windows: whole days, and ragged edges (partial first and last buckets). */
const WINDOWS: [number, number][] = [
  [D0, D2 + DAY_MS],
  [SINCE, UNTIL],
  [SINCE + 13 * H + 1800_000, UNTIL + 2 * H],
  [D0 + 5 * H + 1, SINCE + 14 * H + 5],
];

const ROLLUP_TABLES = ['rollup_days', 'rollup_dials', 'rollup_clients', 'rollup_discovery', 'rollup_discovery_v5', 'rollup_dial_outcomes', 'rollup_disconnects', 'rollup_day_nodes', 'rollup_rtt', 'window_node_days', 'window_inbound_ips'];

async function answers(db: Queryable, windows: [number, number][] = WINDOWS): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [since, until] of windows) {
    for (const bucket of ['1 hour', '1 day']) {
      for (const name of LONGITUDINAL) {
        const args: Record<string, unknown> = { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
        // longitudinal-rtt is per UTC day whatever the bucket (one histogram per day).
        if (name !== 'longitudinal-rtt') args['bucket'] = bucket;
        out.push({ name, since, bucket, rows: await runReportQuery(db, name, args) });
      }
    }
  }
  return out;
}

async function dump(db: Queryable): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ROLLUP_TABLES) {
    const cols = t === 'rollup_days' ? 'day::text, dials, hellos, statuses, disconnects, sightings, counter_rows, v5_counter_rows' : '*';
    out[t] = await db.query(`SELECT ${cols} FROM ${t} ORDER BY ${t === 'rollup_rtt' ? '1, 2' : '1, 2, 3, 4'}`);
  }
  return out;
}

async function v5RawRows(db: Queryable, dayMs: number): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM discovery_v5_counters WHERE minute >= $1::timestamptz AND minute < $2::timestamptz`,
    [new Date(dayMs).toISOString(), new Date(dayMs + DAY_MS).toISOString()],
  );
  return r!.n;
}

/** discv5 per instance and day from the rollup: survives the raw rows (rollup_discovery_v5 keeps the instance). */
const v5PerInstanceDay = (db: Queryable) =>
  db.query(`SELECT bucket, left(encode(instance_id, 'hex'), 2) AS i, lookups::int, findnode_sent::int, records_learned::int, table_size
              FROM rollup_discovery_v5 WHERE width = 'day' ORDER BY 1, 2`);

async function rawRows(db: Queryable, dayMs: number): Promise<number> {
  const [r] = await db.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM dials WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz)
           + (SELECT count(*) FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz)
           + (SELECT count(*) FROM node_sightings WHERE day = $1::date)
           + (SELECT count(*) FROM discovery_counters WHERE minute >= $1::timestamptz AND minute < $2::timestamptz)
           + (SELECT count(*) FROM discovery_v5_counters WHERE minute >= $1::timestamptz AND minute < $2::timestamptz))::int AS n`,
    [new Date(dayMs).toISOString(), new Date(dayMs + DAY_MS).toISOString()],
  );
  return r!.n;
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`rollups on ${engineTitle(engine)}`, () => {
    let t: TestDb;
    let db: Database;
    beforeEach(async () => {
      t = await freshWithEvents(engine, datasetEvents());
      db = t.db;
    }, 120_000);
    afterEach(async () => {
      await t?.dispose();
    });

    it('rollups answer every longitudinal query exactly as raw rows; re-rolling gives the same rows', async () => {
      const raw = await answers(db);
      expect(await rawDays(db)).toEqual([D0, SINCE, D2]);
      const rolled = await rollup(db, { since: 0, until: NOW, now: NOW, onlyMissing: true });
      expect(rolled).toEqual([D0, SINCE, D2]);
      expect(await rolledDays(db)).toEqual([D0, SINCE, D2]);
      const rows = await dump(db);
      expect(rows['rollup_dials']!.length).toBeGreaterThan(3);
      // discv5: per instance and bucket (I1 Jan 14, I1 Jan 15 with its two reports of 12:00 summed, I3 Jan 15).
      const perDay = await v5PerInstanceDay(db);
      expect(perDay).toEqual([
        { bucket: new Date(D0), i: '11', lookups: 1, findnode_sent: 4, records_learned: 12, table_size: 24 },
        { bucket: new Date(SINCE), i: '11', lookups: 2, findnode_sent: 8, records_learned: 24, table_size: 26 },
        { bucket: new Date(SINCE), i: '33', lookups: 1, findnode_sent: 9, records_learned: 27, table_size: 29 },
      ]);
      expect(await db.query(`SELECT v5_counter_rows::int AS n FROM rollup_days ORDER BY day`)).toEqual([{ n: 1 }, { n: 2 }, { n: 0 }]);
      expect(await answers(db)).toEqual(raw);
      // Idempotent: rolling again (on demand) rewrites the same rows.
      expect(await rollup(db, { since: D0, until: D3, now: NOW })).toEqual([D0, SINCE, D2]);
      expect(await dump(db)).toEqual(rows);
      // An empty closed day is rolled on request (no rollup rows but its marker).
      expect(await rollup(db, { since: D3, until: NOW, now: NOW })).toEqual([D3]);
      expect(await rolledDays(db)).toEqual([D0, SINCE, D2, D3]);
      expect(await answers(db)).toEqual(raw);
      // The reports read rollups once the raw rows are gone (whole-day windows): same longitudinal report.
      const ctx = (q: Queryable) => new ReportContext(q, { since: D0, until: D2 + DAY_MS, generatedAt: NOW, geo: datasetGeo() });
      const before = toJsonObject(await buildReport('longitudinal', ctx(db)));
      const pruned = await pruneRaw(db, NOW);
      expect(pruned.dropped).toEqual([D0, SINCE, D2]);
      for (const d of [D0, SINCE, D2]) expect(await rawRows(db, d)).toBe(0);
      expect(toJsonObject(await buildReport('longitudinal', ctx(db)))).toEqual(before);
      expect(await v5PerInstanceDay(db)).toEqual(perDay);
      expect(await answers(db, [WINDOWS[0]!, WINDOWS[1]!])).toEqual(raw.slice(0, 2 * 2 * LONGITUDINAL.length));
      // Rebuilding pruned days would erase their rollups: they are not planned, nor rolled when asked.
      expect(await rollup(db, { since: D0, until: D3, now: NOW })).toEqual([]);
      expect(await rollupDay(db, SINCE)).toBe(false);
      expect(await answers(db, [WINDOWS[0]!, WINDOWS[1]!])).toEqual(raw.slice(0, 2 * 2 * LONGITUDINAL.length));
      // Every report still runs on a pruned database (window reports then see no raw rows).
      for (const name of REPORT_NAMES) await buildReport(name, ctx(db));
    });

    it('per-day aggregates equal the window queries of that day', async () => {
      await rollup(db, { since: SINCE, until: UNTIL, now: NOW });
      const day = { since: new Date(SINCE).toISOString(), until: new Date(UNTIL).toISOString() };
      const outcomes = await runReportQuery(db, 'dial-outcomes', day);
      const rolledOutcomes = await db.query(
        `SELECT kind::text AS kind, outcome::text AS outcome, error_kind::text AS error_kind, dials, nodes FROM rollup_dial_outcomes
          WHERE day = '2024-01-15' ORDER BY 1, dials DESC, 2, 3`,
      );
      expect(rolledOutcomes).toEqual(outcomes);
      const disconnects = await runReportQuery(db, 'disconnects', day);
      expect(await db.query(`SELECT direction::text AS direction, reason::text AS reason, messages, nodes, connections FROM rollup_disconnects WHERE day = '2024-01-15' ORDER BY 1, messages DESC, 2`)).toEqual(disconnects);
      const [stages] = await runReportQuery(db, 'snapshot-stages', { ...day, excluded: '{}' });
      const [fromSet] = await db.query(
        `SELECT count(*) FILTER (WHERE stages & 1 <> 0)::int AS discovered, count(*) FILTER (WHERE stages & 2 <> 0)::int AS dialed,
                count(*) FILTER (WHERE stages & 4 <> 0)::int AS responded, count(*) FILTER (WHERE stages & 8 <> 0)::int AS inbound,
                count(*) FILTER (WHERE stages & 16 <> 0)::int AS hello, count(*) FILTER (WHERE stages & 32 <> 0)::int AS status,
                count(*) FILTER (WHERE stages & 64 <> 0)::int AS mainnet, 0 AS excluded
           FROM rollup_day_nodes WHERE day = '2024-01-15'`,
      );
      expect(fromSet).toEqual(stages);
      // Per-IP placement: each node's IP of its connections, else its address.
      const ips = await db.query<{ ip: string; nodes: number }>(`SELECT host(ip) AS ip, count(*)::int AS nodes FROM rollup_day_nodes WHERE day = '2024-01-15' GROUP BY 1 ORDER BY 2 DESC, 1`);
      expect(ips.slice(0, 2)).toEqual([
        { ip: '127.0.0.1', nodes: 10 },
        { ip: '45.10.20.30', nodes: 10 },
      ]);
      const [geth] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rollup_day_nodes WHERE day = '2024-01-15' AND client_name = 'Geth' AND release = '1.14.11'`);
      expect(geth!.n).toBe(4);
      // RTT: the day's latency-nodes values in log buckets (four per doubling).
      const rtts = await runReportQuery<{ rtt_ms: number }>(db, 'latency-nodes', { ...day, excluded: '{}' });
      expect(rtts.length).toBeGreaterThan(4);
      const hist = new Map<number, number>();
      for (const r of rtts) {
        const k = Math.floor(4 * Math.log2(Math.max(r.rtt_ms, 1)) + 1e-9);
        hist.set(k, (hist.get(k) ?? 0) + 1);
        expect(rttBucketLowMs(k)).toBeLessThanOrEqual(Math.max(r.rtt_ms, 1));
        expect(rttBucketLowMs(k + 1)).toBeGreaterThan(r.rtt_ms);
      }
      const rolledRtt = await db.query<{ bucket: number; nodes: number }>(`SELECT bucket, nodes FROM rollup_rtt WHERE day = '2024-01-15' ORDER BY 1`);
      expect(rolledRtt).toEqual([...hist.entries()].sort((a, b) => a[0] - b[0]).map(([bucket, nodes]) => ({ bucket, nodes })));
      // longitudinal-rtt reads that histogram: the day's nodes, and percentiles within a bucket of latency-nodes'.
      const [rttDay] = await runReportQuery<{ bucket_ms: number; nodes: number; p50_ms: number; p90_ms: number; histogram: string }>(db, 'longitudinal-rtt', day);
      expect(rttDay).toMatchObject({ bucket_ms: SINCE, nodes: rtts.length, histogram: rolledRtt.map((r) => `${r.bucket}:${r.nodes}`).join(',') });
      const sorted = rtts.map((r) => r.rtt_ms).sort((a, b) => a - b);
      for (const [p, got] of [[0.5, rttDay!.p50_ms], [0.9, rttDay!.p90_ms]] as const) {
        const want = sorted[Math.ceil(p * sorted.length) - 1]!; // the node whose rank reaches p
        // the bucket's geometric centre: within 2^±(1/8) of any value in it
        expect(got / Math.max(want, 1)).toBeGreaterThanOrEqual(2 ** -0.125 - 1e-9);
        expect(got / Math.max(want, 1)).toBeLessThanOrEqual(2 ** 0.125 + 1e-9);
      }
    });

    it("the day's rollup rebuilds exactly the hour rows and per-node rows its hourly passes built", async () => {
      await rollupDay(db, D0);
      // Jan 15's hours up to 23:00 as the crawl rolls them (the dataset has no rows after 23:00).
      expect(await rollupOpenHours(db, UNTIL - 1, { graceMs: 0 })).toBe(23);
      const hourRows = async () => {
        const out: Record<string, unknown[]> = {};
        const lo = new Date(SINCE).toISOString();
        const hi = new Date(UNTIL).toISOString();
        for (const t of ['rollup_dials', 'rollup_clients', 'rollup_discovery', 'rollup_discovery_v5'])
          out[t] = await db.query(`SELECT * FROM ${t} WHERE width = 'hour' AND bucket >= $1::timestamptz AND bucket < $2::timestamptz ORDER BY 1, 2, 3, 4`, [lo, hi]);
        out['window_node_days'] = await db.query(`SELECT * FROM window_node_days WHERE day = $1::date ORDER BY node_id`, [lo]);
        out['window_inbound_ips'] = await db.query(`SELECT day, host(ip) AS ip, node_id, last_at FROM window_inbound_ips WHERE day = $1::date ORDER BY 2, 3`, [lo]);
        return out;
      };
      const hourly = await hourRows();
      expect(hourly['rollup_dials']!.length).toBeGreaterThan(2);
      expect(hourly['rollup_clients']!.length).toBeGreaterThan(2);
      expect(hourly['rollup_discovery_v5']!.length).toBe(2);
      expect(hourly['window_node_days']!.length).toBeGreaterThan(10);
      expect(hourly['window_inbound_ips']!.length).toBeGreaterThan(0);
      await rollupDay(db, SINCE);
      expect(await hourRows()).toEqual(hourly);
    });

    it('a failure mid-rollup leaves nothing half-written, and the day is rolled up cleanly afterwards', async () => {
      await rollupDay(db, SINCE);
      const good = await dump(db);
      // Break the day: re-roll with a failure injected at the last statements.
      const flaky = new FlakyDatabase(db);
      for (const at of ['INSERT INTO rollup_day_nodes', 'INSERT INTO rollup_days', 'INSERT INTO rollup_disconnects']) {
        flaky.failOn = (sql) => (sql.includes(at) ? new DatabaseError('injected failure', { transient: false }) : null);
        await expect(rollupDay(flaky, SINCE)).rejects.toThrow('injected failure');
        expect(await dump(db)).toEqual(good);
        await expect(rollupDay(flaky, D0)).rejects.toThrow('injected failure');
        expect(await dump(db)).toEqual(good);
      }
      expect(await rolledDays(db)).toEqual([SINCE]);
      flaky.failOn = null;
      await rollupDay(flaky, D0);
      expect(await rolledDays(db)).toEqual([D0, SINCE]);
    });

    it('retention never drops a day that is not rolled up', async () => {
      // Only Jan 15 rolled (by hand, bypassing the planner that would roll Jan 14 too).
      await rollupDay(db, SINCE);
      const before = await Promise.all([D0, SINCE, D2].map((d) => rawRows(db, d)));
      expect(before.every((n) => n > 0)).toBe(true);
      const r = await pruneRaw(db, NOW);
      expect(r).toEqual({ dropped: [SINCE], keptUnrolled: [D0, D2] });
      expect(await rawRows(db, D0)).toBe(before[0]);
      expect(await rawRows(db, D2)).toBe(before[2]);
      expect(await rawRows(db, SINCE)).toBe(0);
      // discv5's raw rows likewise: gone with the rolled day, kept for the unrolled one.
      expect(await v5RawRows(db, SINCE)).toBe(0);
      expect(await v5RawRows(db, D0)).toBe(1);
      // A day younger than the cutoff is kept even when rolled up.
      await rollupDay(db, D2);
      expect((await pruneRaw(db, D2 + DAY_MS - 1)).dropped).toEqual([]);
      expect(await rawRows(db, D2)).toBe(before[2]);
    });

    it('plans: only closed days; an earlier unrolled day with raw rows is rolled first (no gap below the watermark)', async () => {
      expect((await planRollup(db, { since: D2, until: NOW, now: D2 + H })).days).toEqual([D0, SINCE]);
      expect((await planRollup(db, { since: D2, until: NOW, now: NOW })).days).toEqual([D0, SINCE, D2, D3]);
      expect((await planRollup(db, { since: D2, until: D2 + 1, now: NOW })).days).toEqual([D0, SINCE, D2]);
      await rollupDay(db, SINCE);
      expect((await planRollup(db, { since: 0, until: NOW, now: NOW, onlyMissing: true })).days).toEqual([D0, D2]);
      expect((await planRollup(db, { since: SINCE, until: UNTIL, now: NOW })).days).toEqual([D0, SINCE]);
    });

    it('the crawl hook rolls up closed days after the grace period and applies --retain-raw, paced on a server', async () => {
      // Jan 17 00:30: Jan 14–16 closed, but Jan 16 closed less than the 1 h grace ago.
      const clock = new ManualClock(D3 + 30 * 60_000);
      const lines: string[] = [];
      const m = startMaintenance(db, { clock, retainRawMs: 2 * DAY_MS, intervalMs: H, log: (l) => lines.push(l) });
      clock.advance(60_000);
      // Paced on a server (src/store/pace.ts): the pass waits on the clock between statements, so it
      // ends only as time moves. Not on the embedded engine, whose one connection the writer shares.
      const pauses = await whileClockMoves(clock, m.runOnce());
      if (engine.name === 'postgres') expect(pauses).toBeGreaterThan(20);
      else expect(pauses).toBe(0);
      expect(await rolledDays(db)).toEqual([D0, SINCE]);
      // Retention 2 days: Jan 14 ended more than 2 days before Jan 17 00:30; Jan 15 not yet.
      expect(await rawRows(db, D0)).toBe(0);
      expect(await rawRows(db, SINCE)).toBeGreaterThan(0);
      clock.advance(H);
      await whileClockMoves(clock, m.runOnce());
      expect(await rolledDays(db)).toEqual([D0, SINCE, D2]);
      expect(lines.filter((l) => l.startsWith('rollup:'))).toEqual(['rollup: 2 day(s) rolled up', 'rollup: 1 day(s) rolled up']);
      expect(lines).toContain('retention: dropped the raw rows of 1 rolled-up day(s)');
      await m.stop();
      expect(clock.pending).toBe(0);
      // A stopped crawl starts no further day.
      expect(await rollup(db, { since: 0, until: NOW, now: NOW, signal: AbortSignal.abort() })).toEqual([]);
    });

    it('a stopping crawl cuts the pauses short: its maintenance finishes the day at full speed', async () => {
      const clock = new ManualClock(D3 + 30 * 60_000);
      const m = startMaintenance(db, { clock, intervalMs: H, yieldRatio: 1 });
      clock.advance(60_000);
      // The clock never moves again: only stop() can end the pass's pauses.
      await pollUntil(() => clock.pending > 0 || undefined, 'a pause of the pass', 20_000);
      await m.stop();
      expect(clock.pending).toBe(0);
      expect(await rolledDays(db)).toEqual([D0]);
    });

    it("the hourly pass summarizes the open day's BRIN ranges (else the raw remainder reads the whole day)", async () => {
      // ~1 000 pages of dials at 02:00 on Jan 15: BRIN ranges (128 pages) that only VACUUM or a summarize call fill in.
      await db.query(
        `INSERT INTO dials (dial_id, started_at, ended_at, instance_id, kind, node_id, ip, tcp_port, outcome, error_kind)
         SELECT md5(g::text)::uuid, $1::timestamptz + g * interval '1 ms', $1::timestamptz + g * interval '1 ms', decode(md5('i'), 'hex'),
                'dynamic', decode(md5(g::text) || md5(g::text), 'hex'), '192.0.2.1', 30303, 'error', 'timeout'
         FROM generate_series(1, 40000) g`,
        [new Date(SINCE + 2 * H).toISOString()],
      );
      await rollupDay(db, D0);
      expect(await rollupOpenHours(db, SINCE + 14 * H + 30 * 60_000)).toBe(14);
      // Nothing left to summarize in the open day's partitions (brin_summarize_new_values counts what it adds).
      for (const t of ['dials_20240115', 'hello_rows_20240115']) {
        const rows = await db.query<{ n: number }>(
          `SELECT brin_summarize_new_values(x.indexrelid)::int AS n FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_am am ON am.oid = i.relam WHERE am.amname = 'brin' AND x.indrelid = to_regclass($1)`,
          [t],
        );
        expect(rows).toEqual([{ n: 0 }]);
      }
    });

    it('closed hours of the open day are rolled up as they close, and answer hourly queries exactly', async () => {
      const hourly = async () => (await answers(db)).filter((a) => (a as { bucket: string }).bucket === '1 hour');
      const raw = await hourly();
      // The open day is Jan 15: nothing before Jan 14 is rolled, so no hours are rolled either.
      expect(await rollupOpenHours(db, SINCE + 14 * H + 30 * 60_000)).toBe(0);
      await rollupDay(db, D0);
      expect(await rollupOpenHours(db, SINCE + 14 * H + 5 * 60_000)).toBe(13); // 14:05 is within the 10 min grace of 14:00
      expect(await rollupOpenHours(db, SINCE + 14 * H + 30 * 60_000)).toBe(1);
      expect(await rollupOpenHours(db, SINCE + 14 * H + 40 * 60_000)).toBe(0);
      expect(await hourly()).toEqual(raw);
      // Served from the hour rows: the raw rows of 13:00–14:00 can go without changing hourly answers.
      await db.query(`DELETE FROM dials WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz`, [new Date(SINCE + 13 * H).toISOString(), new Date(SINCE + 14 * H).toISOString()]);
      await db.query(`DELETE FROM hello_rows WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz`, [new Date(SINCE + 13 * H).toISOString(), new Date(SINCE + 14 * H).toISOString()]);
      // …and so can the discovery counters of 12:00–13:00 (v4 and v5).
      for (const t of ['discovery_counters', 'discovery_v5_counters'])
        await db.query(`DELETE FROM ${t} WHERE minute >= $1::timestamptz AND minute < $2::timestamptz`, [new Date(SINCE + 12 * H).toISOString(), new Date(SINCE + 13 * H).toISOString()]);
      expect(await hourly()).toEqual(raw);
      expect(await rollupOpenHours(db, SINCE + 17 * H)).toBe(2);
      // Rolling the day itself replaces its hour rows and forgets the open-hours mark.
      await rollupDay(db, SINCE);
      const [marks] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM rollup_open_hours`);
      expect(marks!.n).toBe(0);
      const [hour13] = await db.query<{ n: number }>(`SELECT dynamic_dials AS n FROM rollup_dials WHERE width = 'hour' AND bucket = $1::timestamptz`, [new Date(SINCE + 13 * H).toISOString()]);
      expect(hour13).toBeUndefined();
    });
  });
}
