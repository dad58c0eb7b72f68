/**
 * Emulated "geth" peers check our STATUS as geth does (network id, genesis, fork filter over the
 * schedule they know; a mismatch ends the session with subprotocol_error, geth's
 * DiscSubprotocolError), and some peers run a schedule one fork newer than ours. Our probe answers
 * every peer's STATUS with its own, so none of them leaves; sending our own stale STATUS first
 * shows what would happen otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { withTimeForks } from '../../src/eth/fork-schedule-file.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { probeOutbound, type ProbeConfig } from '../../src/crawler/probe.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeTcpDialer } from '../../src/net/node-tcp.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import type { ManifestPeer } from '../../src/testnet/manifest.js';

const STALE = withTimeForks(NETWORKS.mainnet, NETWORKS.mainnet.timeForks.filter((f) => f.name !== 'bpo2'));

function probeConfig(extra: Partial<ProbeConfig> = {}): ProbeConfig {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  return {
    clock: systemClock,
    privateKey,
    publicKey,
    instance: bytesToHex(nodeIdFromPublicKey(publicKey)),
    clientId: 'NodeFinder/v0.1.0/linux-amd64/node20',
    listenPort: 0,
    network: NETWORKS.mainnet,
    timeouts: { connectMs: 5_000, handshakeMs: 5_000, helloMs: 5_000, statusMs: 5_000, headerMs: 5_000, pingMs: 5_000 },
    pingSamples: 1,
    ...extra,
  };
}

let testnet: Testnet;
beforeAll(async () => {
  testnet = await startTestnet({ nodes: 16, seed: 7, newerForkPeers: 2, noTcpFraction: 0, fullFraction: 0, timings: { pingIntervalMs: 120_000 } });
  await testnet.bootstrapped();
}, 90_000);
afterAll(async () => {
  await testnet?.close();
});

/** Peers that exchange STATUS with a mainnet crawler. */
const statusPeers = () => testnet.manifest.peers.filter((p) => p.expected.outcome === 'status');
const isGeth = (p: ManifestPeer) => p.client === 'geth';

async function probeAll(config: ProbeConfig) {
  const dialer = new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY });
  return Promise.all(statusPeers().map(async (p) => ({ p, event: (await probeOutbound(config, dialer, parseEnode(p.enode), 'dynamic')).event })));
}

describe('testnet fork policies', () => {
  it('newer-schedule peers: geth releases that announce a fork we do not know; the manifest expects local_stale', () => {
    const newer = testnet.manifest.peers.filter((p) => p.newerFork !== null);
    expect(newer).toHaveLength(2);
    expect(testnet.manifest.summary.newerFork).toBe(2);
    const present = testnet.manifest.peers.find((p) => p.network.name === 'mainnet' && !p.staleFork && !p.newerFork)!;
    for (const p of newer) {
      expect(p.clientId).toMatch(/^Geth\/v1\.99\.0/);
      expect(p.forkId.hash).not.toBe(present.forkId.hash);
      expect(p.expected.forkVerdict).toBe('local_stale');
    }
  });

  it('answering each STATUS with its own: every peer stays, verdicts as the manifest says, even with a stale schedule', async () => {
    for (const network of [NETWORKS.mainnet, STALE]) {
      for (const { p, event } of await probeAll(probeConfig({ network }))) {
        const where = `peer ${p.index} (${p.clientId}, ${p.network.name}) with ${network.timeForks.length} time forks`;
        expect(event.outcome, where).toBe('status');
        expect(event.disconnects.filter((d) => d.direction === 'received'), where).toEqual([]);
        if (network === NETWORKS.mainnet) expect(event.status?.forkVerdict, where).toBe(p.expected.forkVerdict);
        else if (p.network.name === 'mainnet' && !p.staleFork) expect(event.status?.forkVerdict, where).toBe('local_stale');
      }
    }
    expect(testnet.stats().inbound.statusRejected).toBe(0);
  }, 60_000);

  it('our own stale STATUS sent first: every geth peer leaves with subprotocol_error, the others stay', async () => {
    const results = await probeAll(probeConfig({ network: STALE, statusWaitMs: 0 }));
    const geth = results.filter(({ p }) => isGeth(p));
    expect(geth.length).toBeGreaterThan(2);
    for (const { p, event } of results) {
      const where = `peer ${p.index} (${p.clientId}, ${p.network.name}, stale=${p.staleFork}, newer=${p.newerFork})`;
      const received = event.disconnects.filter((d) => d.direction === 'received').map((d) => d.reason);
      // a stale geth that never heard of BPO2 accepts a BPO1 fork ID; every other geth rejects it
      const rejects = isGeth(p) && !(p.network.name === 'mainnet' && p.staleFork !== null);
      expect(received, where).toEqual(rejects ? ['subprotocol_error'] : []);
    }
    expect(testnet.stats().inbound.statusRejected).toBe(geth.filter(({ p }) => !(p.network.name === 'mainnet' && p.staleFork !== null)).length);
  }, 60_000);
});
