/**
 * Discovery hygiene as geth practises it: NEIGHBORS entries judged one by one (port and relay
 * rules), FINDNODE answered only with what the requester may use, and the re-bond + retry when a
 * remote forgot our endpoint proof sooner than we forgot its (reth: 1 h). Manual clock, in-memory UDP.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate, secp256k1 } from '../../src/crypto/index.js';
import { concatBytes } from '../../src/util/bytes.js';
import { rlpEncode } from '../../src/util/rlp.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { isNodeFinderError } from '../../src/errors.js';
import { PacketType, RESPONSE_TIMEOUT_MS } from '../../src/discv4/constants.js';
import { Discv4Endpoint, type Discv4EndpointOptions } from '../../src/discv4/endpoint.js';
import { decodePacket, encodePacket } from '../../src/discv4/packet.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { checkRelayedEndpoint } from '../../src/discv4/relay.js';
import { ipFromBytes } from '../../src/net/ip.js';
import { BASE_SEED, FUZZ_SCALE, Rng } from '../devp2p/fuzz-helpers.js';

const LATENCY = 10;
const HOUR = 3_600_000;
const TARGET = new Uint8Array(64).fill(5);

function node(ip: string, udpPort = 30303): NodeRecord {
  const publicKey = publicKeyFromPrivate(generatePrivateKey());
  return { id: keccak256(publicKey), publicKey, ip, udpPort, tcpPort: 30303 };
}

function world() {
  const clock = new ManualClock();
  const net = new MemoryUdpNetwork({ clock, latencyMs: LATENCY });
  net.record = true;
  const endpoint = (ip: string, options: Partial<Discv4EndpointOptions> = {}) => {
    const rebonds: { id: Uint8Array; answered: boolean }[] = [];
    const e = new Discv4Endpoint({
      privateKey: generatePrivateKey(),
      transport: net.bind(ip, 30303),
      clock,
      onRebond: (n, answered) => rebonds.push({ id: n.id, answered }),
      ...options,
    });
    const record: NodeRecord = { id: e.nodeId, publicKey: e.publicKey, ip, udpPort: 30303, tcpPort: 30303 };
    return { e, record, rebonds };
  };
  const settle = (ms = 6 * LATENCY) => clock.advanceAsync(ms, 1);
  /** Run a request to completion on the manual clock. */
  const run = async <T>(p: Promise<T>, ms = 4 * RESPONSE_TIMEOUT_MS + 20 * LATENCY): Promise<T | string> => {
    const caught = p.catch((err: unknown) => (isNodeFinderError(err) ? err.kind : Promise.reject(err)));
    await settle(ms);
    return caught;
  };
  return { clock, net, endpoint, settle, run };
}

describe('NEIGHBORS entries are judged one by one (geth nodeFromRPC)', () => {
  it('drops low ports, special, LAN and loopback entries from a public sender, keeps the rest', async () => {
    const w = world();
    const good = [node('23.55.1.2'), node('2a01:4f8::1'), node('8.8.4.4', 1025)];
    const bad = [node('23.55.1.3', 1024), node('10.0.0.9'), node('127.0.0.1'), node('192.0.2.1'), node('224.0.0.5'), node('0.0.0.0')];
    const a = w.endpoint('44.1.1.1');
    const b = w.endpoint('23.55.1.242', { closest: () => [...bad.slice(0, 3), ...good, ...bad.slice(3)] });
    const got = await w.run(a.e.findNode(b.record, TARGET));
    expect(got).toEqual(good);
    // b withheld the LAN, loopback, special and unspecified entries from a public requester (geth handleFindnode):
    expect(b.e.counters().neighborsWithheld).toBe(5);
    // ... so a saw only the low-port one of the bad entries.
    expect(a.e.counters()).toMatchObject({ nodesLearned: 4, invalidNeighbors: 1, neighborsDropped: { low_port: 1 } });
  });

  it('a hand-made datagram with one entry of every bad kind costs only those entries', async () => {
    const w = world();
    const a = w.endpoint('44.1.1.1');
    const peerKey = generatePrivateKey();
    const peerPub = publicKeyFromPrivate(peerKey);
    const peer: NodeRecord = { id: keccak256(peerPub), publicKey: peerPub, ip: '23.55.1.242', udpPort: 30303, tcpPort: 30303 };
    const t = w.net.bind(peer.ip, 30303);
    const inbox: ReturnType<typeof decodePacket>[] = [];
    t.onMessage((d) => inbox.push(decodePacket(d)));
    const exp = () => Math.floor(w.clock.now() / 1000) + 20;
    const send = (type: Parameters<typeof encodePacket>[0], data: Parameters<typeof encodePacket>[1]) =>
      t.send(encodePacket(type, data as never, peerKey).bytes, { address: a.record.ip, port: 30303 });
    const result = a.e.findNode(peer, TARGET).catch((e: unknown) => e);
    await w.settle(LATENCY + 1);
    const ping = inbox.find((p) => p.type === PacketType.Ping)!;
    send(PacketType.Pong, { to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, pingHash: ping.hash, expiration: exp() });
    send(PacketType.Ping, { version: 4, from: { ip: peer.ip, udpPort: 30303, tcpPort: 30303 }, to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, expiration: exp() });
    await w.settle(3 * LATENCY);
    const good = node('23.55.7.7');
    const offCurve = { ...node('23.55.7.8'), publicKey: new Uint8Array(64).fill(7) };
    const entries = [node('10.1.1.1'), good, node('127.0.0.1'), node('203.0.113.5'), node('23.55.7.9', 80), offCurve, a.record, node('ff02::1')];
    send(PacketType.Neighbors, { nodes: entries, expiration: exp() });
    await w.settle(RESPONSE_TIMEOUT_MS + 2 * LATENCY);
    expect(await result).toEqual([good]);
    expect(a.e.counters()).toMatchObject({
      nodesLearned: 8,
      invalidNeighbors: 7,
      neighborsDropped: { lan: 1, loopback: 1, special: 2, low_port: 1, bad_key: 1, self: 1 },
    });
  });

  it('property: random entries from public, LAN and loopback senders; kept = those passing the rules, drops add up', async () => {
    const rng = new Rng(BASE_SEED + 77);
    const keys = Array.from({ length: 6 }, () => node('1.1.1.1'));
    const w = world();
    const a = w.endpoint('44.1.1.1');
    const interesting = ['0.0.0.0', '127.0.0.1', '10.0.0.1', '192.168.5.5', '169.254.0.1', '192.0.2.1', '224.1.1.1', '255.255.255.255', '8.8.8.8', '::1', 'fe80::1', 'fd12::1', '2001:db8::5', '2a01::1', '::'];
    // In-memory endpoints only: these addresses label simulated peers, nothing leaves the process.
    const peerIps = ['23.55.1.242', '10.1.2.3', '127.0.0.9'];
    for (const senderIp of peerIps) {
      const key = generatePrivateKey();
      const pub = publicKeyFromPrivate(key);
      const peer: NodeRecord = { id: keccak256(pub), publicKey: pub, ip: senderIp, udpPort: 30303, tcpPort: 30303 };
      const t = w.net.bind(senderIp, 30303);
      const inbox: ReturnType<typeof decodePacket>[] = [];
      t.onMessage((d) => inbox.push(decodePacket(d)));
      const exp = () => Math.floor(w.clock.now() / 1000) + 20;
      const send = (type: Parameters<typeof encodePacket>[0], data: Parameters<typeof encodePacket>[1]) =>
        t.send(encodePacket(type, data as never, key).bytes, { address: a.record.ip, port: 30303 });
      // Bond once: answer a's PING, ping a.
      const first = a.e.findNode(peer, TARGET).catch(() => undefined);
      await w.settle(LATENCY + 1);
      const ping = inbox.find((p) => p.type === PacketType.Ping)!;
      send(PacketType.Pong, { to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, pingHash: ping.hash, expiration: exp() });
      send(PacketType.Ping, { version: 4, from: { ip: senderIp, udpPort: 30303, tcpPort: 30303 }, to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, expiration: exp() });
      await w.settle(RESPONSE_TIMEOUT_MS + 10 * LATENCY);
      await first;
      for (let i = 0; i < 20 * FUZZ_SCALE; i++) {
        const entries: NodeRecord[] = Array.from({ length: 1 + rng.int(12) }, () => {
          const k = rng.int(10) === 0 ? { ...keys[0]!, publicKey: rng.bytes(64) } : rng.pick(keys);
          const ip = rng.bool() ? rng.pick(interesting) : ipFromBytes(rng.bytes(rng.bool() ? 4 : 16))!;
          return { ...k, ip, udpPort: rng.pick([0, 80, 1024, 1025, 30303, 65535, rng.int(65536)]) };
        });
        const before = a.e.counters();
        const result = a.e.findNode(peer, TARGET);
        await w.settle(LATENCY + 1);
        send(PacketType.Neighbors, { nodes: entries, expiration: exp() });
        await w.settle(RESPONSE_TIMEOUT_MS + 2 * LATENCY);
        const expected = entries.filter((e) => checkRelayedEndpoint(senderIp, e) === undefined && keys.some((k) => k.publicKey === e.publicKey));
        expect(await result).toEqual(expected);
        const after = a.e.counters();
        const dropped = (c: typeof after) => Object.values(c.neighborsDropped).reduce((x, y) => x + (y ?? 0), 0);
        expect(after.invalidNeighbors - before.invalidNeighbors).toBe(entries.length - expected.length);
        expect(dropped(after) - dropped(before)).toBe(entries.length - expected.length);
      }
    }
  });

  it('entries that do not even decode are skipped and counted as malformed; the rest is kept', async () => {
    const w = world();
    const a = w.endpoint('44.1.1.1');
    const peerKey = generatePrivateKey();
    const peerPub = publicKeyFromPrivate(peerKey);
    const peer: NodeRecord = { id: keccak256(peerPub), publicKey: peerPub, ip: '23.55.1.242', udpPort: 30303, tcpPort: 30303 };
    const t = w.net.bind(peer.ip, 30303);
    const inbox: ReturnType<typeof decodePacket>[] = [];
    t.onMessage((d) => inbox.push(decodePacket(d)));
    const exp = () => Math.floor(w.clock.now() / 1000) + 20;
    const sign = (type: number, body: Uint8Array) => {
      const typeAndData = concatBytes(Uint8Array.of(type), body);
      const { signature, recovery } = secp256k1().sign(keccak256(typeAndData), peerKey);
      const rest = concatBytes(signature, Uint8Array.of(recovery), typeAndData);
      return concatBytes(keccak256(rest), rest);
    };
    const result = a.e.findNode(peer, TARGET);
    await w.settle(LATENCY + 1);
    const ping = inbox.find((p) => p.type === PacketType.Ping)!;
    t.send(encodePacket(PacketType.Pong, { to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, pingHash: ping.hash, expiration: exp() }, peerKey).bytes, { address: a.record.ip, port: 30303 });
    t.send(encodePacket(PacketType.Ping, { version: 4, from: { ip: peer.ip, udpPort: 30303, tcpPort: 30303 }, to: { ip: a.record.ip, udpPort: 30303, tcpPort: 0 }, expiration: exp() }, peerKey).bytes, { address: a.record.ip, port: 30303 });
    await w.settle(3 * LATENCY);
    const good = node('23.55.7.7');
    const entries = [
      [Uint8Array.of(23, 55, 7, 7), good.udpPort, good.tcpPort, good.publicKey],
      [new Uint8Array(5), 30303, 30303, good.publicKey],
      [Uint8Array.of(23, 55, 7, 8), 30303, 30303, new Uint8Array(65)],
    ];
    t.send(sign(PacketType.Neighbors, rlpEncode([entries as never, exp()])), { address: a.record.ip, port: 30303 });
    await w.settle(RESPONSE_TIMEOUT_MS + 2 * LATENCY);
    expect(await result).toEqual([good]);
    expect(a.e.counters()).toMatchObject({ nodesLearned: 3, invalidNeighbors: 2, neighborsDropped: { malformed: 2 } });
  });

  it('LAN and loopback entries are fine from a loopback sender (a local testnet)', async () => {
    const w = world();
    const entries = [node('127.0.0.5'), node('192.168.1.1'), node('23.55.1.2')];
    const a = w.endpoint('127.0.0.1');
    const b = w.endpoint('127.0.0.2', { closest: () => entries });
    expect(await w.run(a.e.findNode(b.record, TARGET))).toEqual(entries);
    expect(a.e.counters().invalidNeighbors).toBe(0);
    expect(b.e.counters().neighborsWithheld).toBe(0);
  });
});

describe('re-bond and retry once when FINDNODE goes unanswered', () => {
  /** A reth-like peer: answers FINDNODE only within 1 h of our last PONG (reth bond_expiration). */
  const setup = () => {
    const w = world();
    const answer = [node('23.55.9.9')];
    const a = w.endpoint('44.1.1.1');
    const reth = w.endpoint('23.55.1.242', { bondExpirationMs: HOUR, closest: () => answer });
    return { w, a, reth, answer };
  };

  it('within the remote bond: no re-bond; after it expired: re-bond, retry answered, counted', async () => {
    const { w, a, reth, answer } = setup();
    expect(await w.run(a.e.findNode(reth.record, TARGET))).toEqual(answer);
    w.clock.advance(HOUR / 2);
    expect(await w.run(a.e.findNode(reth.record, TARGET))).toEqual(answer);
    expect(a.e.counters()).toMatchObject({ findnodeRebonds: 0, pingsSent: 1 });
    w.clock.advance(HOUR);
    // We still hold reth's PING (12 h) so we skip bonding; reth ignores the FINDNODE (1 h).
    expect(await w.run(a.e.findNode(reth.record, TARGET))).toEqual(answer);
    expect(reth.e.counters().unbondedRequests).toBe(1);
    expect(a.e.counters()).toMatchObject({ findnodeRebonds: 1, findnodeRebondsAnswered: 1, pingsSent: 2, findnodeSent: 4 });
    expect(a.rebonds).toEqual([{ id: reth.record.id, answered: true }]);
    expect(a.e.pendingCount).toBe(0);
  });

  it('counts a re-bond whose retry gets no answer either, and tries only once', async () => {
    const { w, a, reth } = setup();
    await w.run(a.e.findNode(reth.record, TARGET));
    w.clock.advance(2 * HOUR);
    // From now on every FINDNODE to reth is lost.
    w.net.filter = (d) => !(d.to.address === reth.record.ip && decodePacket(d.data).type === PacketType.FindNode);
    expect(await w.run(a.e.findNode(reth.record, TARGET))).toBe('timeout');
    expect(a.e.counters()).toMatchObject({ findnodeRebonds: 1, findnodeRebondsAnswered: 0, findnodeSent: 3 });
    expect(a.rebonds).toEqual([{ id: reth.record.id, answered: false }]);
  });

  it('no re-bond when this very request bonded first (a node that never answers FINDNODE)', async () => {
    const { w, a, reth } = setup();
    w.net.filter = (d) => !(d.to.address === reth.record.ip && decodePacket(d.data).type === PacketType.FindNode);
    expect(await w.run(a.e.findNode(reth.record, TARGET))).toBe('timeout');
    expect(a.e.counters()).toMatchObject({ findnodeRebonds: 0, findnodeSent: 1 });
    expect(a.rebonds).toEqual([]);
  });

  it('a dead node (PING unanswered) fails the re-bond with a timeout and is counted unanswered', async () => {
    const { w, a, reth } = setup();
    await w.run(a.e.findNode(reth.record, TARGET));
    w.clock.advance(2 * HOUR);
    w.net.filter = (d) => d.to.address !== reth.record.ip;
    expect(await w.run(a.e.findNode(reth.record, TARGET))).toBe('timeout');
    expect(a.e.counters()).toMatchObject({ findnodeRebonds: 1, findnodeRebondsAnswered: 0, findnodeSent: 2 });
  });
});
