/**
 * discovery_v5_counters events in the store: validated as bounded integers; written as per-minute
 * sums per instance whatever the batch boundaries and order (table size: the largest report);
 * summed into instance_totals; a replayed journal writes nothing twice — on both engines.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryV5CountersEvent } from '../../src/events.js';
import { InvalidEventError } from '../../src/store/errors.js';
import { validateEvent } from '../../src/store/validate.js';
import { EventWriter } from '../../src/store/writer.js';
import { closeSharedPglite, ENGINES, engineTitle, FlakyDatabase, warmUp, type TestDb, withFresh } from './helpers.js';
import { Rng, T0 } from './fixtures.js';

beforeAll(warmUp, 120_000);
afterAll(closeSharedPglite);

const SUMS = ['lookups', 'findnodeSent', 'nodesReceived', 'recordsLearned', 'pingsSent', 'pongsReceived', 'sessionsIn', 'requestsAnswered', 'dropped'] as const;
const COLUMNS = ['lookups', 'findnode_sent', 'nodes_received', 'records_learned', 'pings_sent', 'pongs_received', 'sessions_in', 'requests_answered', 'dropped'] as const;
const MINUTE = 60_000;

function v5Event(rng: Rng, instance: string, minute: number): DiscoveryV5CountersEvent {
  const ev = { type: 'discovery_v5_counters', instance, minute, tableSize: rng.int(5000) } as DiscoveryV5CountersEvent;
  for (const k of SUMS) ev[k] = rng.int(1000);
  return ev;
}

/** Three instances, 30 minutes across a UTC midnight, each minute reported once or twice (a split batch). */
function stream(seed: number): DiscoveryV5CountersEvent[] {
  const rng = new Rng(seed);
  const instances = [rng.hex(32), rng.hex(32), rng.hex(32)];
  const start = Math.floor(T0 / 86_400_000) * 86_400_000 + 86_400_000 - 15 * MINUTE;
  const out: DiscoveryV5CountersEvent[] = [];
  for (let m = 0; m < 30; m++) for (const i of instances) for (let n = 1 + rng.int(2); n > 0; n--) out.push(v5Event(rng, i, start + m * MINUTE));
  return out;
}

/** What the table must hold: per instance and minute, the sums and the largest table size. */
function expected(events: readonly DiscoveryV5CountersEvent[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const e of events) {
    const key = `${e.instance}|${e.minute}`;
    const r = out.get(key) ?? Object.fromEntries([...COLUMNS.map((c) => [c, 0]), ['table_size', 0]]);
    SUMS.forEach((k, i) => (r[COLUMNS[i]!]! += e[k]));
    r['table_size'] = Math.max(r['table_size']!, e.tableSize);
    out.set(key, r);
  }
  return out;
}

describe('validateEvent: discovery_v5_counters', () => {
  const good = (): DiscoveryV5CountersEvent => v5Event(new Rng(1), 'ab'.repeat(32), T0);

  it('accepts bounded non-negative integers and returns exactly the known fields', () => {
    const ev = good();
    expect(validateEvent({ ...ev, extra: 1 } as never)).toEqual(ev);
    expect(validateEvent({ ...ev, lookups: 2 ** 31 - 1 })).toMatchObject({ lookups: 2 ** 31 - 1 });
  });

  it('rejects negative, fractional, oversized, non-numeric or missing counters, and a bad instance or minute, with a typed error', () => {
    const bad: [string, unknown][] = [];
    for (const k of [...SUMS, 'tableSize'] as const) for (const v of [-1, 1.5, 2 ** 31, '7', null, undefined, NaN]) bad.push([k, v]);
    bad.push(['instance', 'xyz'], ['instance', 'AB'.repeat(32)], ['minute', -5], ['minute', 'now']);
    for (const [k, v] of bad) {
      const err = (() => {
        try {
          validateEvent({ ...good(), [k]: v } as never);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, `${k}=${String(v)}`).toBeInstanceOf(InvalidEventError);
      expect((err as InvalidEventError).kind).toBe('internal');
    }
  });
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`discovery_v5_counters writes on ${engineTitle(engine)}`, () => {
    const withDb = withFresh(engine);
    const rows = async (t: TestDb) =>
      new Map(
        (
          await t.db.query<Record<string, number | string>>(
            `SELECT encode(instance_id, 'hex') || '|' || (extract(epoch FROM minute) * 1000)::bigint AS k, ${COLUMNS.map((c) => `${c}::int`).join(', ')}, table_size
               FROM discovery_v5_counters ORDER BY 1`,
          )
        ).map(({ k, ...r }) => [String(k), r]),
      );
    const totals = (t: TestDb) =>
      t.db.query(`SELECT encode(instance_id, 'hex') AS i, v5_lookups::int, v5_findnode_sent::int, v5_nodes_received::int, v5_records_learned::int FROM instance_totals ORDER BY 1`);

    it('stores per-minute sums whatever the batch boundaries and order; instance_totals holds the sums; day partitions only', () =>
      withDb(async (t) => {
        const events = stream(3);
        const rng = new Rng(9);
        const shuffled = [...events];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const w = await EventWriter.open(t.db, { journalDir: null, batchSize: 7 });
        w.writeMany(shuffled);
        await w.close();
        expect(w.stats()).toMatchObject({ dropped: 0, written: events.length });
        const want = expected(events);
        expect(await rows(t)).toEqual(want);
        const perInstance = new Map<string, number[]>();
        for (const e of events) {
          const s = perInstance.get(e.instance) ?? [0, 0, 0, 0];
          [e.lookups, e.findnodeSent, e.nodesReceived, e.recordsLearned].forEach((v, i) => (s[i]! += v));
          perInstance.set(e.instance, s);
        }
        expect(await totals(t)).toEqual(
          [...perInstance.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([i, s]) => ({ i, v5_lookups: s[0], v5_findnode_sent: s[1], v5_nodes_received: s[2], v5_records_learned: s[3] })),
        );
        // The stream crosses a UTC midnight: two day partitions, nothing in the default one.
        const parts = await t.db.query<{ p: string }>(`SELECT DISTINCT tableoid::regclass::text AS p FROM discovery_v5_counters ORDER BY 1`);
        expect(parts.length).toBe(2);
        expect(parts.every((r) => /^discovery_v5_counters_\d{8}$/.test(r.p))).toBe(true);
      }));

    it('a replayed journal writes nothing twice', () =>
      withDb(async (t) => {
        const dir = mkdtempSync(join(tmpdir(), 'nf-v5-'));
        const copy = mkdtempSync(join(tmpdir(), 'nf-v5-copy-'));
        try {
          const events = stream(4);
          const flaky = new FlakyDatabase(t.db);
          flaky.down = true;
          const a = await EventWriter.open(flaky, { journalDir: dir, batchSize: 20, maxBufferedEvents: 40, retryInitialMs: 60_000 });
          a.writeMany(events);
          await a.close(); // the database is down: every event lands in the journal
          expect(a.stats()).toMatchObject({ spilled: events.length, dropped: 0 });
          for (const f of readdirSync(dir)) appendFileSync(join(copy, f), readFileSync(join(dir, f)));
          const b = await EventWriter.open(t.db, { journalDir: dir });
          await b.close();
          expect(b.stats()).toMatchObject({ replayed: events.length, duplicates: 0 });
          const once = { rows: await rows(t), totals: await totals(t) };
          expect(once.rows).toEqual(expected(events));
          // A crash between commit and journal deletion: the same journal comes back, and is a no-op.
          const c = await EventWriter.open(t.db, { journalDir: copy });
          await c.close();
          expect(c.stats()).toMatchObject({ replayed: 0, written: 0, duplicates: events.length });
          expect({ rows: await rows(t), totals: await totals(t) }).toEqual(once);
        } finally {
          rmSync(dir, { recursive: true, force: true });
          rmSync(copy, { recursive: true, force: true });
        }
      }));
  });
}
