/**
 * Two crawlers (think: two hosts) share one Postgres: every static node is redialed once per
 * period across both, not once per crawler — the redial_leases rows arbitrate. A simulation
 * (test/sim/harness.ts): both crawls and the peers share one in-memory network and one manual
 * clock, so the periods are exact and nothing depends on the machine's load.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { DialEvent } from '../../src/events.js';
import { postgresEngine, type TestDb } from '../store/helpers.js';
import { SIM_CRAWLER_PORT, Simulation } from './harness.js';

const PERIOD_MS = 3_000;
const RUN_MS = 13_000;
const PEERS = 6;

describe.skipIf(postgresEngine.skip !== null)(`redial leases across crawlers sharing Postgres (simulation) ${postgresEngine.skip ?? ''}`, () => {
  let test: TestDb;
  afterAll(async () => {
    await test?.dispose();
  });

  it('each static node is dialed at most once per period across both crawlers', async () => {
    test = await postgresEngine.fresh();
    // Every peer answers HELLO (no full or discovery-only peers): each becomes static.
    const testnet = { fullFraction: 0, noTcpFraction: 0, gethDials: false };
    const crawl = { redialIntervalMs: PERIOD_MS, expireAfterMs: 3_600_000, refreshIntervalMs: 1_000 };
    const a = await Simulation.start({ seed: 21, peers: PEERS, instances: 1, db: test.db, leaseHolder: 'host-a', testnet, crawl });
    const b = await Simulation.start({
      seed: 21,
      peers: PEERS,
      instances: 1,
      db: await test.reopen(),
      leaseHolder: 'host-b',
      clock: a.clock,
      sockets: a.sockets,
      network: a.testnet,
      port: SIM_CRAWLER_PORT + 100,
      crawl,
    });
    a.link(b);
    b.link(a);
    await a.advance(RUN_MS);
    await b.stop();
    await a.stop();

    const ids = a.testnet.manifest.peers.map((p) => p.nodeId);
    const dials: (DialEvent & { crawler: number })[] = [
      ...a.events.filter((e): e is DialEvent => e.type === 'dial' && e.kind !== 'inbound').map((d) => ({ ...d, crawler: 0 })),
      ...b.events.filter((e): e is DialEvent => e.type === 'dial' && e.kind !== 'inbound').map((d) => ({ ...d, crawler: 1 })),
    ];
    const byNode = new Map<string, (DialEvent & { crawler: number })[]>();
    for (const d of dials.filter((d) => d.kind === 'static' && ids.includes(d.nodeId!))) {
      byNode.set(d.nodeId!, [...(byNode.get(d.nodeId!) ?? []), d]);
    }
    expect(byNode.size).toBe(ids.length);
    for (const list of byNode.values()) {
      list.sort((x, y) => x.startedAt - y.startedAt);
      // Two crawlers each redialing every period would give ~2 × RUN/PERIOD static dials per node.
      expect(list.length).toBeLessThanOrEqual(Math.ceil(RUN_MS / PERIOD_MS) + 1);
      for (let i = 1; i < list.length; i++) expect(list[i]!.startedAt - list[i - 1]!.startedAt).toBeGreaterThanOrEqual(PERIOD_MS);
    }
    // Both crawlers consider every node static (both completed HELLO with each), yet only one
    // dial per node per period happened: without the leases it would be one per crawler.
    for (const id of ids) {
      const reached = new Set(dials.filter((d) => d.nodeId === id && d.hello).map((d) => d.crawler));
      expect(reached.size).toBe(2);
    }
  }, 300_000);
});
