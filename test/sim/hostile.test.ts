/**
 * Hostile actors while the crawler crawls a small testnet:
 *   - UDP: garbage datagrams, badly signed, expired and replayed packets, unbonded FINDNODEs;
 *   - a discv4 node (one of the crawler's bootnodes) answering every FINDNODE with a NEIGHBORS
 *     flood: oversized datagrams, more entries than asked, entries outside --netrestrict, invalid
 *     keys, unsolicited repeats — advertising three hostile TCP peers:
 *       slowloris: accepts and never answers the RLPx handshake;
 *       bigframe:  completes the handshake, then announces a 16 MiB frame and stalls;
 *       midframe:  completes the handshake, sends half a frame and closes;
 *   - inbound: TCP clients that connect to the crawler and say nothing, or garbage.
 * The crawler must keep crawling (every honest peer recorded), type every failure, count the
 * garbage, send nothing outside 127.0.0.0/8, and hold bounded state once the flood is over.
 *
 * A simulation (test/sim/harness.ts): the testnet, the hostile actors and the crawler share one
 * in-memory network (src/net/memory-sockets.ts) and one ManualClock, so every deadline is exact
 * and nothing depends on the machine's load. Real-socket crawls stay in test/integration.
 */
import { createCipheriv } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate, randomBytes, signDigest } from '../../src/crypto/index.js';
import { PacketType } from '../../src/discv4/constants.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import { decodePacket, encodePacket } from '../../src/discv4/packet.js';
import { P2P_VERSION, encodeHello } from '../../src/devp2p/hello.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { ipToBytes } from '../../src/net/ip.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { ManualClock, type Clock } from '../../src/net/clock.js';
import { MemorySockets } from '../../src/net/memory-sockets.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import type { ByteStream, UdpAddress, UdpTransport } from '../../src/net/transport.js';
import { FrameWriter } from '../../src/rlpx/frame.js';
import { HandshakeMessageReader } from '../../src/rlpx/handshake-reader.js';
import { respondToHandshake, type SessionSecrets } from '../../src/rlpx/handshake.js';
import { MAX_FRAME_SIZE } from '../../src/rlpx/constants.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import { concatBytes } from '../../src/util/bytes.js';
import { rlpEncode, type RlpInput } from '../../src/util/rlp.js';
import type { DialEvent } from '../../src/events.js';
import { pgliteEngine, warmUp, type TestDb } from '../store/helpers.js';
import { RecordingNetrestrict, hexId, isLoopback } from '../integration/observe.js';
import { SIM_PEER_PORT, SIM_START_MS, Simulation } from './harness.js';

const HONEST = 20;
const INSTANCES = 2;
const PROBE_TIMEOUT_MS = 2_000;
const HOST = '127.0.0.1';
// Outside --netrestrict: private, documentation (TEST-NET-1/2, RFC 5737) and CGNAT; never contacted (in-memory sockets).
const OUTSIDE = ['10.1.2.3', '198.51.100.8', '192.0.2.7', '100.64.0.1'];
/**
 * Hostile TCP peers listen from here; nothing listens on these UDP ports (the memory network's
 * ephemeral ports count from 40000, so a port picked at random could be the flooder's UDP socket).
 */
const HOSTILE_TCP_PORT = 50000;

interface Identity {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  id: Uint8Array;
}
function identity(): Identity {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyFromPrivate(privateKey);
  return { privateKey, publicKey, id: nodeIdFromPublicKey(publicKey) };
}
const seconds = (clock: Clock) => Math.floor(clock.now() / 1000);

/** A signed discv4 datagram of any size (encodePacket refuses > 1280 bytes; hostile peers do not). */
function rawPacket(type: number, data: RlpInput[], privateKey: Uint8Array, opts: { recovery?: number; zeroSignature?: boolean } = {}): Uint8Array {
  const typeAndData = concatBytes(Uint8Array.of(type), rlpEncode(data));
  const { signature, recovery } = signDigest(keccak256(typeAndData), privateKey);
  const sig = opts.zeroSignature ? new Uint8Array(64) : signature;
  const body = concatBytes(sig, Uint8Array.of(opts.recovery ?? recovery), typeAndData);
  return concatBytes(keccak256(body), body);
}

function neighborsEntry(n: { ip: string; udpPort: number; tcpPort: number; publicKey: Uint8Array }): RlpInput {
  return [ipToBytes(n.ip)!, n.udpPort, n.tcpPort, n.publicKey];
}

/**
 * Every datagram's and TCP dial's destination on the in-memory network, seen below the transports'
 * --netrestrict checks (the memory network's own hooks), as a Node socket spy would.
 */
function spyNetwork(sockets: MemorySockets): { outsideLoopback(): string[] } {
  const seen = new Set<string>();
  sockets.udpNetwork.filter = (d) => {
    seen.add(d.to.address);
    return true;
  };
  const dialer = sockets.tcpDialer;
  sockets.tcpDialer = (o) => {
    const d = dialer(o);
    return {
      connect: (host, port, opts) => {
        seen.add(host);
        return d.connect(host, port, opts);
      },
    };
  };
  return { outsideLoopback: () => [...seen].filter((a) => !isLoopback(a)) };
}

/**
 * A TCP peer at 127.0.0.1 with its own identity, misbehaving per `mode` once we dial it. The RLPx
 * recipient side is run by hand (handshake.ts primitives) so the peer can write exactly the bytes
 * it wants: for `bigframe` only a frame header announcing 16 MiB − 1, encrypted and MACed per
 * rlpx.md "Framing" right here (no 16 MiB body is ever built).
 */
function hostileTcpPeer(sockets: MemorySockets, mode: 'slowloris' | 'bigframe' | 'midframe', port: number) {
  const id = identity();
  const listener = sockets.tcpNetwork.listen(HOST, port);
  let accepted = 0;
  listener.onConnection((stream) => {
    accepted++;
    if (mode === 'slowloris') return; // read nothing, write nothing: the dialer's handshake must time out
    const reader = HandshakeMessageReader.forAuth(id.privateKey);
    let answered = false;
    stream.onData((chunk) => {
      if (answered) return;
      let got;
      try {
        got = reader.push(chunk);
      } catch {
        stream.destroy();
        return;
      }
      if (!got) return;
      answered = true;
      const { ack, result } = respondToHandshake({ staticPrivateKey: id.privateKey, authWire: got.wire });
      stream.write(ack);
      if (mode === 'bigframe') {
        stream.write(frameHeader(result.secrets, MAX_FRAME_SIZE));
      } else {
        const hello = encodeHello({ protocolVersion: P2P_VERSION, clientId: 'Hostile/v1', capabilities: [{ name: 'eth', version: 68 }], listenPort: 0, nodeKey: id.publicKey });
        const frame = new FrameWriter(result.secrets).encode(0x00, hello);
        stream.write(frame.subarray(0, frame.length >> 1));
        stream.end();
      }
    });
  });
  return { ...id, mode, port: listener.port, accepted: () => accepted, close: () => listener.close() };
}

/** header-ciphertext || header-mac of a first frame of `size` bytes (rlpx.md "Framing"). */
function frameHeader(secrets: SessionSecrets, size: number): Uint8Array {
  const header = new Uint8Array(16);
  header.set([size >>> 16, (size >>> 8) & 0xff, size & 0xff, 0xc2, 0x80, 0x80]);
  const headerCt = new Uint8Array(createCipheriv('aes-256-ctr', secrets.aesSecret, new Uint8Array(16)).update(header));
  const ecb = createCipheriv('aes-256-ecb', secrets.macSecret, null).setAutoPadding(false);
  const seed = new Uint8Array(ecb.update(secrets.egressMac.clone().digest().subarray(0, 16)));
  for (let i = 0; i < 16; i++) seed[i]! ^= headerCt[i]!;
  secrets.egressMac.update(seed);
  return concatBytes(headerCt, secrets.egressMac.clone().digest().subarray(0, 16));
}

/**
 * A discv4 node that behaves for PING/PONG (so crawlers bond with it) and answers every FINDNODE
 * with a flood: two oversized NEIGHBORS (24 entries, > 1280 bytes), one beyond any datagram limit,
 * then `repeats` unsolicited copies.
 */
function neighborsFlooder(sockets: MemorySockets, clock: Clock, advertise: () => RlpInput[], repeats: number) {
  const id = identity();
  const udp = sockets.udpNetwork.bind(HOST, 0, { netrestrict: LOOPBACK_ONLY });
  let findnodes = 0;
  let floods = 0;
  const tapped: UdpTransport = {
    localAddress: udp.localAddress,
    send: (data, to) => udp.send(data, to),
    close: () => udp.close(),
    onMessage: (handler) =>
      udp.onMessage((data, from) => {
        try {
          if (decodePacket(data).type === PacketType.FindNode) {
            findnodes++;
            flood(from);
          }
        } catch {
          // not ours to judge
        }
        handler(data, from);
      }),
  };
  const endpoint = new Discv4Endpoint({ privateKey: id.privateKey, transport: tapped, clock, closest: () => [], responseTimeoutMs: 2_000 });
  function flood(to: UdpAddress): void {
    const exp = seconds(clock) + 20;
    const entries = advertise();
    const big = rawPacket(PacketType.Neighbors, [entries.slice(0, 24), exp], id.privateKey);
    const big2 = rawPacket(PacketType.Neighbors, [entries.slice(24, 48), exp], id.privateKey);
    const huge = rawPacket(PacketType.Neighbors, [[...entries, ...entries].slice(0, 40), exp], id.privateKey);
    for (const d of [big, big2, huge]) udp.send(d, to);
    for (let i = 0; i < repeats; i++) udp.send(big, to);
    floods++;
  }
  const node: NodeRecord = { id: id.id, publicKey: id.publicKey, ip: HOST, udpPort: udp.localAddress.port, tcpPort: 0 };
  return { node, endpoint, findnodes: () => findnodes, floods: () => floods, close: () => endpoint.close() };
}

/** Garbage and adversarial datagrams at `to` from a fresh socket, in rounds (`pace` between them). */
async function udpBarrage(sockets: MemorySockets, clock: Clock, to: UdpAddress, pace: () => Promise<void>): Promise<void> {
  const sock = sockets.udpNetwork.bind(HOST, 0);
  const send = (d: Uint8Array) => sock.send(d, to);
  const evil = identity();
  const exp = () => seconds(clock) + 20;
  const ping = (expiration: number) =>
    encodePacket(PacketType.Ping, { version: 4, from: { ip: HOST, udpPort: 1, tcpPort: 1 }, to: { ip: to.address, udpPort: to.port, tcpPort: 0 }, expiration, enrSeq: 1n }, evil.privateKey).bytes;
  const unsolicitedNeighbors = rawPacket(PacketType.Neighbors, [[neighborsEntry({ ip: HOST, udpPort: 9, tcpPort: 9, publicKey: identity().publicKey })], exp()], evil.privateKey);
  const replayedPong = encodePacket(PacketType.Pong, { to: { ip: to.address, udpPort: to.port, tcpPort: 0 }, pingHash: randomBytes(32), expiration: exp(), enrSeq: 1n }, evil.privateKey).bytes;
  const unbondedFindnode = encodePacket(PacketType.FindNode, { target: randomBytes(64), expiration: exp() }, identity().privateKey).bytes;
  const signed = ping(exp());
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 400; i++) {
      // Mostly near-full datagrams: retaining them would show in the heap (≈ 5 MB per instance).
      send(randomBytes(i % 10 === 0 ? Math.floor(Math.random() * 98) : 1000 + Math.floor(Math.random() * 500)));
    }
    send(randomBytes(3000 + round));
    send(randomBytes(10));
    for (let i = 0; i < 10; i++) {
      // Authentic hash, but no key can be recovered from the signature.
      send(rawPacket(PacketType.Ping, [4, [ipToBytes(HOST)!, 1, 1], [ipToBytes(HOST)!, to.port, 0], exp()], evil.privateKey, { recovery: 7 }));
      send(rawPacket(PacketType.Ping, [4, [ipToBytes(HOST)!, 1, 1], [ipToBytes(HOST)!, to.port, 0], exp()], evil.privateKey, { zeroSignature: true }));
      // One flipped byte after the hash: the hash no longer matches.
      const flipped = Uint8Array.from(signed);
      flipped[40]! ^= 0xff;
      send(flipped);
      send(ping(seconds(clock) - 60)); // expired
      send(unsolicitedNeighbors); // replayed, never asked for
      send(replayedPong); // answers no PING of ours
      send(unbondedFindnode); // no endpoint proof: must not be answered
    }
    await pace();
  }
  await sock.close();
}

/**
 * TCP clients that connect to the crawler and say nothing (odd ones: garbage), one after the other;
 * `each` runs after every connect.
 */
async function inboundSlowloris(sockets: MemorySockets, port: number, n: number, each: () => Promise<void>): Promise<ByteStream[]> {
  const dialer = sockets.tcpNetwork.dialer(HOST);
  const out: ByteStream[] = [];
  for (let i = 0; i < n; i++) {
    const s = await dialer.connect(HOST, port);
    if (i % 2 === 1) s.write(randomBytes(400));
    out.push(s);
    await each();
  }
  return out;
}

describe('hostile peers while crawling a testnet (simulation)', () => {
  let test: TestDb;
  let testnet: Testnet;
  let sim: Simulation;
  let spy: ReturnType<typeof spyNetwork>;
  let netrestrict: RecordingNetrestrict;
  let tcpPeers: ReturnType<typeof hostileTcpPeer>[];
  let flooder: ReturnType<typeof neighborsFlooder>;
  let slow: ByteStream[] = [];
  const fakes: Identity[] = [];
  let heap: { before: number; after: number } | undefined;
  let crawledWhileFlooded = false;
  let settled = false;

  const dialsTo = (id: Uint8Array): DialEvent[] => sim.dialsByNode.get(hexId(id)) ?? [];
  const inboundErrors = () => sim.events.filter((e): e is DialEvent => e.type === 'dial' && e.kind === 'inbound' && e.nodeId === null);

  beforeAll(async () => {
    await warmUp();
    test = await pgliteEngine.fresh();
    const gc = exposeGc();
    const clock = new ManualClock(SIM_START_MS);
    const sockets = new MemorySockets();
    spy = spyNetwork(sockets);
    testnet = await startTestnet({ nodes: HONEST, seed: 5, clock, sockets, host: HOST, port: SIM_PEER_PORT, timings: { randomLookups: 0 } });
    tcpPeers = (['slowloris', 'bigframe', 'midframe'] as const).map((m, i) => hostileTcpPeer(sockets, m, HOSTILE_TCP_PORT + i));
    // Every flood: the three hostile TCP peers, fresh valid fakes (refused), addresses outside
    // --netrestrict, invalid keys, and repeats to reach 24+ entries per datagram.
    flooder = neighborsFlooder(sockets, clock, () => {
      const fresh = Array.from({ length: 3 }, () => identity());
      fakes.push(...fresh);
      const entries: RlpInput[] = [
        ...tcpPeers.map((p) => neighborsEntry({ ip: HOST, udpPort: p.port, tcpPort: p.port, publicKey: p.publicKey })),
        ...fresh.map((f) => neighborsEntry({ ip: HOST, udpPort: 9, tcpPort: 9, publicKey: f.publicKey })),
        ...OUTSIDE.map((ip) => neighborsEntry({ ip, udpPort: 30303, tcpPort: 30303, publicKey: identity().publicKey })),
        neighborsEntry({ ip: HOST, udpPort: 30303, tcpPort: 30303, publicKey: randomBytes(64) }), // not on the curve
        neighborsEntry({ ip: '0.0.0.0', udpPort: 30303, tcpPort: 30303, publicKey: identity().publicKey }),
      ];
      while (entries.length < 48) entries.push(entries[entries.length % 6]!);
      return entries;
    }, 30);
    netrestrict = new RecordingNetrestrict(['127.0.0.0/8']);
    sim = await Simulation.start({
      seed: 5,
      peers: HONEST,
      instances: INSTANCES,
      db: test.db,
      clock,
      sockets,
      network: testnet,
      crawl: {
        bootnodes: [parseEnode(testnet.enodes[0]!), flooder.node],
        netrestrict,
        // The v4 garbage counters are the subject: with discv5 on the shared port, a datagram whose
        // v4 hash fails goes to v5 (as in geth's shared UDP conn) and is counted there, not as
        // bad_hash. v5's hostile input is covered by test/discv5 (fuzz, demux).
        discv5: false,
        probeTimeouts: { connectMs: PROBE_TIMEOUT_MS, handshakeMs: PROBE_TIMEOUT_MS, helloMs: PROBE_TIMEOUT_MS, statusMs: PROBE_TIMEOUT_MS, headerMs: PROBE_TIMEOUT_MS, pingMs: PROBE_TIMEOUT_MS },
      },
    });
    const honestDone = () => testnet.manifest.peers.every((p) => (sim.dialsByNode.get(p.nodeId) ?? []).some((d) => d.outcome === p.expected.outcome));
    const hostileDone = () => tcpPeers.every((p) => dialsTo(p.id).length > 0);

    // Bond the flooder with the crawler, let the crawl start, then flood.
    for (const inst of sim.crawler.instances) {
      await sim.whileAdvancing(flooder.endpoint.ping({ id: inst.nodeId, publicKey: inst.publicKey, ip: HOST, udpPort: inst.udpPort, tcpPort: inst.udpPort }).catch(() => undefined));
    }
    const before = gc();
    for (const i of sim.crawler.instances) await udpBarrage(sockets, clock, { address: HOST, port: i.udpPort }, () => sim.settle());
    slow = await inboundSlowloris(sockets, sim.crawler.instances[0]!.udpPort, 20, () => sim.settle());
    crawledWhileFlooded = await sim.advanceUntil(() => honestDone() && hostileDone() && flooder.floods() > 0 && inboundErrors().length >= slow.length, 60_000);
    // Once the flood is over and every deadline passed, nothing may still be held.
    settled = await sim.advanceUntil(
      () => sim.crawler.inFlight() === 0 && sim.crawler.budget.inUse === 0 && sim.crawler.instances.every((i) => i.inboundInFlight === 0 && i.pendingDiscovery <= 10),
      30_000,
    );
    heap = { before, after: gc() };
    await sim.stop();
  }, 300_000);

  afterAll(async () => {
    for (const s of slow) s.destroy();
    await sim?.stop();
    await flooder?.close();
    for (const p of tcpPeers ?? []) await p.close();
    if (testnet) await (sim ? sim.whileAdvancing(testnet.close()) : testnet.close());
    await test?.dispose();
  });

  it('keeps crawling: every honest peer recorded as the manifest says', () => {
    expect(crawledWhileFlooded).toBe(true);
    for (const p of testnet.manifest.peers) {
      expect((sim.dialsByNode.get(p.nodeId) ?? []).map((d) => [d.outcome, d.errorKind]), `peer ${p.index}`).toContainEqual([p.expected.outcome, p.expected.errorKind]);
    }
  });

  it('hostile TCP peers end with typed errors: timeout, too_large, closed', async () => {
    const kinds = Object.fromEntries(tcpPeers.map((p) => [p.mode, dialsTo(p.id).map((d) => d.errorKind)]));
    expect(kinds).toEqual({ slowloris: ['timeout'], bigframe: ['too_large'], midframe: ['closed'] });
    expect(Object.fromEntries(tcpPeers.map((p) => [p.mode, p.accepted()]))).toEqual({ slowloris: 1, bigframe: 1, midframe: 1 });
    // The same in the database.
    const rows = await sim.db.query<{ node: string; kind: string }>(`SELECT encode(node_id, 'hex') AS node, error_kind::text AS kind FROM dials WHERE kind = 'dynamic'`);
    for (const p of tcpPeers) expect(rows.filter((r) => r.node === hexId(p.id)).map((r) => r.kind)).toEqual([kinds[p.mode]![0]]);
    // The slowloris dial took the handshake deadline, not longer (the RLPx timer fired).
    const d = dialsTo(tcpPeers[0]!.id)[0]!;
    expect(d.endedAt - d.startedAt).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS);
    expect(d.endedAt - d.startedAt).toBeLessThan(PROBE_TIMEOUT_MS * 3);
  });

  it('inbound connections that never handshake are timed out and recorded', () => {
    const errs = inboundErrors();
    expect(errs.length).toBeGreaterThanOrEqual(slow.length);
    const kinds = new Set(errs.map((e) => e.errorKind));
    expect(kinds.has('timeout')).toBe(true);
    // Random bytes read as an EIP-8 size prefix can also announce a handshake that is too large.
    for (const k of kinds) expect(['timeout', 'handshake_failed', 'too_large']).toContain(k);
  });

  it('counts the garbage by kind and never answers what it must not', () => {
    let expired = 0;
    let unsolicited = 0;
    let unbonded = 0;
    let invalid = 0;
    const decode: Record<string, number> = {};
    for (const i of sim.crawler.instances) {
      const c = i.discoveryCounters()!;
      expired += c.expiredPackets;
      unsolicited += c.unsolicitedReplies;
      unbonded += c.unbondedRequests;
      invalid += c.invalidNeighbors;
      for (const [k, v] of Object.entries(c.decodeErrors)) decode[k] = (decode[k] ?? 0) + v;
    }
    expect(decode.bad_hash).toBeGreaterThan(500);
    expect(decode.too_small).toBeGreaterThan(0);
    expect(decode.too_large).toBeGreaterThan(0); // 3000-byte datagrams and the flooder's 40-entry NEIGHBORS
    expect(decode.bad_signature).toBeGreaterThan(0);
    expect(decode.internal ?? 0).toBe(0);
    expect(expired).toBeGreaterThan(0);
    expect(unsolicited).toBeGreaterThan(100);
    expect(unbonded).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
    expect(flooder.findnodes()).toBeGreaterThan(0);
  });

  it('a NEIGHBORS flood teaches at most what was asked: nothing outside --netrestrict, no unsolicited entries', () => {
    expect(spy.outsideLoopback()).toEqual([]);
    expect(netrestrict.refused.size).toBe(0);
    expect([...netrestrict.allowed.keys()].every(isLoopback)).toBe(true);
    const ignored = sim.crawler.instances.reduce((a, i) => a + i.ignoredOutsideNetrestrict, 0);
    expect(ignored).toBeGreaterThan(0);
    // Nodes outside the allow-list were neither dialed nor recorded as sightings.
    const seen = new Set(sim.events.filter((e) => e.type === 'node_seen').map((e) => (e as { ip: string }).ip));
    for (const ip of OUTSIDE) expect(seen.has(ip)).toBe(false);
    // Each fake advertised in a solicited datagram is dialed at most once (refused); the
    // unsolicited repeats taught nothing: no node from the barrage's NEIGHBORS was ever seen.
    for (const f of fakes) expect(dialsTo(f.id).length).toBeLessThanOrEqual(1);
    expect(fakes.filter((f) => dialsTo(f.id).length === 1).every((f) => dialsTo(f.id)[0]!.errorKind === 'connection_refused')).toBe(true);
    // Dial state is held once per node in the process. Bound: honest peers, the instances
    // themselves, hostile TCP peers, the flooder, and 3 fakes per flood answer.
    const known = sim.crawler.instances.reduce((a, i) => a + i.dialScheduler.stats().known, 0);
    expect(known).toBeLessThanOrEqual(HONEST + INSTANCES + tcpPeers.length + 1 + 3 * flooder.floods());
  });

  it('memory stays bounded: no request, dial or socket left over; heap growth after the flood is small', () => {
    expect(settled).toBe(true);
    const shared = sim.crawler.shared.sizes();
    expect(shared.runningDials).toBe(0);
    expect(shared.sightings).toBeLessThanOrEqual(HONEST + INSTANCES + tcpPeers.length + 1 + 3 * flooder.floods());
    // The barrage alone was ≈ 10 MB of datagrams; the crawl's own growth meanwhile is ≈ 2 MB.
    expect(heap!.after - heap!.before).toBeLessThan(10 * 1024 * 1024);
  });
});

describe('an inbound connection flood (simulation)', () => {
  let test: TestDb | undefined;
  afterAll(async () => {
    await test?.dispose();
  });

  it('is held to the socket budget: the excess is shed at once, every slot comes back after the handshake deadline', async () => {
    test = await pgliteEngine.fresh();
    // One peer nobody is told about (no bootnodes, no geth dialers): only the flood reaches the crawler.
    const sim = await Simulation.start({
      seed: 6,
      peers: 1,
      bootnodes: 0,
      instances: 1,
      db: test.db,
      testnet: { gethDials: false },
      crawl: { maxSockets: 4, feedLookups: false, discv5: false, probeTimeouts: { handshakeMs: 1_000 } },
    });
    const inst = sim.crawler.instances[0]!;
    let peak = 0;
    const sample = () => (peak = Math.max(peak, sim.crawler.budget.inUse, inst.inboundInFlight));
    const clients = await inboundSlowloris(sim.sockets, inst.udpPort, 40, async () => {
      await sim.settle();
      sample();
    });
    try {
      const all = await sim.advanceUntil(() => {
        sample();
        return inst.inboundRefused + inboundEvents(sim) >= clients.length;
      }, 20_000);
      expect(all).toBe(true);
      expect(peak).toBe(4);
      // Each connection was either probed (and recorded) or shed; silent ones hold a slot for the
      // whole handshake deadline, so some were shed.
      expect(inst.inboundRefused).toBeGreaterThan(0);
      expect(inst.inboundRefused + inboundEvents(sim)).toBe(clients.length);
      expect(await sim.advanceUntil(() => sim.crawler.budget.inUse === 0 && inst.inboundInFlight === 0, 5_000)).toBe(true);
    } finally {
      for (const c of clients) c.destroy();
      await sim.stop();
    }
  }, 60_000);
});

function inboundEvents(sim: Simulation): number {
  return sim.events.filter((e) => e.type === 'dial' && e.kind === 'inbound').length;
}

/** A working gc(): the real one under --expose-gc, else enabled at run time through V8 flags. */
function exposeGc(): () => number {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  return () => {
    gc!();
    gc!();
    return process.memoryUsage().heapUsed;
  };
}
