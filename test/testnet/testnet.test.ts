import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portBase } from '../integration/helpers.js';
import { generatePrivateKey, keccak256, publicKeyFromPrivate, randomBytes } from '../../src/crypto/index.js';
import { ethCapabilities } from '../../src/devp2p/capabilities.js';
import { RemoteDisconnectError } from '../../src/devp2p/errors.js';
import { Devp2pPeer } from '../../src/devp2p/peer.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import { lookup } from '../../src/discv4/lookup.js';
import { Table } from '../../src/discv4/table.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { NodeFinderError } from '../../src/errors.js';
import { decodeBlockHeaders, encodeGetBlockHeaders } from '../../src/eth/headers.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { ETH_MESSAGE_IDS, decodeStatus, encodeStatus, localStatus } from '../../src/eth/status.js';
import { dialVerdict, probeOutbound, type ProbeConfig } from '../../src/crawler/probe.js';
import { systemClock } from '../../src/net/clock.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeTcpDialer } from '../../src/net/node-tcp.js';
import { bindNodeUdp } from '../../src/net/node-udp.js';
import { openRlpx } from '../../src/rlpx/connection.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import type { ManifestPeer } from '../../src/testnet/manifest.js';

/** Parity's pre-2.0 metric and XOR order, written out independently of src/. */
function parityMetric(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 32; i++) sum += (a[i]! ^ b[i]!) === 0 ? 0 : 32 - Math.clz32(a[i]! ^ b[i]!);
  return sum;
}
function xorOrder(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if ((a[i]! ^ target[i]!) !== (b[i]! ^ target[i]!)) return (a[i]! ^ target[i]!) - (b[i]! ^ target[i]!);
  return 0;
}
const hex = bytesToHex;

/** Sockets, servers and connections currently open in this process. */
function socketHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => /^(UDPWrap|TCPServerWrap|TCPSocketWrap|TCPWrap)$/.test(r)).length;
}

function probeConfig(): ProbeConfig {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  return {
    clock: systemClock,
    privateKey,
    publicKey,
    instance: hex(nodeIdFromPublicKey(publicKey)),
    clientId: 'NodeFinder/v0.1.0/linux-amd64/node20',
    listenPort: 0,
    network: NETWORKS.mainnet,
    timeouts: { connectMs: 3_000, handshakeMs: 3_000, helloMs: 3_000, statusMs: 3_000, headerMs: 3_000, pingMs: 3_000 },
    pingSamples: 1,
  };
}

/** An outside discv4 node with its own table, recording every node it hears of. */
async function outsider() {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  const selfId = nodeIdFromPublicKey(publicKey);
  const transport = await bindNodeUdp({ host: '127.0.0.1', netrestrict: LOOPBACK_ONLY });
  const table = new Table({ selfId, clock: systemClock });
  const seen = new Set<string>();
  const endpoint = new Discv4Endpoint({
    privateKey,
    transport,
    responseTimeoutMs: 1_000,
    closest: (t, n) => table.closest(t, n),
    onNodeSeen: (node) => {
      seen.add(hex(node.id));
      table.addSeen(node);
    },
  });
  return { selfId, publicKey, table, seen, endpoint };
}

const SEED = 19;
const NODES = 20;
let baseline = 0;
let testnet: Testnet;

beforeAll(async () => {
  baseline = socketHandles();
  testnet = await startTestnet({
    nodes: NODES,
    seed: SEED,
    // Revalidation must not flip liveness while a test compares a FINDNODE answer with the table.
    timings: { pingIntervalMs: 120_000, responseTimeoutMs: 500 },
  });
  await testnet.bootstrapped();
}, 90_000);

afterAll(async () => {
  await testnet?.close();
});

describe('testnet: 20 emulated peers on loopback', () => {
  it('covers every kind of peer the manifest can describe', () => {
    const s = testnet.manifest.summary;
    expect(testnet.peers).toHaveLength(NODES);
    expect(testnet.enodes).toHaveLength(NODES);
    expect(s.full).toBeGreaterThan(0);
    expect(s.noTcp).toBeGreaterThan(0);
    expect(s.parityMetric).toBeGreaterThan(0);
    expect(s.staleFork).toBeGreaterThan(0);
    const reachable = testnet.manifest.peers.filter((p) => p.tcp && !p.full);
    expect(reachable.some((p) => p.network.name !== 'mainnet')).toBe(true);
    expect(reachable.some((p) => p.expected.outcome === 'hello')).toBe(true);
    expect(reachable.some((p) => p.expected.ethVersion === 68)).toBe(true);
    expect(reachable.some((p) => p.expected.ethVersion === 69)).toBe(true);
    // Every peer's discovery finished its first refresh and knows most of the others.
    expect(testnet.stats().bootstrapped).toBe(NODES);
    expect(testnet.stats().table.min).toBeGreaterThanOrEqual(NODES / 2);
  });

  it('our probe records what the manifest says, for every peer', async () => {
    const config = probeConfig();
    const dialer = new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY });
    const results = await Promise.all(
      testnet.manifest.peers.map(async (p) => ({ p, event: (await probeOutbound(config, dialer, parseEnode(p.enode), 'dynamic')).event })),
    );
    for (const { p, event } of results) {
      const where = `peer ${p.index} (${p.clientId}, ${p.network.name}, full=${p.full}, tcp=${p.tcp})`;
      expect(event.outcome, where).toBe(p.expected.outcome);
      expect(event.errorKind, where).toBe(p.expected.errorKind);
      if (p.expected.disconnectReason) {
        expect(event.disconnects, where).toEqual([expect.objectContaining({ direction: 'received', reason: p.expected.disconnectReason })]);
        expect(dialVerdict(event), where).toBe('too_many_peers');
      }
      if (p.expected.outcome === 'hello' || p.expected.outcome === 'status') {
        expect(event.hello?.clientId, where).toBe(p.clientId);
        expect(event.hello?.clientName, where).toBe(p.clientName);
        expect(event.hello?.caps, where).toEqual(p.capabilities);
        expect(event.hello?.listenPort, where).toBe(p.tcpPort);
        // The peer never leaves first: we are the ones saying goodbye.
        expect(event.disconnects.every((d) => d.direction === 'sent'), where).toBe(true);
      }
      if (p.expected.outcome === 'status') {
        const st = event.status!;
        expect(st.ethVersion, where).toBe(p.expected.ethVersion);
        expect(st.networkId, where).toBe(BigInt(p.network.networkId));
        expect(st.genesisHash, where).toBe(p.network.genesisHash);
        expect(st.forkHash.replace(/^0x/, ''), where).toBe(p.forkId.hash);
        expect(st.forkNext, where).toBe(BigInt(p.forkId.next));
        expect(st.forkVerdict, where).toBe(p.expected.forkVerdict);
        expect(st.bestHash, where).toBe(p.head.hash);
        // eth/69 announces the number; on eth/68 the probe asks for the head header (same chain only).
        if (p.expected.ethVersion! >= 69 || p.network.name === 'mainnet') expect(st.bestBlock, where).toBe(BigInt(p.head.number));
      }
    }
  });

  it('a session: HELLO, STATUS, head header by hash and by number, nothing for unknown blocks, PING answered', async () => {
    const p = testnet.manifest.peers.find((q) => q.expected.outcome === 'status' && q.expected.ethVersion === 68 && q.network.name === 'mainnet')!;
    const node = parseEnode(p.enode);
    const key = generatePrivateKey();
    const stream = await new NodeTcpDialer().connect(node.ip, node.tcpPort);
    const session = await openRlpx({ stream, clock: systemClock, privateKey: key, remotePublicKey: node.publicKey });
    const peer = new Devp2pPeer({ session, clock: systemClock, clientId: 'test', capabilities: ethCapabilities([68]), listenPort: 0, nodeKey: publicKeyFromPrivate(key) });
    const wait = { timeoutMs: 3_000 };
    expect((await peer.awaitHello(wait)).clientId).toBe(p.clientId);
    const isEth = (id: number) => (m: { capability: { name: string }; id: number }) => m.capability.name === 'eth' && m.id === id;
    const status = decodeStatus((await peer.awaitMessage('STATUS', isEth(ETH_MESSAGE_IDS.status), wait)).payload, 68);
    expect(status.shape === 'td' && hex(status.bestHash)).toBe(p.head.hash);
    peer.send('eth', ETH_MESSAGE_IDS.status, encodeStatus(localStatus(NETWORKS.mainnet, 68, Date.now() / 1000)));

    const ask = async (requestId: bigint, origin: { hash: Uint8Array } | { number: bigint }) => {
      peer.send('eth', ETH_MESSAGE_IDS.getBlockHeaders, encodeGetBlockHeaders({ requestId, origin, limit: 1, skip: 0, reverse: false }));
      const reply = await peer.awaitMessage('BlockHeaders', isEth(ETH_MESSAGE_IDS.blockHeaders), wait);
      const decoded = decodeBlockHeaders(reply.payload);
      expect(decoded.requestId).toBe(requestId);
      return decoded.headers;
    };
    const byHash = await ask(1n, { hash: Buffer.from(p.head.hash, 'hex') });
    expect(byHash.map((h) => [h.number, hex(h.hash)])).toEqual([[BigInt(p.head.number), p.head.hash]]);
    const byNumber = await ask(2n, { number: BigInt(p.head.number) });
    expect(byNumber.map((h) => hex(h.hash))).toEqual([p.head.hash]);
    expect(await ask(3n, { hash: new Uint8Array(32).fill(7) })).toEqual([]);
    expect(await ask(4n, { number: BigInt(p.head.number) + 1000n })).toEqual([]);
    expect(await peer.ping(wait)).toBeGreaterThanOrEqual(0);
    expect(peer.closed).toBe(false);
    peer.disconnect('client_quitting');
  });

  it('a lookup from an outside node finds (nearly) every peer', async () => {
    const o = await outsider();
    try {
      const seeds = [parseEnode(testnet.enodes[0]!)];
      const findNode = (n: NodeRecord, target: Uint8Array, signal: AbortSignal) => o.endpoint.findNode(n, target, { signal });
      for (const target of [o.publicKey, randomBytes(64), randomBytes(64), randomBytes(64)]) {
        await lookup({ table: o.table, findNode, clock: systemClock, target, seeds });
      }
      const found = testnet.manifest.peers.filter((p) => o.seen.has(p.nodeId)).length;
      expect(found).toBeGreaterThanOrEqual(NODES - 2);
    } finally {
      await o.endpoint.close();
    }
  });

  it('Parity-metric peers answer FINDNODE with the Parity-closest nodes, geth peers with the XOR-closest', async () => {
    const o = await outsider();
    const check = async (m: ManifestPeer, rank: (target: Uint8Array, a: NodeRecord, b: NodeRecord) => number) => {
      const emulated = testnet.peers[m.index]!;
      const node = parseEnode(m.enode);
      await o.endpoint.findNode(node, randomBytes(64)); // bond first, so the table no longer changes
      let differsFromOtherMetric = 0;
      for (let t = 0; t < 4; t++) {
        const target = randomBytes(64);
        const targetId = keccak256(target);
        const entries = emulated.table.nodes().map((n) => ({ n, live: emulated.table.get(n.id)!.live }));
        const pool = entries.some((e) => e.live) ? entries.filter((e) => e.live) : entries; // geth's preferLive
        const want = pool
          .map((e) => e.n)
          .sort((a, b) => rank(targetId, a, b))
          .slice(0, 16)
          .filter((n) => hex(n.id) !== hex(o.selfId)); // we drop ourselves from answers
        const got = await o.endpoint.findNode(node, target);
        expect(got.map((n) => hex(n.id)), `peer ${m.index} (${m.metric})`).toEqual(want.map((n) => hex(n.id)));
        const other = m.metric === 'parity' ? byXor : byParity;
        const alt = pool.map((e) => e.n).sort((a, b) => other(targetId, a, b)).slice(0, 16).filter((n) => hex(n.id) !== hex(o.selfId));
        if (alt.map((n) => hex(n.id)).join() !== want.map((n) => hex(n.id)).join()) differsFromOtherMetric++;
      }
      // The comparison has teeth: the two metrics rank these tables differently.
      expect(differsFromOtherMetric).toBeGreaterThan(0);
    };
    const byParity = (t: Uint8Array, a: NodeRecord, b: NodeRecord) => parityMetric(t, a.id) - parityMetric(t, b.id) || xorOrder(t, a.id, b.id);
    const byXor = (t: Uint8Array, a: NodeRecord, b: NodeRecord) => xorOrder(t, a.id, b.id);
    try {
      const parity = testnet.manifest.peers.filter((p) => p.metric === 'parity');
      expect(parity.length).toBeGreaterThan(0);
      for (const m of parity) {
        expect(testnet.peers[m.index]!.table.metric).toBe('parity');
        await check(m, byParity);
      }
      await check(testnet.manifest.peers.find((p) => p.metric === 'geth')!, byXor);
    } finally {
      await o.endpoint.close();
    }
  });

  it('serves signed ENRs with its endpoint and fork ID', async () => {
    const o = await outsider();
    try {
      const m = testnet.manifest.peers[1]!;
      const enr = await o.endpoint.requestEnr(parseEnode(m.enode));
      expect(hex(enr.nodeId)).toBe(m.nodeId);
      expect([enr.ip, enr.udp, enr.tcp]).toEqual([m.ip, m.udpPort, m.tcpPort]);
      expect(enr.eth && [hex(enr.eth.forkHash), enr.eth.forkNext]).toEqual([m.forkId.hash, BigInt(m.forkId.next)]);
      expect(enr.get('snap') !== undefined).toBe(m.capabilities.includes('snap/1'));
    } finally {
      await o.endpoint.close();
    }
  });

  it('close() releases every socket: nothing keeps the process alive', async () => {
    expect(socketHandles()).toBeGreaterThan(baseline + NODES);
    await testnet.close();
    await testnet.close(); // idempotent
    // Handles go away once their close callbacks ran (an event-loop turn or two).
    for (let i = 0; i < 100 && socketHandles() > baseline; i++) await new Promise((r) => setTimeout(r, 10));
    expect(socketHandles()).toBe(baseline);
    const refused = await probeOutbound(probeConfig(), new NodeTcpDialer(), parseEnode(testnet.enodes[0]!), 'dynamic');
    expect(refused.event.errorKind).toBe('connection_refused');
  });
});

describe('testnet: idle sessions and options', () => {
  it('disconnects a peer that stays silent past the idle timeout', async () => {
    const tn = await startTestnet({ nodes: 2, seed: 2, fullFraction: 0, noTcpFraction: 0, parityFraction: 0, otherNetworkFraction: 0, timings: { idleTimeoutMs: 400 } });
    try {
      const node = parseEnode(tn.enodes[0]!);
      const key = generatePrivateKey();
      const session = await openRlpx({ stream: await new NodeTcpDialer().connect(node.ip, node.tcpPort), clock: systemClock, privateKey: key, remotePublicKey: node.publicKey });
      const peer = new Devp2pPeer({ session, clock: systemClock, clientId: 'idle', capabilities: ethCapabilities(), listenPort: 0, nodeKey: publicKeyFromPrivate(key) });
      await peer.awaitHello({ timeoutMs: 3_000 });
      // Wait for something that never comes: the peer's DISCONNECT ends the wait.
      const err = await peer.awaitMessage('nothing', () => false, { timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteDisconnectError);
      expect((err as RemoteDisconnectError).reason).toBe('disconnect_requested');
      expect(tn.stats().inbound.idleDisconnects).toBe(1);
    } finally {
      await tn.close();
    }
  });

  it('survives hostile bytes: garbage handshakes fail, a malformed eth request ends that session only', async () => {
    const tn = await startTestnet({ nodes: 1, seed: 3, fullFraction: 0, noTcpFraction: 0, parityFraction: 0, otherNetworkFraction: 0, timings: { handshakeTimeoutMs: 500 } });
    try {
      const node = parseEnode(tn.enodes[0]!);
      const dialer = new NodeTcpDialer();
      for (let i = 0; i < 20; i++) {
        const stream = await dialer.connect(node.ip, node.tcpPort);
        stream.write(randomBytes(i === 0 ? 0 : Math.floor(Math.random() * 3000) + 1));
        stream.end();
      }
      for (let i = 0; i < 300 && tn.stats().inbound.handshakeFailed < 20; i++) await new Promise((r) => setTimeout(r, 10));
      expect(tn.stats().inbound).toMatchObject({ accepted: 20, handshakeFailed: 20, hello: 0 });

      const key = generatePrivateKey();
      const session = await openRlpx({ stream: await dialer.connect(node.ip, node.tcpPort), clock: systemClock, privateKey: key, remotePublicKey: node.publicKey });
      const peer = new Devp2pPeer({ session, clock: systemClock, clientId: 'hostile', capabilities: ethCapabilities(), listenPort: 0, nodeKey: publicKeyFromPrivate(key) });
      await peer.awaitHello({ timeoutMs: 3_000 });
      peer.send('eth', ETH_MESSAGE_IDS.getBlockHeaders, Uint8Array.of(0xc3, 0x01, 0xc1)); // truncated list
      const err = await peer.awaitMessage('nothing', () => false, { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteDisconnectError);
      expect((err as RemoteDisconnectError).reason).toBe('breach_of_protocol');

      const ok = await probeOutbound(probeConfig(), dialer, node, 'dynamic');
      expect(ok.event.outcome).toBe('status');
    } finally {
      await tn.close();
    }
  });

  it('binds port+i when given a base port, and refuses non-loopback hosts', async () => {
    let tn: Testnet | undefined;
    for (let attempt = 0; attempt < 5 && !tn; attempt++) {
      const port = portBase();
      tn = await startTestnet({ nodes: 3, seed: 1, port, startSpreadMs: 0 }).catch((e: NodeFinderError) => {
        if (e.kind !== 'address_in_use') throw e;
        return undefined;
      });
    }
    try {
      const base = tn!.manifest.basePort!;
      expect(tn!.manifest.peers.map((p) => [p.udpPort, p.tcpPort])).toEqual([0, 1, 2].map((i) => [base + i, base + i]));
      expect(tn!.enodes[1]).toBe(`enode://${tn!.manifest.peers[1]!.publicKey}@127.0.0.1:${base + 1}`);
    } finally {
      await tn?.close();
    }
    for (const host of ['0.0.0.0', '192.168.1.10', '::']) {
      await expect(startTestnet({ nodes: 1, seed: 1, host })).rejects.toMatchObject({ kind: 'netrestrict' });
    }
  });
});
