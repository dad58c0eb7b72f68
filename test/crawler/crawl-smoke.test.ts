import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { Crawler } from '../../src/crawler/crawler.js';
import type { CrawlerEvent } from '../../src/crawler/events.js';

function crawler(instances: number, port: number, bootnodes: ReturnType<typeof node>[], sink: (e: CrawlerEvent) => void) {
  return new Crawler({
    clock: systemClock,
    network: NETWORKS.mainnet,
    bootnodes,
    instances,
    listenHost: '127.0.0.1',
    port,
    netrestrict: LOOPBACK_ONLY,
    maxDials: 16,
    redialIntervalMs: 30 * 60_000,
    expireAfterMs: 24 * 3_600_000,
    maxSockets: 64,
    privateKeys: Array.from({ length: instances }, () => generatePrivateKey()),
    clientId: 'NodeFinder/vtest/linux-amd64/node20',
    codeVersion: 'test',
    sinks: [sink],
    refreshIntervalMs: 2_000,
  });
}

function node(c: Crawler, i: number) {
  const inst = c.instances[i]!;
  return { id: inst.nodeId, publicKey: inst.publicKey, ip: '127.0.0.1', udpPort: inst.udpPort, tcpPort: inst.udpPort };
}

describe('crawler smoke (two crawlers on loopback)', () => {
  it('discovers and records the other crawler\'s instances', async () => {
    const base = 41000 + Math.floor(Math.random() * 2000);
    const hub = crawler(1, base, [], () => {});
    await hub.start();
    const peers = crawler(5, base + 1, [node(hub, 0)], () => {});
    await peers.start();
    const events: CrawlerEvent[] = [];
    const crawl = crawler(2, base + 100, [node(hub, 0)], (e) => events.push(e));
    const expected = new Set([node(hub, 0), ...[0, 1, 2, 3, 4].map((i) => node(peers, i))].map((n) => Buffer.from(n.id).toString('hex')));
    try {
      await crawl.start();
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && [...expected].some((id) => !crawl.stats.hasHello(id))) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await crawl.stop();
      await peers.stop();
      await hub.stop();
    }
    const statusIds = new Set(events.filter((e) => e.type === 'dial' && e.status).map((e) => (e as { nodeId: string }).nodeId));
    for (const id of expected) expect(statusIds.has(id)).toBe(true);
    expect(events.some((e) => e.type === 'instance_started')).toBe(true);
    expect(events.some((e) => e.type === 'discovery_counters')).toBe(true);
  }, 40_000);
});
