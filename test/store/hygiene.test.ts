/**
 * Discovery-hygiene counters in storage (migration 0003): NEIGHBORS entries dropped and FINDNODE
 * re-bonds per instance-minute, re-bonds per node, grouped by the client the node's HELLO named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { validateEvent } from '../../src/store/validate.js';
import { EventWriter } from '../../src/store/writer.js';
import { InvalidEventError } from '../../src/store/errors.js';
import { runReportQuery } from '../../src/report/sql.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, withFresh } from './helpers.js';
import { T0 } from './fixtures.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

beforeAll(warmUp);
afterAll(closeSharedPglite);

const I = 'a1'.repeat(32);
const RETH = 'c3'.repeat(32);
const GETH = 'e5'.repeat(32);
const SILENT = '17'.repeat(32);

function hello(dialId: string, nodeId: string, clientId: string, clientName: string): DialEvent {
  return withDialPolicy({
    type: 'dial',
    dialId,
    instance: I,
    kind: 'dynamic',
    nodeId,
    publicKey: null,
    ip: '23.55.1.2',
    tcpPort: 30303,
    startedAt: T0 + 1000,
    endedAt: T0 + 2000,
    connectMs: 1,
    outcome: 'hello',
    errorKind: null,
    errorMessage: null,
    hello: { p2pVersion: 5, clientId, clientName, clientVersion: null, os: null, arch: null, runtime: null, caps: ['eth/68'], listenPort: 30303 },
    status: null,
    disconnects: [],
    rtt: null,
  });
}

const counters = (minute: number, extra: Partial<Extract<CrawlerEvent, { type: 'discovery_counters' }>>): CrawlerEvent => ({
  type: 'discovery_counters',
  instance: I,
  minute,
  findnodeSent: 1,
  neighborsReceived: 0,
  nodesLearned: 0,
  newNodes: 0,
  pingsSent: 0,
  pongsReceived: 0,
  pingsReceived: 0,
  findnodeReceived: 0,
  tableSize: 0,
  ...extra,
});

const rebond = (nodeId: string, answered: boolean, at: number): CrawlerEvent => ({ type: 'findnode_rebond', instance: I, nodeId, answered, at });

describe('validation of the new fields', () => {
  it('fills absent counters (old journals) with 0 and refuses bad re-bond events', () => {
    const old = validateEvent(counters(T0, {}));
    expect(old).toMatchObject({ neighborsDropped: 0, findnodeRebonds: 0 });
    expect(() => validateEvent(counters(T0, { neighborsDropped: -1 }))).toThrow(InvalidEventError);
    expect(() => validateEvent({ ...rebond(RETH, true, T0), answered: 'yes' } as never)).toThrow(InvalidEventError);
    expect(() => validateEvent({ ...rebond('xyz', true, T0) })).toThrow(InvalidEventError);
    expect(validateEvent(rebond(RETH, false, T0))).toEqual(rebond(RETH, false, T0));
  });
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`discovery hygiene columns on ${engineTitle(engine)}`, () => {
    const withDb = withFresh(engine);

    it('sums per minute and per node across batches, and groups re-bonds by client', () =>
      withDb(async (t) => {
        const w = await EventWriter.open(t.db, { journalDir: null });
        w.writeMany([
          hello('6f1c1a8e-6d2b-4a7e-9c1d-0123456789ab', RETH, 'reth/v1.9.0-abcdef0/x86_64-unknown-linux-gnu', 'reth'),
          hello('7f1c1a8e-6d2b-4a7e-9c1d-0123456789ab', GETH, 'Geth/v1.16.7-stable-12345678/linux-amd64/go1.24.6', 'Geth'),
          counters(T0, { neighborsDropped: 3, findnodeRebonds: 2 }),
          counters(T0, { neighborsDropped: 1 }),
          counters(T0 + 60_000, {}),
          rebond(RETH, true, T0 + 5000),
          rebond(RETH, true, T0 + 9000),
          rebond(GETH, false, T0 + 7000),
        ]);
        expect(await w.flush()).toBe(true);
        // A second batch adds to the same rows; a node never seen before gets a row.
        w.writeMany([rebond(RETH, false, T0 + 8000), rebond(SILENT, false, T0 + 8000), counters(T0, { findnodeRebonds: 1 })]);
        expect(await w.flush()).toBe(true);
        await w.close();

        const minutes = await t.db.query<{ m: Date; nd: number; fr: number }>(
          'SELECT minute AS m, neighbors_dropped AS nd, findnode_rebonds AS fr FROM discovery_counters ORDER BY minute',
        );
        expect(minutes.map((r) => [r.m.getTime(), r.nd, r.fr])).toEqual([
          [T0, 4, 3],
          [T0 + 60_000, 0, 0],
        ]);
        const nodes = await t.db.query<{ id: string; n: number; a: number; l: Date | null }>(
          `SELECT encode(id, 'hex') AS id, findnode_rebonds AS n, findnode_rebonds_answered AS a, last_findnode_rebond_at AS l FROM nodes ORDER BY id`,
        );
        expect(nodes.map((r) => [r.id, r.n, r.a, r.l?.getTime() ?? null])).toEqual([
          [SILENT, 1, 0, T0 + 8000],
          [RETH, 3, 2, T0 + 9000],
          [GETH, 1, 0, T0 + 7000],
        ]);
        // The question the counts are for: how often each client forgets our endpoint proof.
        const byClient = await runReportQuery(t.db, 'findnode-rebonds', { excluded: [] });
        expect(byClient).toEqual([
          { client: 'reth', nodes: 1, rebonds: 3, answered: 2, last_at: T0 + 9000 },
          { client: '', nodes: 1, rebonds: 1, answered: 0, last_at: T0 + 8000 },
          { client: 'Geth', nodes: 1, rebonds: 1, answered: 0, last_at: T0 + 7000 },
        ]);
        expect(await runReportQuery(t.db, 'findnode-rebonds', { excluded: [RETH, SILENT] })).toEqual([
          { client: 'Geth', nodes: 1, rebonds: 1, answered: 0, last_at: T0 + 7000 },
        ]);
      }));
  });
}
