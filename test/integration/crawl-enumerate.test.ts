/**
 * `crawl --discovery enumerate` against a small local testnet: with lookups off (no table
 * refresh, no dialer-feeding lookups), reading the routing tables of the nodes it learns, starting
 * from one bootnode, finds every peer. And `--discovery lookups` never enumerates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { Crawler } from '../../src/crawler/crawler.js';
import type { DiscoveryMode } from '../../src/crawler/enumerate.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { nodeSockets } from '../../src/net/node-sockets.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import { portBase, waitFor } from './helpers.js';

const NODES = 40;

function crawlerFor(testnet: Testnet, discovery: DiscoveryMode, port: number, found: Set<string>): Crawler {
  const peers = new Set(testnet.manifest.peers.map((p) => p.nodeId));
  return new Crawler({
    clock: systemClock,
    sockets: nodeSockets,
    network: NETWORKS.mainnet,
    bootnodes: [parseEnode(testnet.enodes[0]!)],
    instances: 1,
    listenHost: '127.0.0.1',
    port,
    netrestrict: LOOPBACK_ONLY,
    maxDials: 4,
    redialIntervalMs: 30 * 60_000,
    expireAfterMs: 24 * 3_600_000,
    maxSockets: 16,
    privateKeys: [generatePrivateKey()],
    clientId: 'NodeFinder/test',
    codeVersion: 'test',
    sinks: [(e) => void (e.type === 'node_seen' && peers.has(e.nodeId) && found.add(e.nodeId))],
    discovery,
  });
}

describe('crawl --discovery enumerate', () => {
  let testnet: Testnet;
  const base = portBase();

  beforeAll(async () => {
    testnet = await startTestnet({ nodes: NODES, seed: 21, timings: { responseTimeoutMs: 1_000 } });
    await testnet.bootstrapped();
  }, 60_000);
  afterAll(async () => {
    await testnet?.close();
  });

  it('finds every peer from one bootnode by reading tables alone', async () => {
    const found = new Set<string>();
    const crawler = crawlerFor(testnet, 'enumerate', base, found);
    await crawler.start();
    try {
      // Usually about a second; generous for a loaded 2-core machine.
      await waitFor(() => found.size === NODES, 90_000, 'every peer found').catch(() => undefined);
      expect(found.size).toBe(NODES);
      const inst = crawler.instances[0]!;
      expect(inst.feedLookups).toBe(0);
      const s = inst.enumerationStats()!;
      expect(s.requests).toBeGreaterThan(0);
      // Politeness: no node was asked more often than its readable buckets.
      expect(s.requests).toBeLessThanOrEqual(s.offered * 16);
    } finally {
      await crawler.stop();
    }
  }, 120_000);

  it('--discovery lookups does not enumerate', async () => {
    const found = new Set<string>();
    const crawler = crawlerFor(testnet, 'lookups', base + 1, found);
    await crawler.start();
    try {
      await waitFor(() => found.size > 1, 60_000, 'a peer found by lookups');
      expect(crawler.instances[0]!.enumerationStats()).toBeUndefined();
    } finally {
      await crawler.stop();
    }
  }, 90_000);
});
