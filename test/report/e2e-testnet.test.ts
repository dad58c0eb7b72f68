/**
 * End to end: crawl a local testnet whose composition is known (src/testnet manifest) into the
 * embedded database, then check the snapshot report against that composition — node IDs per stage,
 * clients, too_many_peers, productive/non-productive peers, loopback placed as reserved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Crawler } from '../../src/crawler/crawler.js';
import type { CrawlerEvent } from '../../src/events.js';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { ReportContext } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { toJsonObject } from '../../src/report/render/index.js';
import { migrate } from '../../src/store/migrations.js';
import { EventWriter } from '../../src/store/writer.js';
import { startTestnet, type Testnet } from '../../src/testnet/index.js';
import { closeSharedPglite, pgliteEngine, warmUp, type TestDb } from '../store/helpers.js';
import { nodeSockets } from '../../src/net/node-sockets.js';

const NODES = 20;
const SEED = 7;

describe('crawl a testnet, then report snapshot', () => {
  let testnet: Testnet;
  let t: TestDb;
  let started = 0;
  let finished = 0;
  const seen = new Set<string>();
  const dialed = new Set<string>();
  const hello = new Set<string>();

  beforeAll(async () => {
    await warmUp();
    t = await pgliteEngine.fresh();
    await migrate(t.db);
    testnet = await startTestnet({ nodes: NODES, seed: SEED, timings: { responseTimeoutMs: 500 } });
    await testnet.bootstrapped();
    const writer = await EventWriter.open(t.db, { journalDir: null, flushIntervalMs: 200 });
    const track = (e: CrawlerEvent) => {
      writer.write(e);
      if (e.type === 'node_seen') seen.add(e.nodeId);
      if (e.type === 'dial' && e.nodeId && e.kind !== 'inbound') dialed.add(e.nodeId);
      if (e.type === 'dial' && e.nodeId && e.hello) hello.add(e.nodeId);
    };
    const crawler = new Crawler({
      clock: systemClock,
      sockets: nodeSockets,
      network: NETWORKS.mainnet,
      bootnodes: testnet.enodes.slice(0, 3).map((u) => parseEnode(u)),
      instances: 2,
      listenHost: '127.0.0.1',
      port: 0,
      netrestrict: LOOPBACK_ONLY,
      maxDials: 16,
      redialIntervalMs: 30 * 60_000,
      expireAfterMs: 24 * 3_600_000,
      maxSockets: 64,
      privateKeys: [generatePrivateKey(), generatePrivateKey()],
      clientId: 'NodeFinder/vtest/linux-amd64/node20',
      codeVersion: 'test',
      sinks: [track],
      refreshIntervalMs: 2_000,
    });
    started = Date.now();
    const peers = testnet.manifest.peers;
    const done = () =>
      peers.every((p) => seen.has(p.nodeId)) &&
      peers.filter((p) => p.tcp).every((p) => dialed.has(p.nodeId)) &&
      peers.filter((p) => p.expected.outcome === 'hello' || p.expected.outcome === 'status').every((p) => hello.has(p.nodeId));
    try {
      await crawler.start();
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !done()) await new Promise((r) => setTimeout(r, 250));
    } finally {
      await crawler.stop();
      await writer.close();
    }
    finished = Date.now();
  }, 120_000);

  afterAll(async () => {
    await testnet?.close();
    await t?.dispose();
    await closeSharedPglite();
  });

  it('the crawl reached every peer it could (precondition)', () => {
    const peers = testnet.manifest.peers;
    expect(peers.filter((p) => !seen.has(p.nodeId)).map((p) => p.index)).toEqual([]);
    expect(peers.filter((p) => p.tcp && !dialed.has(p.nodeId)).map((p) => p.index)).toEqual([]);
  });

  it('snapshot matches the manifest', async () => {
    const peers = testnet.manifest.peers;
    const ctx = new ReportContext(t.db, { since: started - 60_000, until: finished + 60_000, generatedAt: finished });
    const j = toJsonObject(await buildReport('snapshot', ctx)) as Record<string, any>;

    const helloPeers = peers.filter((p) => p.expected.outcome === 'hello' || p.expected.outcome === 'status');
    const statusPeers = peers.filter((p) => p.expected.outcome === 'status');
    const mainnet = peers.filter((p) => p.expected.forkVerdict === 'compatible');
    expect(j.excluded_own_instances).toBe(2);
    expect(j.nodes.discovered).toBe(NODES);
    expect(j.nodes.dialed).toBe(peers.filter((p) => p.tcp).length + peers.filter((p) => !p.tcp && dialed.has(p.nodeId)).length);
    expect(j.nodes.hello).toBe(helloPeers.length);
    expect(j.nodes.status).toBe(statusPeers.length);
    expect(j.nodes.mainnet).toBe(mainnet.length);

    const clients = new Map<string, number>();
    for (const p of helloPeers) clients.set(p.clientName, (clients.get(p.clientName) ?? 0) + 1);
    expect(Object.fromEntries(j.clients.map((c: any) => [c.client, c.count]))).toEqual(Object.fromEntries(clients));

    const full = peers.filter((p) => p.expected.disconnectReason === 'too_many_peers');
    const tooMany = j.disconnects.find((d: any) => d.reason === 'too_many_peers');
    expect(tooMany?.nodes ?? 0).toBe(full.length);

    expect(j.non_productive.mainnet).toBe(mainnet.length);
    expect(j.non_productive.mainnet_fork_mismatch ?? 0).toBe(statusPeers.filter((p) => p.expected.forkVerdict === 'remote_stale').length);
    expect(j.non_productive.other_network ?? 0).toBe(statusPeers.filter((p) => p.network.name !== 'mainnet').length);
    expect(Object.values(j.non_productive as Record<string, number>).reduce((s, n) => s + n, 0)).toBe(helloPeers.length);

    // every peer listens on loopback: one reserved block, never a country
    expect(j.countries).toEqual([{ country: 'reserved', count: NODES, discovered: NODES, hello: helloPeers.length, status: statusPeers.length, mainnet: mainnet.length }]);
    expect(j.latency_ms.nodes).toBeGreaterThan(0);
    expect(j.latency_ms.p50).toBeLessThan(1000);
    const size = toJsonObject(await buildReport('size', ctx)) as Record<string, any>;
    expect(size.size_estimate.observed).toBe(NODES);
    expect(size.size_estimate.instances).toBe(2);
  }, 60_000);
});
