import { describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { createEnr } from '../../src/enode/enr.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { isNodeFinderError } from '../../src/errors.js';
import { BOND_EXPIRATION_MS, PacketType, RESPONSE_TIMEOUT_MS, type PacketTypeId } from '../../src/discv4/constants.js';
import { Discv4Endpoint, type Discv4EndpointOptions, type NodeSeenSource } from '../../src/discv4/endpoint.js';
import { decodePacket, encodePacket, type DecodedPacket, type PacketDataMap } from '../../src/discv4/packet.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { Netrestrict } from '../../src/net/netrestrict.js';
import type { UdpAddress } from '../../src/net/transport.js';
import { hexToBytes } from '../../src/util/bytes.js';
import { Rng } from '../enode/random.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const LATENCY = 10;

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (!isNodeFinderError(err)) throw err;
    return err.kind;
  }
  return 'none';
}

function world(latencyMs = LATENCY) {
  const clock = new ManualClock();
  const net = new MemoryUdpNetwork({ clock, latencyMs });
  net.record = true;
  let n = 0;
  const endpoint = (options: Partial<Discv4EndpointOptions> = {}) => {
    const ip = `10.0.0.${++n}`;
    const privateKey = generatePrivateKey();
    const transport = net.bind(ip, 30303);
    const seen: { node: NodeRecord; source: NodeSeenSource; type: PacketTypeId }[] = [];
    const e = new Discv4Endpoint({
      privateKey,
      transport,
      clock,
      tcpPort: 30304,
      onNodeSeen: (node, source, type) => seen.push({ node, source, type }),
      ...options,
    });
    const record: NodeRecord = { id: e.nodeId, publicKey: e.publicKey, ip, udpPort: 30303, tcpPort: 30304 };
    return { e, record, seen, privateKey };
  };
  /** A scripted peer: sends hand-made packets and records what it receives (decoded). */
  const raw = (ip = `10.0.0.${++n}`) => {
    const privateKey = generatePrivateKey();
    const publicKey = publicKeyFromPrivate(privateKey);
    const transport = net.bind(ip, 30303);
    const inbox: { p: DecodedPacket; from: UdpAddress }[] = [];
    transport.onMessage((data, from) => inbox.push({ p: decodePacket(data), from }));
    const exp = () => Math.floor(clock.now() / 1000) + 20;
    const send = <T extends PacketTypeId>(to: NodeRecord, type: T, data: PacketDataMap[T]) => {
      const packet = encodePacket(type, data, privateKey);
      transport.send(packet.bytes, { address: to.ip, port: to.udpPort });
      return packet;
    };
    const record: NodeRecord = { id: keccak256(publicKey), publicKey, ip, udpPort: 30303, tcpPort: 30303 };
    const endpointOf = (r: NodeRecord) => ({ ip: r.ip, udpPort: r.udpPort, tcpPort: r.tcpPort });
    return {
      privateKey,
      record,
      inbox,
      transport,
      send,
      exp,
      ping: (to: NodeRecord, expiration = exp()) =>
        send(to, PacketType.Ping, { version: 4, from: endpointOf(record), to: endpointOf(to), expiration }),
      pongTo: (to: NodeRecord, ping: DecodedPacket) =>
        send(to, PacketType.Pong, { to: endpointOf(to), pingHash: ping.hash, expiration: exp() }),
      of: <T extends PacketTypeId>(type: T) =>
        inbox.filter((m) => m.p.type === type).map((m) => m.p as Extract<DecodedPacket, { type: T }>),
    };
  };
  const settle = (ms = 4 * LATENCY) => clock.advanceAsync(ms, 1);
  return { clock, net, endpoint, raw, settle };
}

const makeNodes = (count: number, rng: Rng): NodeRecord[] =>
  Array.from({ length: count }, (_, i) => {
    const publicKey = publicKeyFromPrivate(generatePrivateKey());
    return { id: keccak256(publicKey), publicKey, ip: `172.16.${i}.${1 + rng.int(250)}`, udpPort: 30303, tcpPort: 30303 };
  });

describe('discv4 endpoint: ping / pong', () => {
  it('measures RTT on the simulated clock, matches on the ping hash, and both sides end up bonded', async () => {
    const w = world();
    const a = w.endpoint();
    const b = w.endpoint({ enrSeq: 7n });
    const start = w.clock.now();
    const result = a.e.ping(b.record);
    await w.settle();
    const r = await result;
    expect(r.rttMs).toBe(2 * LATENCY);
    expect(r.pongAt).toBe(start + 2 * LATENCY);
    expect(r.enrSeq).toBe(7n);
    // b had no proof of a, so it pinged back (discv4.md) and a answered.
    expect(a.e.counters()).toMatchObject({ pingsSent: 1, pongsReceived: 1, pingsReceived: 1 });
    expect(b.e.counters()).toMatchObject({ pingsSent: 1, pongsReceived: 1, pingsReceived: 1 });
    expect(a.e.isBonded(b.record)).toBe(true);
    expect(b.e.isBonded(a.record)).toBe(true);
    // b saw a with a's advertised TCP port from the PING.
    expect(b.seen[0]).toMatchObject({ source: 'ping', type: PacketType.Ping, node: { ip: a.record.ip, udpPort: 30303, tcpPort: 30304 } });
    expect(a.e.pendingCount + b.e.pendingCount).toBe(0);
    expect(w.clock.pending).toBe(0);
  });

  it('a PONG with the wrong ping hash does not resolve the ping (unsolicited) and the ping times out', async () => {
    const w = world();
    const a = w.endpoint();
    const peer = w.raw();
    const result = a.e.ping(peer.record);
    await w.settle(LATENCY + 1);
    const ping = peer.of(PacketType.Ping)[0]!;
    expect(ping.data.to).toMatchObject({ ip: peer.record.ip, udpPort: 30303, tcpPort: 0 });
    peer.send(a.record, PacketType.Pong, { to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, pingHash: keccak256(ping.hash), expiration: peer.exp() });
    await w.settle(RESPONSE_TIMEOUT_MS);
    expect(await kindOf(result)).toBe('timeout');
    expect(a.e.counters().unsolicitedReplies).toBe(1);
    expect(a.e.counters().pongsReceived).toBe(0);
  });

  it('a PONG from the right key but another IP does not match', async () => {
    const w = world();
    const a = w.endpoint();
    const peer = w.raw();
    const result = a.e.ping(peer.record);
    await w.settle(LATENCY + 1);
    const ping = peer.of(PacketType.Ping)[0]!;
    const pong = encodePacket(PacketType.Pong, { to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, pingHash: ping.hash, expiration: peer.exp() }, peer.privateKey);
    w.net.inject({ address: '10.9.9.9', port: 30303 }, { address: a.record.ip, port: 30303 }, pong.bytes);
    await w.settle(RESPONSE_TIMEOUT_MS);
    expect(await kindOf(result)).toBe('timeout');
    expect(a.e.counters().unsolicitedReplies).toBe(1);
  });
});

describe('discv4 endpoint: endpoint proof (anti-amplification)', () => {
  it('ignores FINDNODE and ENRREQUEST from an unbonded sender, answers once it answered our PING', async () => {
    const w = world();
    const rng = new Rng(1);
    const nodes = makeNodes(16, rng);
    const b = w.endpoint({ closest: () => nodes });
    const peer = w.raw();
    const target = publicKeyFromPrivate(generatePrivateKey());

    peer.send(b.record, PacketType.FindNode, { target, expiration: peer.exp() });
    peer.send(b.record, PacketType.EnrRequest, { expiration: peer.exp() });
    await w.settle();
    expect(peer.inbox).toHaveLength(0);
    expect(b.e.counters()).toMatchObject({ findnodeReceived: 1, enrRequestsReceived: 1, unbondedRequests: 2 });

    // The peer pings; b answers PONG and pings back; the peer's PONG completes b's proof of it.
    peer.ping(b.record);
    await w.settle();
    expect(peer.of(PacketType.Pong)).toHaveLength(1);
    const bPing = peer.of(PacketType.Ping)[0]!;
    expect(b.e.isBonded(peer.record)).toBe(false);
    peer.pongTo(b.record, bPing);
    await w.settle();
    expect(b.e.isBonded(peer.record)).toBe(true);

    peer.send(b.record, PacketType.FindNode, { target, expiration: peer.exp() });
    peer.send(b.record, PacketType.EnrRequest, { expiration: peer.exp() });
    await w.settle();
    const neighbors = peer.of(PacketType.Neighbors);
    expect(neighbors.map((p) => p.data.nodes.length)).toEqual([12, 4]);
    expect(neighbors.flatMap((p) => p.data.nodes)).toEqual(nodes);
    const enr = peer.of(PacketType.EnrResponse)[0]!;
    expect(enr.data.record.raw).toEqual(b.e.ownEnr.raw);
    expect(b.e.counters().unbondedRequests).toBe(2);
  });

  it('the proof is per IP and expires after 12 hours', async () => {
    const w = world();
    const b = w.endpoint({ closest: () => [] });
    const peer = w.raw();
    peer.ping(b.record);
    await w.settle();
    peer.pongTo(b.record, peer.of(PacketType.Ping)[0]!);
    await w.settle();
    expect(b.e.isBonded(peer.record)).toBe(true);

    // Same key, same signed FINDNODE, from another IP: not bonded there.
    const fn = encodePacket(PacketType.FindNode, { target: new Uint8Array(64).fill(1), expiration: peer.exp() }, peer.privateKey);
    w.net.inject({ address: '10.7.7.7', port: 30303 }, { address: b.record.ip, port: 30303 }, fn.bytes);
    await w.settle();
    expect(b.e.counters().unbondedRequests).toBe(1);

    w.clock.advance(BOND_EXPIRATION_MS);
    expect(b.e.isBonded(peer.record)).toBe(false);
    peer.send(b.record, PacketType.FindNode, { target: new Uint8Array(64).fill(1), expiration: peer.exp() });
    await w.settle();
    expect(peer.of(PacketType.Neighbors)).toHaveLength(0);
    expect(b.e.counters().unbondedRequests).toBe(2);
  });

  it('findNode bonds first: PING, wait for their PING, then FINDNODE; no re-ping within 12 h', async () => {
    const w = world();
    const rng = new Rng(2);
    const nodes = makeNodes(16, rng);
    const a = w.endpoint();
    const b = w.endpoint({ closest: () => nodes });
    const target = publicKeyFromPrivate(generatePrivateKey());
    const result = a.e.findNode(b.record, target);
    await w.settle(10 * LATENCY);
    const got = await result;
    expect(got).toEqual(nodes);
    const fromA = w.net.sent.filter((d) => d.from.address === a.record.ip).map((d) => decodePacket(d.data).type);
    // a: PING, PONG (answering b's ping-back), FINDNODE — in that order.
    expect(fromA).toEqual([PacketType.Ping, PacketType.Pong, PacketType.FindNode]);

    w.net.sent.length = 0;
    const again = a.e.findNode(b.record, target);
    await w.settle();
    expect(await again).toHaveLength(16);
    expect(w.net.sent.filter((d) => d.from.address === a.record.ip).map((d) => decodePacket(d.data).type)).toEqual([PacketType.FindNode]);
    expect(a.e.counters()).toMatchObject({ findnodeSent: 2, neighborsReceived: 4, nodesLearned: 32, pingsSent: 1 });
  });

  it('findNode proceeds after bondWaitMs if the remote never pings back (it may already know us)', async () => {
    const w = world();
    const a = w.endpoint({ bondWaitMs: 300 });
    const peer = w.raw();
    const result = a.e.findNode(peer.record, new Uint8Array(64).fill(3));
    await w.settle(LATENCY + 1);
    peer.pongTo(a.record, peer.of(PacketType.Ping)[0]!); // a has its proof of the peer at t≈21 ms
    await w.settle(250);
    expect(peer.of(PacketType.FindNode)).toHaveLength(0); // still giving the peer time to ping
    await w.settle(100);
    expect(peer.of(PacketType.FindNode)).toHaveLength(1);
    const nodes = makeNodes(3, new Rng(3));
    peer.send(a.record, PacketType.Neighbors, { nodes, expiration: peer.exp() });
    await w.settle(RESPONSE_TIMEOUT_MS + 2 * LATENCY);
    expect(await result).toEqual(nodes);
  });
});

describe('discv4 endpoint: findNode replies', () => {
  it('collects NEIGHBORS split over datagrams; resolves at k entries', async () => {
    const w = world();
    const a = w.endpoint();
    const peer = w.raw();
    const nodes = makeNodes(16, new Rng(4));
    const result = a.e.findNode(peer.record, new Uint8Array(64).fill(5), { timeoutMs: 200 });
    await w.settle(LATENCY + 1);
    peer.pongTo(a.record, peer.of(PacketType.Ping)[0]!);
    peer.ping(a.record);
    await w.settle(3 * LATENCY);
    expect(peer.of(PacketType.FindNode)).toHaveLength(1);
    let settled = false;
    void result.then(() => (settled = true), () => (settled = true));
    for (const chunk of [nodes.slice(0, 6), nodes.slice(6, 12)]) {
      peer.send(a.record, PacketType.Neighbors, { nodes: chunk, expiration: peer.exp() });
      await w.settle(150); // less than the 200 ms per-datagram timeout: the request stays open
      expect(settled).toBe(false);
    }
    peer.send(a.record, PacketType.Neighbors, { nodes: nodes.slice(12), expiration: peer.exp() });
    await w.settle(2 * LATENCY);
    expect(await result).toEqual(nodes);
    expect(a.seen.filter((s) => s.source === 'neighbors').map((s) => s.node)).toEqual(nodes);
    expect(a.e.counters()).toMatchObject({ neighborsReceived: 3, nodesLearned: 16, invalidNeighbors: 0 });
  });

  it('resolves with a partial answer after the timeout following the last datagram, drops invalid entries', async () => {
    const w = world();
    const a = w.endpoint();
    const peer = w.raw();
    const good = makeNodes(3, new Rng(5));
    const offCurve = { ...good[0]!, publicKey: new Uint8Array(64).fill(7), id: keccak256(new Uint8Array(64).fill(7)) };
    const portZero = { ...good[1]!, udpPort: 0 };
    const unspecified = { ...good[2]!, ip: '0.0.0.0' };
    const self = { ...a.record };
    const result = a.e.findNode(peer.record, new Uint8Array(64).fill(5));
    await w.settle(LATENCY + 1);
    peer.pongTo(a.record, peer.of(PacketType.Ping)[0]!);
    peer.ping(a.record);
    await w.settle(3 * LATENCY);
    peer.send(a.record, PacketType.Neighbors, { nodes: [...good, offCurve, portZero, unspecified, self], expiration: peer.exp() });
    await w.settle(RESPONSE_TIMEOUT_MS + 2 * LATENCY);
    expect(await result).toEqual(good);
    expect(a.e.counters()).toMatchObject({ nodesLearned: 7, invalidNeighbors: 4 });
  });

  it('an empty NEIGHBORS ends the request at once; NEIGHBORS after the end are unsolicited', async () => {
    const w = world();
    const a = w.endpoint();
    const b = w.endpoint({ closest: () => [] });
    const result = a.e.findNode(b.record, new Uint8Array(64).fill(5));
    await w.settle(8 * LATENCY);
    expect(await result).toEqual([]);
    // Replay b's NEIGHBORS datagram to a: nothing is waiting for it any more.
    const nb = w.net.sent.find((d) => d.from.address === b.record.ip && decodePacket(d.data).type === PacketType.Neighbors)!;
    w.net.inject(nb.from, nb.to, nb.data);
    await w.settle();
    expect(a.e.counters().unsolicitedReplies).toBe(1);
    expect(a.e.counters().neighborsReceived).toBe(1);
  });

  it('rejects timeout when the node bonds but never answers FINDNODE', async () => {
    const w = world();
    const a = w.endpoint();
    const peer = w.raw();
    const result = a.e.findNode(peer.record, new Uint8Array(64).fill(5));
    await w.settle(LATENCY + 1);
    peer.pongTo(a.record, peer.of(PacketType.Ping)[0]!);
    peer.ping(a.record);
    await w.settle(3 * LATENCY);
    await w.settle(RESPONSE_TIMEOUT_MS - 3 * LATENCY - 1);
    let done = false;
    void result.catch(() => (done = true));
    await w.settle(1);
    expect(done).toBe(false);
    await w.settle(RESPONSE_TIMEOUT_MS);
    expect(await kindOf(result)).toBe('timeout');
    expect(a.e.pendingCount).toBe(0);
  });
});

describe('discv4 endpoint: ENR request', () => {
  it('returns the remote record, verified, matched on the request hash', async () => {
    const w = world();
    const a = w.endpoint();
    const b = w.endpoint({ enrSeq: 42n });
    const result = a.e.requestEnr(b.record);
    await w.settle(10 * LATENCY);
    const enr = await result;
    expect(enr.raw).toEqual(b.e.ownEnr.raw);
    expect(enr.seq).toBe(42n);
    expect(enr.nodeId).toEqual(b.record.id);
    expect(enr.toNodeRecord()).toMatchObject({ ip: b.record.ip, udpPort: 30303, tcpPort: 30304 });
    expect(a.e.counters()).toMatchObject({ enrRequestsSent: 1, enrResponsesReceived: 1 });
  });

  it('rejects a response carrying the record of another node', async () => {
    const w = world();
    const a = w.endpoint();
    const peer = w.raw();
    const result = a.e.requestEnr(peer.record);
    await w.settle(LATENCY + 1);
    peer.pongTo(a.record, peer.of(PacketType.Ping)[0]!);
    peer.ping(a.record);
    await w.settle(3 * LATENCY);
    const req = peer.of(PacketType.EnrRequest)[0]!;
    const foreign = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '10.1.1.1', udp: 1 });
    peer.send(a.record, PacketType.EnrResponse, { requestHash: req.hash, record: foreign });
    await w.settle(2 * LATENCY);
    expect(await kindOf(result)).toBe('bad_packet');
  });
});

describe('discv4 endpoint: hostile and stale traffic', () => {
  it('drops expired packets (including the 2006 official vectors) without answering', async () => {
    const w = world();
    const b = w.endpoint();
    const peer = w.raw();
    peer.ping(b.record, Math.floor(w.clock.now() / 1000) - 1);
    w.net.inject({ address: peer.record.ip, port: 30303 }, { address: b.record.ip, port: 30303 }, hexToBytes(vectors.discv4.geth_additional_packets[0]!.hex));
    await w.settle();
    expect(peer.inbox).toHaveLength(0);
    expect(b.e.counters()).toMatchObject({ expiredPackets: 2, pingsReceived: 0 });
    expect(b.seen).toHaveLength(0);
  });

  it('replays: a PONG replayed after its ping completed is unsolicited; our own packets reflected back are dropped', async () => {
    const w = world();
    const a = w.endpoint();
    const b = w.endpoint();
    const r = a.e.ping(b.record);
    await w.settle();
    await r;
    const pong = w.net.sent.find((d) => d.from.address === b.record.ip && decodePacket(d.data).type === PacketType.Pong)!;
    w.net.inject(pong.from, pong.to, pong.data);
    const ownPing = w.net.sent.find((d) => d.from.address === a.record.ip && decodePacket(d.data).type === PacketType.Ping)!;
    w.net.inject({ address: b.record.ip, port: 30303 }, { address: a.record.ip, port: 30303 }, ownPing.data);
    await w.settle();
    expect(a.e.counters()).toMatchObject({ unsolicitedReplies: 1, selfPackets: 1, pongsReceived: 1, pingsReceived: 1 });
  });

  it('counts garbage by error kind, never throws, and keeps working', async () => {
    const w = world();
    const a = w.endpoint();
    const b = w.endpoint();
    const rng = new Rng(9);
    const good = hexToBytes(vectors.discv4.geth_additional_packets[0]!.hex);
    const badHash = Uint8Array.from(good);
    badHash[0]! ^= 1;
    const to = { address: a.record.ip, port: 30303 };
    const from = { address: '10.5.5.5', port: 1 };
    w.net.inject(from, to, rng.bytes(50));
    w.net.inject(from, to, rng.bytes(300));
    w.net.inject(from, to, badHash);
    w.net.inject(from, to, new Uint8Array(5000));
    for (let i = 0; i < 100; i++) w.net.inject(from, to, rng.bytes(rng.int(1500)));
    await w.settle();
    const errs = a.e.counters().decodeErrors;
    expect(errs.too_small).toBeGreaterThanOrEqual(1);
    expect(errs.too_large).toBe(1);
    expect(errs.bad_hash).toBeGreaterThanOrEqual(2);
    expect(Object.values(errs).reduce((s, n) => s + (n ?? 0), 0)).toBe(104);
    const r = a.e.ping(b.record);
    await w.settle();
    expect((await r).rttMs).toBe(2 * LATENCY);
  });

  it('a throwing onNodeSeen hook is counted as internal and does not break the endpoint', async () => {
    const w = world();
    const a = w.endpoint();
    const b = w.endpoint({
      onNodeSeen: () => {
        throw new Error('hook bug');
      },
    });
    const r = a.e.ping(b.record);
    await w.settle();
    await r;
    expect(b.e.counters().decodeErrors.internal).toBeGreaterThan(0);
    expect(b.e.counters().pingsReceived).toBe(1);
  });
});

describe('discv4 endpoint: timeouts, abort, close, netrestrict', () => {
  it('a ping to nobody times out exactly at the configured timeout', async () => {
    const w = world();
    const a = w.endpoint({ responseTimeoutMs: 300 });
    const nobody: NodeRecord = { ...a.record, id: keccak256(new Uint8Array(64).fill(9)), ip: '10.200.0.1' };
    let state = 'pending';
    const result = a.e.ping(nobody);
    void result.catch((e: { kind: string }) => (state = e.kind));
    await w.clock.advanceAsync(299, 1);
    expect(state).toBe('pending');
    await w.clock.advanceAsync(1, 1);
    expect(state).toBe('timeout');
    const custom = a.e.ping(nobody, { timeoutMs: 50 });
    await w.clock.advanceAsync(50, 1);
    expect(await kindOf(custom)).toBe('timeout');
    expect(w.clock.pending).toBe(0);
  });

  it('abort rejects at once, a pre-aborted signal sends nothing, close rejects everything pending', async () => {
    const w = world();
    const a = w.endpoint();
    const nobody: NodeRecord = { ...a.record, id: keccak256(new Uint8Array(64).fill(9)), ip: '10.200.0.1' };
    const ac = new AbortController();
    const p1 = a.e.ping(nobody, { signal: ac.signal });
    ac.abort();
    expect(await kindOf(p1)).toBe('aborted');
    const before = w.net.sent.length;
    expect(await kindOf(a.e.ping(nobody, { signal: AbortSignal.abort() }))).toBe('aborted');
    expect(await kindOf(a.e.findNode(nobody, new Uint8Array(64), { signal: AbortSignal.abort() }))).toBe('aborted');
    expect(w.net.sent.length).toBe(before);

    // Abort during the bonding wait of findNode.
    const peer = w.raw();
    const ac2 = new AbortController();
    const fn = a.e.findNode(peer.record, new Uint8Array(64), { signal: ac2.signal });
    await w.settle(LATENCY + 1);
    peer.pongTo(a.record, peer.of(PacketType.Ping)[0]!);
    await w.settle(2 * LATENCY);
    ac2.abort();
    expect(await kindOf(fn)).toBe('aborted');

    const p2 = a.e.ping(nobody);
    const p3 = a.e.requestEnr(nobody);
    await a.e.close();
    expect(await kindOf(p2)).toBe('aborted');
    expect(await kindOf(p3)).toBe('aborted');
    expect(await kindOf(a.e.ping(nobody))).toBe('aborted');
    expect(a.e.pendingCount).toBe(0);
    await w.settle(); // let the datagrams still in flight land
    expect(w.clock.pending).toBe(0);
  });

  it('netrestrict: a request outside the allow-list rejects with netrestrict and sends nothing', async () => {
    const w = world();
    const transport = w.net.bind('10.0.0.50', 30303, { netrestrict: new Netrestrict(['10.0.0.0/24']) });
    const a = new Discv4Endpoint({ privateKey: generatePrivateKey(), transport, clock: w.clock });
    const outside: NodeRecord = { id: new Uint8Array(32), publicKey: new Uint8Array(64), ip: '192.168.1.1', udpPort: 30303, tcpPort: 30303 };
    expect(await kindOf(a.ping(outside))).toBe('netrestrict');
    expect(w.net.sent).toHaveLength(0);
    expect(a.pendingCount).toBe(0);
  });
});

describe('discv4 endpoint: own record', () => {
  it('builds a signed ENR from its endpoint and accepts only newer records of its own key', () => {
    const w = world();
    const a = w.endpoint({ enrSeq: 3n });
    expect(a.e.ownEnr.toNodeRecord()).toMatchObject({ ip: a.record.ip, udpPort: 30303, tcpPort: 30304 });
    expect(a.e.enrSeq).toBe(3n);
    const next = createEnr({ privateKey: a.privateKey, seq: 4n, ip: a.record.ip, udp: 30303, tcp: 30304, eth: { forkHash: new Uint8Array(4), forkNext: 0n } });
    a.e.setEnr(next);
    expect(a.e.ownEnr.eth).toBeDefined();
    expect(() => a.e.setEnr(next)).toThrow();
    expect(() => a.e.setEnr(createEnr({ privateKey: generatePrivateKey(), seq: 9n }))).toThrow();
  });
});

