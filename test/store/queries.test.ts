import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { EventWriter } from '../../src/store/writer.js';
import { openDatabase, openMigratedDatabase } from '../../src/store/open.js';
import { DatabaseUnavailableError } from '../../src/store/errors.js';
import {
  claimRedials,
  expireNodes,
  loadInstances,
  loadInstanceTotals,
  loadStaticSet,
  releaseRedial,
} from '../../src/store/queries.js';
import { claimRedialNodes } from '../../src/store/leases.js';
import type { Database } from '../../src/store/database.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, withFresh } from './helpers.js';
import { countableStream, makeWorld, Rng, T0 } from './fixtures.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

beforeAll(warmUp);
afterAll(closeSharedPglite);

const HOUR = 3_600_000;
const INST = '01'.repeat(32);
const id = (n: number) => n.toString(16).padStart(64, '0');
const pk = (n: number) => n.toString(16).padStart(128, '0');

const ipOf = (n: number) => `10.0.${n >> 8}.${n & 255}`;

function seen(n: number, at: number, ip = ipOf(n), tcpPort = 30303): CrawlerEvent {
  return { type: 'node_seen', instance: INST, nodeId: id(n), publicKey: pk(n), ip, udpPort: 30303, tcpPort, source: 'neighbors', at };
}

let dialSeq = 0;
function dialTo(n: number, at: number, outcome: DialEvent['outcome'], tooMany = false): DialEvent {
  dialSeq++;
  return withDialPolicy({
    type: 'dial',
    dialId: `00000000-0000-4000-8000-${dialSeq.toString(16).padStart(12, '0')}`,
    instance: INST,
    kind: 'dynamic',
    nodeId: id(n),
    publicKey: pk(n),
    ip: ipOf(n),
    tcpPort: 30303,
    startedAt: at,
    endedAt: at + 100,
    connectMs: 5,
    outcome,
    errorKind: outcome === 'error' ? 'timeout' : null,
    errorMessage: null,
    hello:
      outcome === 'hello' || outcome === 'status'
        ? { p2pVersion: 5, clientId: 'Geth/v1', clientName: 'Geth', clientVersion: 'v1', os: null, arch: null, runtime: null, caps: ['eth/68'], listenPort: 30303 }
        : null,
    status: null,
    disconnects: tooMany ? [{ direction: 'received', reason: 'too_many_peers', at: at + 50 }] : [],
    rtt: null,
  });
}

async function store(db: Database, events: CrawlerEvent[]): Promise<void> {
  const w = await EventWriter.open(db, { journalDir: null });
  w.writeMany(events);
  const s = await w.close();
  expect(s.written).toBe(events.length);
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`queries on ${engineTitle(engine)}`, () => {
    const withDb = withFresh(engine);

    it('loads the static set: HELLO or too_many_peers, not expired, latest address with a TCP port', () =>
      withDb(async (t) => {
        await store(t.db, [
          seen(1, T0),
          dialTo(1, T0 + 1000, 'hello'),
          seen(2, T0),
          dialTo(2, T0 + 1000, 'disconnect', true),
          seen(3, T0), // only discovered
          dialTo(3, T0 + 1000, 'error'),
          seen(4, T0 - 30 * HOUR),
          dialTo(4, T0 - 30 * HOUR, 'status'),
          { type: 'node_expired', nodeId: id(4), at: T0 - 5 * HOUR },
          seen(5, T0, '10.0.1.5'),
          dialTo(5, T0 + 1000, 'status'),
          seen(5, T0 + 2000, '10.0.2.5', 0), // newer, but announces no TCP port
          seen(5, T0 + 1500, '10.0.3.5'),
        ]);
        const set = await loadStaticSet(t.db);
        expect(set.map((n) => [n.nodeId, n.ip, n.tcpPort, n.lastHelloAt, n.lastTooManyPeersAt])).toEqual([
          [id(5), '10.0.3.5', 30303, T0 + 1000, null],
          [id(1), '10.0.0.1', 30303, T0 + 1000, null],
          [id(2), '10.0.0.2', 30303, null, T0 + 1000],
        ]);
        expect(set[0]!.publicKey).toBe(pk(5));
        expect(set[0]!.lastSeen).toBe(T0 + 2000);
        // the --expire-after window applies even before expireNodes() ran
        const recent = await loadStaticSet(t.db, { now: T0 + 1500 + 24 * HOUR, expireAfterMs: 24 * HOUR });
        expect(recent.map((n) => n.nodeId)).toEqual([id(5)]);
      }));

    it('expires nodes not seen for 24 hours, and brings them back when seen again', () =>
      withDb(async (t) => {
        const now = T0 + 100 * HOUR;
        await store(t.db, [
          seen(1, now - 25 * HOUR),
          dialTo(1, now - 25 * HOUR, 'hello'),
          seen(2, now - 23 * HOUR),
          dialTo(2, now - 23 * HOUR, 'hello'),
          seen(3, now - 24 * HOUR - 1),
          seen(4, now - 24 * HOUR),
        ]);
        expect(await expireNodes(t.db, now, 24 * HOUR)).toEqual([id(1), id(3)]);
        expect(await expireNodes(t.db, now, 24 * HOUR)).toEqual([]); // already expired
        expect((await loadStaticSet(t.db)).map((n) => n.nodeId)).toEqual([id(2)]);
        const [row] = await t.db.query<{ e: Date }>('SELECT expired_at AS e FROM nodes WHERE id = $1', [Buffer.from(id(1), 'hex')]);
        expect(row!.e.getTime()).toBe(now);
        await store(t.db, [seen(1, now + HOUR)]);
        expect((await loadStaticSet(t.db)).map((n) => n.nodeId).sort()).toEqual([id(1), id(2)]);
        // an expiry decided before the last sighting does not apply
        await store(t.db, [{ type: 'node_expired', nodeId: id(2), at: now - 23 * HOUR - 1 }]);
        expect((await loadStaticSet(t.db)).map((n) => n.nodeId).sort()).toEqual([id(1), id(2)]);
      }));

    it('hands each due node to one holder per period', () =>
      withDb(async (t) => {
        const events: CrawlerEvent[] = [];
        for (let n = 1; n <= 10; n++) events.push(seen(n, T0), dialTo(n, T0 + n, n % 2 ? 'hello' : 'disconnect', n % 2 === 0));
        events.push(seen(11, T0)); // not static: never leased
        events.push({ type: 'node_expired', nodeId: id(10), at: T0 + HOUR }); // node 10 not seen since T0
        await store(t.db, events);
        const period = 30 * 60_000;
        const now = T0 + 2 * HOUR;
        const a = await claimRedials(t.db, 'host-a', now, period, 4);
        expect(a.map((n) => n.nodeId)).toEqual([1, 2, 3, 4].map(id)); // oldest due first
        const b = await claimRedials(t.db, 'host-b', now, period, 100);
        expect(b.map((n) => n.nodeId)).toEqual([5, 6, 7, 8, 9].map(id)); // 10 is expired
        expect(b[0]!.ip).toBe('10.0.0.5');
        expect(await claimRedials(t.db, 'host-a', now + period - 1, period, 100)).toEqual([]);
        const again = await claimRedials(t.db, 'host-b', now + period, period, 100);
        expect(again.map((n) => n.nodeId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map(id));
        const holders = await t.db.query<{ holder: string; n: number }>(`SELECT holder, count(*)::int AS n FROM redial_leases GROUP BY holder ORDER BY holder NULLS FIRST`);
        expect(holders).toEqual([{ holder: null, n: 1 }, { holder: 'host-b', n: 9 }]);
        expect(await releaseRedial(t.db, id(3), 'host-a', now)).toBe(false); // not the holder any more
        expect(await releaseRedial(t.db, id(3), 'host-b', now + period)).toBe(true);
        expect((await claimRedials(t.db, 'host-c', now + period, period, 100)).map((n) => n.nodeId)).toEqual([id(3)]);
      }));

    it('grants named due nodes to one holder per period (claimRedialNodes)', () =>
      withDb(async (t) => {
        const events: CrawlerEvent[] = [];
        for (let n = 1; n <= 5; n++) events.push(seen(n, T0), dialTo(n, T0, 'hello'));
        await store(t.db, events);
        const period = 60_000;
        const now = T0 + HOUR;
        const a = await claimRedialNodes(t.db, 'a', [id(1), id(2), id(3), id(99)], now, period);
        expect([...a].sort()).toEqual([id(1), id(2), id(3)]); // 99 is not a static node
        expect([...(await claimRedialNodes(t.db, 'b', [id(1), id(2), id(4)], now, period))]).toEqual([id(4)]);
        expect([...(await claimRedialNodes(t.db, 'b', [], now, period))]).toEqual([]);
        const later = await claimRedialNodes(t.db, 'b', [id(1), id(2), id(3), id(4), id(5)], now + period, period);
        expect([...later].sort()).toEqual([id(1), id(2), id(3), id(4), id(5)]); // all due again
      }));

    it('rebuilds instances, counters and the static set after a restart', () =>
      withDb(async (t) => {
        const rng = new Rng(17);
        const world = makeWorld(rng, 2, 50);
        const events = [...countableStream(rng, world, 500)];
        const first: CrawlerEvent = { type: 'instance_started', instance: world.instances[0]!, publicKey: pk(1), host: 'h', udpPort: 1, tcpPort: 1, network: 'mainnet', codeVersion: 'v', at: T0 };
        await store(t.db, [first, ...events]);
        const before = { set: await loadStaticSet(t.db), totals: await loadInstanceTotals(t.db, world.instances[0]!) };
        const restarted = await t.reopen();
        expect(await loadInstances(restarted)).toEqual([{ instance: world.instances[0]!, publicKey: pk(1), firstStartedAt: T0, lastStartedAt: T0 }]);
        expect(await loadStaticSet(restarted)).toEqual(before.set);
        const totals = await loadInstanceTotals(restarted, world.instances[0]!);
        expect(totals).toEqual(before.totals);
        const dialsOfInstance = events.filter((e) => e.type === 'dial' && e.instance === world.instances[0]).length;
        const findnode = events.reduce((n, e) => n + (e.type === 'discovery_counters' && e.instance === world.instances[0] ? e.findnodeSent : 0), 0);
        expect(totals).toMatchObject({ dials: dialsOfInstance, findnodeSent: findnode });
        expect(await loadInstanceTotals(restarted, 'ff'.repeat(32))).toBeNull();
      }));

    if (engine.name === 'postgres') {
      it('concurrent claimers on separate connections never share a node (FOR UPDATE SKIP LOCKED)', () =>
        withDb(async (t) => {
          const events: CrawlerEvent[] = [];
          for (let n = 1; n <= 300; n++) events.push(seen(n, T0), dialTo(n, T0 + n, 'hello'));
          await store(t.db, events);
          const claimers = [t.db, await t.reopen(), await t.reopen(), await t.reopen()];
          const got = await Promise.all(
            claimers.map(async (db, i) => {
              const mine: string[] = [];
              for (;;) {
                const batch = await claimRedials(db, `host-${i}`, T0 + HOUR, 30 * 60_000, 7);
                if (batch.length === 0) {
                  // SKIP LOCKED may come back empty while others hold locks: stop only when nothing is due
                  const [due] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM redial_leases WHERE due_at <= $1`, [new Date(T0 + HOUR)]);
                  if (due!.n === 0) break;
                  continue;
                }
                mine.push(...batch.map((n) => n.nodeId));
              }
              return mine;
            }),
          );
          const all = got.flat();
          expect(new Set(all).size).toBe(all.length); // nobody got a node twice
          expect(all.length).toBe(300);
          expect(got.filter((g) => g.length > 0).length).toBeGreaterThan(1); // they really competed

          // the same race through claimRedialNodes: everyone asks for every node at once
          const ids = Array.from({ length: 300 }, (_, i) => id(i + 1));
          const later = T0 + 3 * HOUR;
          const grants = await Promise.all(claimers.map((db, i) => claimRedialNodes(db, `host-${i}`, ids, later, HOUR)));
          const granted = grants.flatMap((g) => [...g]);
          expect(new Set(granted).size).toBe(granted.length);
          expect(granted.length).toBe(300);
        }));
    }
  });
}

describe('embedded database directory', () => {
  it('keeps its data across a restart and refuses a second opener', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-pglite-'));
    try {
      await expect(openDatabase(dir, { mustExist: true })).rejects.toBeInstanceOf(DatabaseUnavailableError);
      const { db, applied } = await openMigratedDatabase(dir);
      expect(applied.length).toBeGreaterThan(0);
      await expect(openDatabase(dir)).rejects.toThrow(/already open|in use/);
      await store(db, [seen(1, T0), dialTo(1, T0, 'hello')]);
      await db.close();
      const again = await openMigratedDatabase(dir);
      expect(again.applied).toEqual([]);
      expect((await loadStaticSet(again.db)).map((n) => n.nodeId)).toEqual([id(1)]);
      await again.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
