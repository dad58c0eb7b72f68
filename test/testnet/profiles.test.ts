import { describe, expect, it } from 'vitest';
import { keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { parseClientId } from '../../src/devp2p/client-id.js';
import { ADVERTISED_ETH_VERSIONS } from '../../src/devp2p/capabilities.js';
import { crc32Update, forkHashHex } from '../../src/eth/fork-id.js';
import { decodeBlockHeaders, encodeBlockHeaders } from '../../src/eth/headers.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { createStatusChecker, decodeStatus, encodeStatus } from '../../src/eth/status.js';
import { NodeFinderError } from '../../src/errors.js';
import { bytesToHex, equalBytes } from '../../src/util/bytes.js';
import { estimateHead, headerAt, privateNetwork, publicNetwork, staleForkId, statusFor } from '../../src/testnet/chain.js';
import { buildManifest, expectedProbe } from '../../src/testnet/manifest.js';
import { buildProfiles, testnetPrivateKey, type PeerProfile } from '../../src/testnet/profiles.js';
import { chooseBootnodes, isLoopbackHost } from '../../src/testnet/testnet.js';

const NOW = 1_795_000_000; // 2026-11-18, after every fork of the schedule
const CLIENT_NAMES = new Set(['Geth', 'Nethermind', 'erigon', 'besu', 'reth', 'Parity-Ethereum', 'Parity']);

function summary(profiles: readonly PeerProfile[]) {
  return {
    parity: profiles.filter((p) => p.metric === 'parity').length,
    noTcp: profiles.filter((p) => !p.tcp).length,
    full: profiles.filter((p) => p.full).length,
    other: profiles.filter((p) => p.chain.network.name !== 'mainnet').length,
    stale: profiles.filter((p) => p.staleFork !== null).length,
  };
}

describe('testnet profiles: a seeded, deterministic mix', () => {
  it('the same options give the same peers; another seed gives other keys', () => {
    const a = buildProfiles({ nodes: 50, seed: 7, nowSeconds: NOW }).profiles;
    const b = buildProfiles({ nodes: 50, seed: 7, nowSeconds: NOW }).profiles;
    const c = buildProfiles({ nodes: 50, seed: 8, nowSeconds: NOW }).profiles;
    const view = (ps: PeerProfile[]) => ps.map((p) => [bytesToHex(p.privateKey), p.clientId, p.metric, p.tcp, p.full, p.chain.network.name, bytesToHex(p.chain.head.hash)]);
    expect(view(a)).toEqual(view(b));
    expect(a.every((p, i) => !equalBytes(p.privateKey, c[i]!.privateKey))).toBe(true);
    expect(new Set(a.map((p) => bytesToHex(p.nodeId))).size).toBe(50);
    for (const p of a) {
      expect(equalBytes(p.publicKey, publicKeyFromPrivate(p.privateKey))).toBe(true);
      expect(equalBytes(p.nodeId, keccak256(p.publicKey))).toBe(true);
    }
    expect(equalBytes(testnetPrivateKey(7, 3), a[3]!.privateKey)).toBe(true);
  });

  it('assigns exactly the requested shares, and changing one share leaves the other assignments alone', () => {
    const base = { nodes: 200, seed: 3, nowSeconds: NOW, parityFraction: 0.1, noTcpFraction: 0.1, fullFraction: 0.15, otherNetworkFraction: 0.1, staleForkPeers: 2 };
    const { profiles } = buildProfiles(base);
    expect(summary(profiles)).toEqual({ parity: 20, noTcp: 20, full: 30, other: 20, stale: 2 });
    for (const p of profiles) {
      if (p.full) expect(p.tcp).toBe(true);
      if (p.staleFork) expect(p.tcp && !p.full && p.chain.network.name === 'mainnet' && p.client === 'geth').toBe(true);
      if (p.chain.network.name !== 'mainnet') expect(['geth', 'nethermind', 'erigon', 'besu', 'reth']).toContain(p.client);
      // Parity's metric was fixed in 2.0: only Parity 1.x uses it, and every Parity 1.x does.
      expect(p.metric === 'parity').toBe(p.client === 'parity');
    }
    const moreFull = buildProfiles({ ...base, fullFraction: 0.3 }).profiles;
    expect(summary(moreFull).full).toBe(60);
    expect(moreFull.map((p) => p.metric)).toEqual(profiles.map((p) => p.metric));
    expect(moreFull.map((p) => p.tcp)).toEqual(profiles.map((p) => p.tcp));
    expect(moreFull.map((p) => p.chain.network.name)).toEqual(profiles.map((p) => p.chain.network.name));
  });

  it('property: for random sizes and shares, counts are exact (or clamped to who is eligible) and invariants hold', () => {
    const rand = (() => {
      let x = 0x9e3779b9;
      return () => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) ^ 0x68e31da4) >>> 0) / 2 ** 32;
    })();
    for (let run = 0; run < 40; run++) {
      const nodes = 1 + Math.floor(rand() * 120);
      const o = {
        nodes,
        seed: Math.floor(rand() * 1e9),
        nowSeconds: NOW,
        parityFraction: rand(),
        noTcpFraction: rand() / 2,
        fullFraction: rand() / 2,
        otherNetworkFraction: rand(),
        staleForkPeers: Math.floor(rand() * Math.min(nodes, 5)),
      };
      const ps = buildProfiles(o).profiles;
      const s = summary(ps);
      const where = JSON.stringify(o);
      expect(ps, where).toHaveLength(nodes);
      expect(s.parity, where).toBe(Math.round(o.parityFraction * nodes));
      expect(s.noTcp, where).toBe(Math.round(o.noTcpFraction * nodes));
      expect(s.full, where).toBe(Math.min(Math.round(o.fullFraction * nodes), nodes - s.noTcp));
      const modern = ps.filter((p) => p.client !== 'parity' && p.client !== 'parity-ethereum').length;
      expect(s.other, where).toBe(Math.min(Math.round(o.otherNetworkFraction * nodes), modern));
      const staleEligible = ps.filter((p) => p.client !== 'parity' && p.client !== 'parity-ethereum' && p.chain.network.name === 'mainnet' && p.tcp && !p.full).length;
      expect(s.stale, where).toBe(Math.min(o.staleForkPeers, staleEligible));
      for (const p of ps) {
        expect(p.full && !p.tcp, where).toBe(false);
        expect(p.capabilities.some((c) => c.name === 'eth'), where).toBe(true);
        expect(parseClientId(p.clientId).name.length, where).toBeGreaterThan(0);
      }
    }
  });

  it('writes realistic client ids that our parser splits into name, version and platform', () => {
    const { profiles } = buildProfiles({ nodes: 300, seed: 11, nowSeconds: NOW });
    const names = new Set<string>();
    for (const p of profiles) {
      const id = parseClientId(p.clientId);
      expect(CLIENT_NAMES.has(id.name), p.clientId).toBe(true);
      expect(id.version, p.clientId).toMatch(/^v\d+\.\d+\.\d+/);
      expect(id.os ?? id.arch, p.clientId).not.toBeNull();
      names.add(id.name);
    }
    expect(names).toEqual(CLIENT_NAMES);
    const geth = profiles.filter((p) => p.client === 'geth' && !p.staleFork).map((p) => parseClientId(p.clientId).version!);
    expect(new Set(geth.map((v) => v.slice(0, 6)))).toEqual(new Set(['v1.14.', 'v1.15.', 'v1.16.']));
  });

  it('mixes eth/68-only, eth/68+69 and eth/69-only peers; old Parity speaks no eth version we do', () => {
    const { profiles } = buildProfiles({ nodes: 300, seed: 12, nowSeconds: NOW });
    const ethOf = (p: PeerProfile) => p.capabilities.filter((c) => c.name === 'eth').map((c) => c.version);
    const modern = profiles.filter((p) => p.client !== 'parity' && p.client !== 'parity-ethereum');
    const has68 = (p: PeerProfile) => ethOf(p).includes(68);
    const has69 = (p: PeerProfile) => ethOf(p).includes(69);
    expect(modern.filter((p) => has68(p) && !has69(p)).length).toBeGreaterThan(50);
    expect(modern.filter((p) => has68(p) && has69(p)).length).toBeGreaterThan(50);
    expect(modern.filter((p) => !has68(p) && has69(p)).length).toBeGreaterThan(10);
    for (const p of profiles.filter((q) => q.client === 'parity' || q.client === 'parity-ethereum')) {
      expect(ethOf(p).some((v) => ADVERTISED_ETH_VERSIONS.includes(v))).toBe(false);
      expect(expectedProbe(p).outcome === 'hello' || !p.tcp || p.full).toBe(true);
    }
    // geth announced eth/69 from v1.16 on.
    for (const p of profiles.filter((q) => q.client === 'geth' && has69(q))) expect(p.clientId).toMatch(/^Geth\/v1\.16\./);
  });

  it('rejects options outside their ranges with a typed error', () => {
    for (const bad of [{ nodes: 0 }, { nodes: 10, fullFraction: 1.5 }, { nodes: 10, parityFraction: -0.1 }, { nodes: 10, staleForkPeers: 11 }, { nodes: 10, seed: -1 }]) {
      expect(() => buildProfiles({ seed: 1, nowSeconds: NOW, ...bad })).toThrow(NodeFinderError);
    }
  });
});

describe('testnet chains: STATUS, fork IDs and headers a crawler can check', () => {
  const { profiles } = buildProfiles({ nodes: 120, seed: 5, nowSeconds: NOW, otherNetworkFraction: 0.3, staleForkPeers: 3 });
  const mainnetCheck = createStatusChecker(NETWORKS.mainnet);

  it('every STATUS encodes and decodes, and our checker classifies it as the manifest expects', () => {
    let stale = 0;
    let others = 0;
    for (const p of profiles) {
      for (const c of p.capabilities.filter((x) => x.name === 'eth' && x.version >= 66)) {
        const status = decodeStatus(encodeStatus(statusFor(p.chain, c.version)), c.version);
        const verdict = mainnetCheck(status, NOW);
        const expected = expectedProbe(p).forkVerdict;
        if (p.chain.network.name === 'mainnet') {
          expect(verdict.networkIdMatches && verdict.genesisMatches).toBe(true);
          expect(verdict.forkVerdict).toBe(p.staleFork ? 'remote_stale' : 'compatible');
          if (p.tcp && !p.full) expect(expected).toBe(verdict.forkVerdict);
          if (p.staleFork) stale++;
        } else {
          expect(verdict.networkIdMatches && verdict.genesisMatches).toBe(false);
          if (p.tcp && !p.full) expect(expected).toBe('unchecked');
          others++;
        }
        if (status.shape === 'td') expect(equalBytes(status.bestHash, p.chain.head.hash)).toBe(true);
        else expect(status.latestBlock).toBe(p.chain.head.number);
      }
    }
    expect(stale).toBeGreaterThan(0);
    expect(others).toBeGreaterThan(0);
  });

  it('the head header hashes to the announced head and carries the head number', () => {
    for (const p of profiles) {
      const head = p.chain.head;
      expect(equalBytes(keccak256(head.headerRlp), head.hash)).toBe(true);
      const [decoded] = decodeBlockHeaders(encodeBlockHeaders(9n, [head.headerRlp])).headers;
      expect(decoded!.number).toBe(head.number);
      expect(equalBytes(decoded!.hash, head.hash)).toBe(true);
      expect(Number(decoded!.time)).toBeLessThanOrEqual(NOW);
    }
    // One network, one number, one block: peers at the same height announce the same hash.
    const mainnet = publicNetwork('mainnet');
    expect(equalBytes(headerAt(mainnet, 20_000_000n).hash, headerAt(mainnet, 20_000_000n).hash)).toBe(true);
    expect(equalBytes(headerAt(mainnet, 20_000_000n).hash, headerAt(mainnet, 20_000_001n).hash)).toBe(false);
  });

  it('heads are plausible: mainnet near the 12 s slot count since the merge, stale peers stuck before their fork', () => {
    const mainnet = publicNetwork('mainnet');
    const tip = estimateHead(mainnet, NOW);
    expect(tip).toBeGreaterThan(15_537_394 + ((NOW - 1_663_224_179) / 12) * 0.95);
    expect(tip).toBeLessThan(15_537_394 + (NOW - 1_663_224_179) / 12);
    for (const p of profiles.filter((q) => q.chain.network.name === 'mainnet')) {
      expect(Number(p.chain.head.number)).toBeLessThanOrEqual(tip);
      if (p.staleFork) {
        const fork = NETWORKS.mainnet.timeForks.find((f) => f.name === p.staleFork)!;
        expect(Number(p.chain.head.time)).toBeLessThan(fork.time);
      }
    }
  });

  it('a stale fork ID is an older checksum with no next fork; mainnet serves the DAO header', () => {
    const mainnet = publicNetwork('mainnet');
    const stale = staleForkId(mainnet, NOW)!;
    expect(stale.missedFork).toBe('bpo2');
    expect(stale.forkId.next).toBe(0n);
    expect(createStatusChecker(NETWORKS.mainnet)(
      { shape: 'td', version: 68, networkId: 1n, td: 1n, bestHash: new Uint8Array(32), genesisHash: mainnet.genesisHash, forkId: stale.forkId },
      NOW,
    ).forkVerdict).toBe('remote_stale');
    const dao = decodeBlockHeaders(encodeBlockHeaders(1n, [headerAt(mainnet, 1_920_000n).headerRlp])).headers[0]!;
    expect(Buffer.from(dao.extraData).toString()).toBe('dao-hard-fork');
  });

  it('a private network has its own id and genesis, and the genesis-only fork ID', () => {
    const net = privateNetwork(5, NOW);
    expect(net.networkId).toBeGreaterThanOrEqual(1_337_000);
    expect(Object.values(NETWORKS).some((n) => n.networkId === net.networkId || n.genesisHash === bytesToHex(net.genesisHash))).toBe(false);
    const p = profiles.find((q) => q.chain.network.name === 'private')!;
    expect(p).toBeDefined();
    expect(equalBytes(p.chain.network.genesisHash, net.genesisHash)).toBe(true);
    expect(forkHashHex(p.chain.forkId.hash)).toBe(`0x${crc32Update(0, net.genesisHash).toString(16).padStart(8, '0')}`);
    expect(p.chain.forkId.next).toBe(0n);
  });
});

describe('testnet manifest and bootstrapping graph', () => {
  it('records every peer with its endpoint, truth and expectation', () => {
    const { mix, profiles } = buildProfiles({ nodes: 30, seed: 9, nowSeconds: NOW });
    const endpoints = profiles.map((_, i) => ({ ip: '127.0.0.1', udpPort: 40000 + i, tcpPort: 40000 + i }));
    const bootnodes = chooseBootnodes(30, 3, 9);
    const m = buildManifest({ mix, host: '127.0.0.1', basePort: 40000, profiles, endpoints, bootnodes });
    const json = JSON.parse(JSON.stringify(m)) as typeof m;
    expect(json.peers).toHaveLength(30);
    expect(json.summary.full + json.summary.noTcp).toBe(profiles.filter((p) => p.full || !p.tcp).length);
    for (const [i, p] of json.peers.entries()) {
      expect(p.enode).toBe(`enode://${bytesToHex(profiles[i]!.publicKey)}@127.0.0.1:${40000 + i}`);
      expect(p.clientName).toBe(parseClientId(p.clientId).name);
      if (!p.tcp) expect(p.expected).toMatchObject({ outcome: 'error', errorKind: 'connection_refused' });
      else if (p.full) expect(p.expected).toMatchObject({ outcome: 'disconnect', disconnectReason: 'too_many_peers' });
    }
  });

  it('bootnodes: no self, no repeats, and the predecessor ring keeps the graph connected', () => {
    const lists = chooseBootnodes(25, 3, 4);
    for (const [i, l] of lists.entries()) {
      expect(l).toHaveLength(3);
      expect(l).not.toContain(i);
      expect(new Set(l).size).toBe(3);
      expect(l).toContain((i + 24) % 25);
    }
    expect(chooseBootnodes(1, 3, 4)).toEqual([[]]);
    expect(chooseBootnodes(2, 3, 4)).toEqual([[1], [0]]);
  });

  it('knows loopback from everything else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.2', '10.0.0.1', 'localhost', '128.0.0.1', '']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
