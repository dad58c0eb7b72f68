/**
 * What discovery learned, stored (migration 0006): every source per sighting row, the protocols a
 * node answered on, and the classification of each stored record — on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import type { AddressSource, CrawlerEvent } from '../../src/events.js';
import { migrate } from '../../src/store/migrations.js';
import { validateEvent } from '../../src/store/validate.js';
import { EventWriter } from '../../src/store/writer.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { clRecord, elRecord, otherRecord } from '../eth/records.js';
import { T0 } from './fixtures.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, type TestDb } from './helpers.js';

beforeAll(warmUp);
afterAll(closeSharedPglite);

const I1 = 'a1'.repeat(32);
const I2 = 'a2'.repeat(32);
const N1 = 'c3'.repeat(32);
const N2 = 'e5'.repeat(32);
const PK = 'd4'.repeat(64);
const DAY = 86_400_000;

const seen = (instance: string, nodeId: string, source: AddressSource, at: number): CrawlerEvent => ({
  type: 'node_seen',
  instance,
  nodeId,
  publicKey: PK,
  ip: '127.0.0.2',
  udpPort: 30303,
  tcpPort: 30303,
  source,
  at,
});
const answer = (nodeId: string, protocol: 'v4' | 'v5', at: number): CrawlerEvent => ({ type: 'discovery_answer', instance: I1, nodeId, protocol, at });

describe('validate discovery_answer', () => {
  it('accepts v4/v5 and refuses anything else', () => {
    expect(validateEvent(answer(N1, 'v5', T0 + 0.4))).toEqual({ type: 'discovery_answer', instance: I1, nodeId: N1, protocol: 'v5', at: T0 });
    expect(() => validateEvent({ ...answer(N1, 'v4', T0), protocol: 'v6' } as unknown as CrawlerEvent)).toThrow(/protocol/);
    expect(() => validateEvent({ ...answer(N1, 'v4', T0), nodeId: 'zz' } as CrawlerEvent)).toThrow(/nodeId/);
    expect(validateEvent(seen(I1, N1, 'nodes', T0))).toMatchObject({ source: 'nodes' });
    expect(validateEvent(seen(I1, N1, 'v5_session', T0))).toMatchObject({ source: 'v5_session' });
  });
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`discovery store on ${engineTitle(engine)}`, () => {
    const withWriter = async (fn: (t: TestDb, w: EventWriter) => Promise<void>) => {
      const t = await engine.fresh();
      try {
        await migrate(t.db);
        const w = await EventWriter.open(t.db, { journalDir: null });
        try {
          await fn(t, w);
        } finally {
          await w.close();
        }
      } finally {
        await t.dispose();
      }
    };

    it('keeps every source per day and instance, sorted and distinct, across batches', () =>
      withWriter(async (t, w) => {
        w.write(seen(I1, N1, 'neighbors', T0));
        w.write(seen(I1, N1, 'nodes', T0 + 1));
        w.write(seen(I1, N1, 'neighbors', T0 + 2));
        w.write(seen(I2, N1, 'dns', T0 + 3));
        w.write(seen(I2, N1, 'neighbors', T0 + 4)); // one batch, sources out of enum order: stored in it
        await w.flush();
        w.write(seen(I1, N1, 'inbound', T0 - 5)); // earlier: becomes the first source
        w.write(seen(I1, N1, 'nodes', T0 + 9)); // nothing new
        w.write(seen(I1, N1, 'v5_session', T0 + DAY)); // next day: its own row
        await w.flush();
        const rows = await t.db.query<{ d: string; i: string; first_source: string; sources: string | string[]; sightings: number }>(
          `SELECT to_char(day, 'YYYY-MM-DD') AS d, encode(instance_id, 'hex') AS i, first_source::text, sources::text[] AS sources, sightings
           FROM node_sightings ORDER BY day, instance_id`,
        );
        expect(rows.map((r) => [r.i.slice(0, 2), r.first_source, r.sources, r.sightings])).toEqual([
          ['a1', 'inbound', ['neighbors', 'nodes', 'inbound'], 5],
          ['a2', 'dns', ['neighbors', 'dns'], 2],
          ['a1', 'v5_session', ['v5_session'], 1],
        ]);
      }));

    it('records the protocols a node answered on: first, last, count', () =>
      withWriter(async (t, w) => {
        w.write(answer(N1, 'v4', T0 + 10));
        w.write(answer(N1, 'v4', T0));
        w.write(answer(N1, 'v5', T0 + 5));
        await w.flush();
        w.write(answer(N1, 'v4', T0 + 20));
        w.write(answer(N2, 'v5', T0 + 7));
        await w.flush();
        const rows = await t.db.query<{ n: string; protocol: string; f: Date; l: Date; answers: number }>(
          `SELECT encode(node_id, 'hex') AS n, protocol::text, first_answered AS f, last_answered AS l, answers FROM discovery_answers ORDER BY 1, 2`,
        );
        expect(rows.map((r) => [r.n.slice(0, 2), r.protocol, r.f.getTime() - T0, r.l.getTime() - T0, r.answers])).toEqual([
          ['c3', 'v4', 0, 20, 3],
          ['c3', 'v5', 5, 5, 1],
          ['e5', 'v5', 7, 7, 1],
        ]);
        // an answer is a sign of life: the node row exists
        expect((await t.db.query('SELECT 1 FROM nodes WHERE last_seen IS NOT NULL')).length).toBe(2);
      }));

    it('classifies every stored record and gives each node the layer of its newest one', () =>
      withWriter(async (t, w) => {
        const el = elRecord(generatePrivateKey(), { client: ['reth', 'v1.5.0'] });
        const cl1 = clRecord(generatePrivateKey(), 3n);
        const ot = otherRecord(generatePrivateKey());
        const enr = (nodeId: string, seq: bigint, raw: Uint8Array, at: number): CrawlerEvent => ({ type: 'enr', instance: I1, nodeId, seq, raw: bytesToHex(raw), at });
        w.write(enr(bytesToHex(el.nodeId), 1n, el.raw, T0));
        w.write(enr(bytesToHex(cl1.nodeId), 3n, cl1.raw, T0));
        w.write(enr(bytesToHex(ot.nodeId), 1n, ot.raw, T0));
        // the same node later publishing a consensus record: its newest record decides
        const later = clRecord(generatePrivateKey(), 2n);
        w.write(enr(bytesToHex(el.nodeId), 2n, later.raw, T0 + 1));
        w.write(enr(N2, 1n, Uint8Array.of(0xc0), T0)); // not a record: kept, unclassified
        await w.flush();
        const rows = await t.db.query<Record<string, unknown>>(
          `SELECT encode(node_id, 'hex') AS n, seq::text AS seq, layer::text, encode(eth_fork_hash, 'hex') AS fh, eth_fork_next::text AS fx,
                  encode(eth2_fork_digest, 'hex') AS d2, encode(eth2_next_fork_version, 'hex') AS v2, eth2_next_fork_epoch::text AS e2, snap, client
           FROM enrs ORDER BY 1, 2`,
        );
        const byNode = (id: Uint8Array | string, seq: string) => rows.find((r) => r['n'] === (typeof id === 'string' ? id : bytesToHex(id)) && r['seq'] === seq);
        expect(byNode(el.nodeId, '1')).toMatchObject({ layer: 'execution', fh: 'fc64ec04', fx: '1150000', d2: null, snap: true, client: 'reth/v1.5.0' });
        expect(byNode(el.nodeId, '2')).toMatchObject({ layer: 'consensus', fh: null, d2: '6a95a1a9', v2: '06000000', e2: '18446744073709551615', snap: false, client: null });
        expect(byNode(cl1.nodeId, '3')).toMatchObject({ layer: 'consensus' });
        expect(byNode(ot.nodeId, '1')).toMatchObject({ layer: 'other', fh: null, d2: null, snap: false });
        expect(byNode(N2, '1')).toMatchObject({ layer: null, snap: null });
        const layers = await t.db.query<{ n: string; layer: string }>(`SELECT encode(node_id, 'hex') AS n, layer::text FROM node_layers ORDER BY 1`);
        expect(new Map(layers.map((r) => [r.n, r.layer]))).toEqual(
          new Map([
            [bytesToHex(el.nodeId), 'consensus'],
            [bytesToHex(cl1.nodeId), 'consensus'],
            [bytesToHex(ot.nodeId), 'other'],
          ]),
        );
      }));
  });
}
