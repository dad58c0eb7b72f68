/**
 * Client policies of emulated peers (src/testnet/policies.ts) against our own crawler code:
 * reth's one-hour bond (our FINDNODE re-bond path) and geth's 30 s inbound throttle. The peers'
 * clocks are manual; real loopback sockets carry the packets, and the tests wait for events
 * (never for a duration) before moving a clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import { ManualClock, systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeTcpDialer } from '../../src/net/node-tcp.js';
import { NodeUdpTransport } from '../../src/net/node-udp.js';
import { probeOutbound, type ProbeConfig } from '../../src/crawler/probe.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { EmulatedPeer } from '../../src/testnet/peer.js';
import { buildProfiles, type PeerProfile } from '../../src/testnet/profiles.js';
import {
  GETH_INBOUND_THROTTLE_MS,
  InboundThrottle,
  RETH_BOND_EXPIRATION_MS,
  bondExpirationFor,
} from '../../src/testnet/policies.js';
import { bytesToHex } from '../../src/util/bytes.js';

const NOW_S = 1_760_000_000;

function profileOf(client: 'geth' | 'reth'): PeerProfile {
  const { profiles } = buildProfiles({ nodes: 60, seed: 3, nowSeconds: NOW_S, fullFraction: 0, noTcpFraction: 0, otherNetworkFraction: 0, parityFraction: 0, staleForkPeers: 0 });
  const p = profiles.find((x) => x.client === client && x.capabilities.some((c) => c.name === 'eth' && c.version >= 68));
  if (!p) throw new Error(`no ${client} profile in the mix`);
  return p;
}

/** Poll (real time) until `cond` holds: waits for packets, never for a fixed duration. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('InboundThrottle (geth p2p/server.go checkInboundConn)', () => {
  it('refuses an IP for 30 s after an accepted connection, inclusive; other IPs are independent', () => {
    const clock = new ManualClock();
    const t = new InboundThrottle(clock, { throttleMs: GETH_INBOUND_THROTTLE_MS, exemptLan: true });
    expect(t.admit('23.55.1.2')).toBe(true);
    expect(t.admit('23.55.1.3')).toBe(true);
    clock.advance(10_000);
    expect(t.admit('23.55.1.2')).toBe(false);
    expect(t.admit('::ffff:23.55.1.2')).toBe(false); // one IP, two spellings
    clock.advance(GETH_INBOUND_THROTTLE_MS - 10_000);
    expect(t.admit('23.55.1.2')).toBe(false); // geth expires entries strictly before now
    clock.advance(1);
    expect(t.admit('23.55.1.2')).toBe(true);
    expect(t.admit('23.55.1.2')).toBe(false); // and it starts over
  });

  it('exempts LAN and loopback as geth does, unless configured not to', () => {
    const clock = new ManualClock();
    const geth = new InboundThrottle(clock, { throttleMs: GETH_INBOUND_THROTTLE_MS, exemptLan: true });
    for (const ip of ['127.0.0.1', '127.0.0.1', '192.168.1.1', '192.168.1.1', '::1', '::1']) expect(geth.admit(ip)).toBe(true);
    expect(geth.size).toBe(0);
    const strict = new InboundThrottle(clock, { throttleMs: GETH_INBOUND_THROTTLE_MS, exemptLan: false });
    expect(strict.admit('127.0.0.1')).toBe(true);
    expect(strict.admit('127.0.0.1')).toBe(false);
    expect(strict.admit('127.0.0.2')).toBe(true);
    const off = new InboundThrottle(clock, { throttleMs: 0, exemptLan: false });
    expect(off.admit('23.55.1.2') && off.admit('23.55.1.2')).toBe(true);
    expect(() => new InboundThrottle(clock, { throttleMs: -1, exemptLan: true })).toThrow(RangeError);
  });

  it('stays bounded under a flood of distinct IPs', () => {
    const t = new InboundThrottle(new ManualClock(), { throttleMs: GETH_INBOUND_THROTTLE_MS, exemptLan: false });
    for (let i = 0; i < 20_000; i++) t.admit(`23.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(t.size).toBeLessThanOrEqual(10_000);
  });

  it('bond lifetimes by client: reth 1 h, geth 24 h, others discv4.md (endpoint default)', () => {
    expect(bondExpirationFor('reth')).toBe(RETH_BOND_EXPIRATION_MS);
    expect(bondExpirationFor('geth')).toBe(24 * 3_600_000);
    expect(bondExpirationFor('nethermind')).toBeUndefined();
  });
});

describe('emulated peers against our crawler code on loopback', () => {
  it('a "reth" peer ignores FINDNODE an hour after our last PONG; our endpoint re-bonds and retries once', async () => {
    const clock = new ManualClock(NOW_S * 1000);
    const reth = await EmulatedPeer.start({ profile: profileOf('reth'), host: '127.0.0.1', port: 0, clock });
    cleanup.push(() => reth.close());
    const rebonds: boolean[] = [];
    const crawler = new Discv4Endpoint({
      privateKey: generatePrivateKey(),
      transport: await NodeUdpTransport.bind({ host: '127.0.0.1', port: 0, netrestrict: LOOPBACK_ONLY }),
      clock,
      onRebond: (_n, answered) => rebonds.push(answered),
    });
    cleanup.push(() => crawler.close());
    const target = new Uint8Array(64).fill(9);
    // reth's table holds only us, so its NEIGHBORS carry our own record (dropped as 'self'); the
    // request then ends at our reply timeout, which this manual clock reaches once NEIGHBORS is in.
    const ask = async (ignored = 0) => {
      const before = crawler.counters().neighborsReceived;
      const p = crawler.findNode(reth.record, target);
      if (ignored) {
        await until(() => reth.endpoint.counters().unbondedRequests === ignored, 'reth to ignore the FINDNODE');
        clock.advance(1_000); // our reply timeout: the re-bond starts
      }
      await until(() => crawler.counters().neighborsReceived > before, 'NEIGHBORS');
      clock.advance(1_000);
      return p;
    };

    expect(await ask()).toEqual([]);
    clock.advance(RETH_BOND_EXPIRATION_MS - 60_000);
    expect(await ask()).toEqual([]);
    expect(crawler.counters()).toMatchObject({ pingsSent: 1, findnodeRebonds: 0, neighborsDropped: { self: 2 } });

    clock.advance(2 * 60_000); // reth's proof of us is now older than one hour; ours of it is not
    expect(await ask(1)).toEqual([]);
    expect(crawler.counters()).toMatchObject({ findnodeSent: 4, findnodeRebonds: 1, findnodeRebondsAnswered: 1, pingsSent: 2 });
    expect(rebonds).toEqual([true]);
  });

  it('a "geth" peer with the throttle applied to loopback closes a second connection within 30 s', async () => {
    const clock = new ManualClock(NOW_S * 1000);
    const profile = profileOf('geth');
    const geth = await EmulatedPeer.start({
      profile,
      host: '127.0.0.1',
      port: 0,
      clock,
      inboundThrottle: { throttleMs: GETH_INBOUND_THROTTLE_MS, exemptLan: false },
    });
    cleanup.push(() => geth.close());
    const privateKey = generatePrivateKey();
    const publicKey = publicKeyFromPrivate(privateKey);
    const config: ProbeConfig = {
      clock: systemClock,
      privateKey,
      publicKey,
      instance: bytesToHex(nodeIdFromPublicKey(publicKey)),
      clientId: 'NodeFinder/v0.0.0-test/linux-amd64/node20',
      listenPort: 0,
      network: NETWORKS.mainnet,
      timeouts: { handshakeMs: 15_000, helloMs: 15_000, statusMs: 15_000 },
    };
    const dialer = new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY });
    const first = await probeOutbound(config, dialer, geth.record, 'dynamic');
    expect(first.event.hello?.clientId).toBe(profile.clientId);
    clock.advance(GETH_INBOUND_THROTTLE_MS);
    const second = await probeOutbound(config, dialer, geth.record, 'dynamic');
    // Closed before any RLPx byte: our side sees the connection end during its handshake.
    expect([second.event.outcome, second.event.errorKind, second.event.hello]).toEqual(['error', 'closed', null]);
    expect(geth.inboundStats()).toMatchObject({ throttled: 1, accepted: 1 });
    clock.advance(1);
    const third = await probeOutbound(config, dialer, geth.record, 'dynamic');
    expect(third.event.hello?.clientId).toBe(profile.clientId);
    expect(geth.inboundStats()).toMatchObject({ throttled: 1, accepted: 2 });
  });

  it('a "geth" peer with geth\'s own setting exempts loopback: back-to-back dials both get HELLO', async () => {
    const clock = new ManualClock(NOW_S * 1000);
    const geth = await EmulatedPeer.start({ profile: profileOf('geth'), host: '127.0.0.1', port: 0, clock });
    cleanup.push(() => geth.close());
    const privateKey = generatePrivateKey();
    const publicKey = publicKeyFromPrivate(privateKey);
    const config: ProbeConfig = {
      clock: systemClock,
      privateKey,
      publicKey,
      instance: bytesToHex(nodeIdFromPublicKey(publicKey)),
      clientId: 'NodeFinder/v0.0.0-test/linux-amd64/node20',
      listenPort: 0,
      network: NETWORKS.mainnet,
      timeouts: { handshakeMs: 15_000, helloMs: 15_000, statusMs: 15_000 },
    };
    const dialer = new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY });
    for (let i = 0; i < 2; i++) {
      const r = await probeOutbound(config, dialer, geth.record, 'dynamic');
      expect(r.event.hello).not.toBeNull();
    }
    expect(geth.inboundStats()).toMatchObject({ throttled: 0, accepted: 2 });
  });
});
