/**
 * The web view of a crawled test network (src/testnet: a known client mix on loopback), checked in
 * headless Chromium and through the API against the testnet's manifest: every peer is listed with
 * the client and fork verdict it really has, the client filter lists exactly the manifest's peers of
 * that client, and a pasted enode URL opens the peer's page with its HELLO client ID.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumPath, describeBrowser } from '../browser/chromium.js';
import { Crawler } from '../../src/crawler/crawler.js';
import type { CrawlerEvent } from '../../src/events.js';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { startWebServer, type WebServer } from '../../src/serve/server.js';
import { migrate } from '../../src/store/migrations.js';
import { EventWriter } from '../../src/store/writer.js';
import { startTestnet, type Testnet } from '../../src/testnet/index.js';
import { closeSharedPglite, pgliteEngine, warmUp, type TestDb } from '../store/helpers.js';
import { nodeSockets } from '../../src/net/node-sockets.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'serve');

describeBrowser('the web view of a crawled test network', () => {
  let testnet: Testnet;
  let t: TestDb;
  let web: WebServer;
  let browser: Browser;
  const dialed = new Set<string>();
  const hello = new Set<string>();
  const seen = new Set<string>();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await warmUp();
    t = await pgliteEngine.fresh();
    await migrate(t.db);
    testnet = await startTestnet({ nodes: 12, seed: 11, timings: { responseTimeoutMs: 500 } });
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
      instances: 1,
      listenHost: '127.0.0.1',
      port: 0,
      netrestrict: LOOPBACK_ONLY,
      maxDials: 16,
      redialIntervalMs: 30 * 60_000,
      expireAfterMs: 24 * 3_600_000,
      maxSockets: 64,
      privateKeys: [generatePrivateKey()],
      clientId: 'NodeFinder/vtest/linux-amd64/node20',
      codeVersion: 'test',
      sinks: [track],
      refreshIntervalMs: 2_000,
    });
    const peers = testnet.manifest.peers;
    const done = () =>
      peers.every((p) => seen.has(p.nodeId)) &&
      peers.filter((p) => p.tcp).every((p) => dialed.has(p.nodeId)) &&
      peers.filter((p) => p.expected.outcome === 'hello' || p.expected.outcome === 'status').every((p) => hello.has(p.nodeId));
    try {
      await crawler.start();
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && !done()) await new Promise((r) => setTimeout(r, 250));
    } finally {
      await crawler.stop();
      await writer.close();
      await testnet.close();
    }
    // Behaviour, not pacing: no CPU budget (its meter would be this test process; cpu-budget.test.ts drives it by hand).
    web = await startWebServer({ db: t.db, host: '127.0.0.1', port: 0, queryTimeoutMs: 20_000, cpuShare: null, refreshSeconds: 30, historyMs: 86_400_000, log: () => {} });
    browser = await chromium.launch({
      executablePath: chromiumPath ?? undefined,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await t?.dispose();
    await closeSharedPglite();
  });

  it('the API lists every peer with its manifest client and fork verdict', async () => {
    const peers = testnet.manifest.peers;
    expect(peers.filter((p) => !seen.has(p.nodeId)).map((p) => p.index)).toEqual([]); // precondition
    const { nodes } = (await (await fetch(`${web.url}/api/nodes?limit=200`)).json()) as { nodes: { id: string; client: string | null; fork_verdict: string | null; ip: string }[] };
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const p of peers) {
      const n = byId.get(p.nodeId);
      expect(n, `peer ${p.index}`).toBeDefined();
      expect(n!.ip).toBe(p.ip);
      const spoke = p.expected.outcome === 'hello' || p.expected.outcome === 'status';
      expect(n!.client, `peer ${p.index}`).toBe(spoke ? p.clientName : null);
      expect(n!.fork_verdict, `peer ${p.index}`).toBe(p.expected.outcome === 'status' ? p.expected.forkVerdict : null);
    }
  });

  it('in the browser: the client filter and a pasted enode URL agree with the manifest', async () => {
    const peers = testnet.manifest.peers;
    const speakers = peers.filter((p) => p.expected.outcome === 'hello' || p.expected.outcome === 'status');
    const client = speakers[0]!.clientName;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${web.url}/nodes`);
    await page.fill('input[name="client"]', client);
    await Promise.all([page.waitForURL(/client=/), page.click('form.filters button')]);
    const ids = await page.locator('#live td[data-key="node"] a').evaluateAll((as) => as.map((a) => new URL((a as unknown as { href: string }).href).searchParams.get('q')));
    expect(ids.sort()).toEqual(speakers.filter((p) => p.clientName === client).map((p) => p.nodeId).sort());
    await page.screenshot({ path: join(ARTIFACTS, 'testnet-nodes.png'), fullPage: true });
    const peer = speakers[speakers.length - 1]!;
    await page.fill('form.search input[name="q"]', peer.enode);
    await Promise.all([page.waitForURL(/\/node\?q=/), page.press('form.search input[name="q"]', 'Enter')]);
    expect(await page.locator('#node-id').textContent()).toBe(peer.nodeId);
    expect(await page.locator('#verdict').textContent()).toMatch(/^Seen: yes\./);
    expect(await page.locator('td[data-key="client_id"]').allTextContents()).toContain(peer.clientId);
    await page.screenshot({ path: join(ARTIFACTS, 'testnet-node.png'), fullPage: true });
    await page.close();
  });
});
