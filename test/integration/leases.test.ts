/**
 * Two crawlers (think: two hosts) share one Postgres: every static node is redialed once per
 * period across both, not once per crawler — the redial_leases rows arbitrate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { Crawler } from '../../src/crawler/crawler.js';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { migrate } from '../../src/store/migrations.js';
import { EventWriter } from '../../src/store/writer.js';
import { postgresEngine, type TestDb } from '../store/helpers.js';
import { instanceNode, portBase, startPeerNetwork } from './helpers.js';
import { nodeSockets } from '../../src/net/node-sockets.js';
import { databaseCrawlState } from '../../src/run/crawl-state.js';

const PERIOD_MS = 3_000;
const RUN_MS = 13_000;

describe.skipIf(postgresEngine.skip !== null)(`redial leases across crawlers sharing Postgres ${postgresEngine.skip ?? ''}`, () => {
  let net: Awaited<ReturnType<typeof startPeerNetwork>>;
  let test: TestDb;
  const base = portBase();

  beforeAll(async () => {
    net = await startPeerNetwork(4, base);
    test = await postgresEngine.fresh();
    await migrate(test.db);
  });
  afterAll(async () => {
    await net.stop();
    await test.dispose();
  });

  it('each static node is dialed at most once per period across both crawlers', async () => {
    const dials: (DialEvent & { crawler: number })[] = [];
    const dbs = [test.db, await test.reopen()];
    const writers = await Promise.all(dbs.map((db) => EventWriter.open(db, { journalDir: null, flushIntervalMs: 200 })));
    const crawlers = dbs.map((db, c) => {
      const sink = (e: CrawlerEvent) => {
        writers[c]!.write(e);
        if (e.type === 'dial' && e.kind !== 'inbound') dials.push({ ...e, crawler: c });
      };
      return new Crawler({
        clock: systemClock,
        sockets: nodeSockets,
        network: NETWORKS.mainnet,
        bootnodes: [instanceNode(net.hub, 0)],
        instances: 1,
        listenHost: '127.0.0.1',
        port: base + 100 + c,
        netrestrict: LOOPBACK_ONLY,
        maxDials: 16,
        redialIntervalMs: PERIOD_MS,
        expireAfterMs: 3_600_000,
        maxSockets: 64,
        privateKeys: [generatePrivateKey()],
        clientId: 'NodeFinder/vtest',
        codeVersion: 'test',
        sinks: [sink],
        store: databaseCrawlState(db),
        refreshIntervalMs: 1_000,
      });
    });
    try {
      for (const c of crawlers) await c.start();
      await new Promise((r) => setTimeout(r, RUN_MS));
    } finally {
      for (const c of crawlers) await c.stop();
      for (const w of writers) await w.close();
    }

    const byNode = new Map<string, (DialEvent & { crawler: number })[]>();
    for (const d of dials.filter((d) => d.kind === 'static' && net.ids.includes(d.nodeId!))) {
      byNode.set(d.nodeId!, [...(byNode.get(d.nodeId!) ?? []), d]);
    }
    expect(byNode.size).toBe(net.ids.length);
    for (const list of byNode.values()) {
      list.sort((a, b) => a.startedAt - b.startedAt);
      // Two crawlers each redialing every period would give ~2 × RUN/PERIOD static dials per node.
      expect(list.length).toBeLessThanOrEqual(Math.ceil(RUN_MS / PERIOD_MS) + 1);
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.startedAt - list[i - 1]!.startedAt).toBeGreaterThanOrEqual(PERIOD_MS * 0.9);
      }
    }
    // Both crawlers consider every node static (both completed HELLO with each), yet only one
    // dial per node per period happened: without the leases it would be one per crawler.
    for (const id of net.ids) {
      const crawlersThatReachedIt = new Set(dials.filter((d) => d.nodeId === id && d.hello).map((d) => d.crawler));
      expect(crawlersThatReachedIt.size).toBe(2);
    }
  }, 60_000);
});
