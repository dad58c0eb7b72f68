/**
 * geth ≥ 1.16 dials a discv4 node only after an ENRRequest whose record carries an "eth" entry
 * passing its fork filter (eth/backend.go setupDiscovery). The testnet's geth ≥ 1.16 peers follow
 * that rule, so inbound HELLOs from them reach the crawler only when our ENR is right.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnode } from '../../src/enode/enode-url.js';
import { decodeEnr } from '../../src/enode/enr.js';
import type { ForkId } from '../../src/eth/fork-id.js';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { Crawler } from '../../src/crawler/crawler.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { portBase, waitFor } from './helpers.js';
import { nodeSockets } from '../../src/net/node-sockets.js';

const MIX = { nodes: 16, seed: 7, fullFraction: 0, noTcpFraction: 0, otherNetworkFraction: 0, parityFraction: 0, staleForkPeers: 0 };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function run(enrForkId?: ForkId | null, externalIp?: string) {
  const testnet: Testnet = await startTestnet({ ...MIX, host: '127.0.0.1' });
  cleanup.push(() => testnet.close());
  const events: CrawlerEvent[] = [];
  const crawler = new Crawler({
    clock: systemClock,
    sockets: nodeSockets,
    network: NETWORKS.mainnet,
    bootnodes: testnet.enodes.map((u) => parseEnode(u)),
    instances: 1,
    listenHost: '127.0.0.1',
    port: portBase(),
    netrestrict: LOOPBACK_ONLY,
    maxDials: 16,
    redialIntervalMs: 30 * 60_000,
    expireAfterMs: 24 * 3_600_000,
    maxSockets: 64,
    privateKeys: [generatePrivateKey()],
    clientId: 'NodeFinder/test',
    codeVersion: 'test',
    sinks: [(e) => events.push(e)],
    refreshIntervalMs: 2_000,
    ...(enrForkId !== undefined ? { enrForkId } : {}),
    ...(externalIp ? { externalIp } : {}),
  });
  await crawler.start();
  cleanup.push(() => crawler.stop());
  const dialers = new Set(testnet.peers.filter((p) => p.dialer).map((p) => bytesToHex(p.profile.nodeId)));
  const inbound = () => events.filter((e): e is DialEvent => e.type === 'dial' && e.kind === 'inbound' && e.nodeId !== null && e.hello !== null);
  return { testnet, crawler, events, dialers, inbound };
}

describe('geth ≥ 1.16 peers dial the crawler only when its ENR is right', () => {
  it('with our ENR (eth = the current mainnet fork ID), every geth ≥ 1.16 peer dials in and is recorded as inbound', async () => {
    const r = await run();
    expect(r.dialers.size).toBeGreaterThanOrEqual(2); // the seed's mix holds several geth ≥ 1.16 peers
    const enr = decodeEnr(r.crawler.instances[0]!.enr!.raw);
    expect(enr.eth).toBeDefined();
    expect(enr.ip).toBe('127.0.0.1');
    await waitFor(() => r.dialers.size > 0 && [...r.dialers].every((id) => r.inbound().some((e) => e.nodeId === id)), 60_000, 'inbound dials from every geth ≥ 1.16 peer');
    const from = new Set(r.inbound().map((e) => e.nodeId));
    // Only the geth ≥ 1.16 peers dial (the other profiles do not emulate a dialer).
    expect([...from].every((id) => r.dialers.has(id!))).toBe(true);
    for (const e of r.inbound()) {
      expect(e.kind).toBe('inbound');
      expect(e.hello!.clientId).toMatch(/^Geth\/v1\.(1[6-9]|[2-9]\d)\./);
    }
    expect(r.testnet.stats().dials).toMatchObject({ noEth: 0, forkRejected: 0, addressRejected: 0 });
  }, 90_000);

  it('without the eth entry, no geth peer dials', async () => {
    const r = await run(null);
    expect(r.crawler.instances[0]!.enr!.get('eth')).toBeUndefined();
    // Every geth ≥ 1.16 peer asked for our record and turned it down.
    await waitFor(() => r.testnet.stats().dials.noEth >= r.dialers.size, 60_000, 'every geth peer to read our ENR');
    expect(r.testnet.stats().dials.dials).toBe(0);
    expect(r.inbound().filter((e) => r.dialers.has(e.nodeId!))).toEqual([]);
  }, 90_000);

  it('with a fork ID of another chain, no geth peer dials', async () => {
    const r = await run({ hash: Uint8Array.of(0xde, 0xad, 0xbe, 0xef), next: 0n });
    await waitFor(() => r.testnet.stats().dials.forkRejected >= r.dialers.size, 60_000, 'every geth peer to reject our fork ID');
    expect(r.testnet.stats().dials.dials).toBe(0);
    expect(r.inbound().filter((e) => r.dialers.has(e.nodeId!))).toEqual([]);
  }, 90_000);

  it('with an IP that CheckRelayAddr refuses (a documentation range), no geth peer dials', async () => {
    const announced = '203.0.113.7'; // TEST-NET-3: announced in our record, never contacted
    const r = await run(undefined, announced);
    expect(r.crawler.instances[0]!.enr!.ip).toBe(announced);
    await waitFor(() => r.testnet.stats().dials.addressRejected >= r.dialers.size, 60_000, 'every geth peer to refuse our address');
    expect(r.testnet.stats().dials.dials).toBe(0);
  }, 90_000);
});
