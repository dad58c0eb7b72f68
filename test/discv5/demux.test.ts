/**
 * Port sharing: classifyDatagram tells discv4 from discv5 by v4's hash (as geth's v4 listener hands
 * what fails to decode to v5), and shareTransport lets a discv4 and a discv5 endpoint with the same
 * key answer on one UDP port, each reached by a peer of its own protocol.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import { encodePacket as encodeV4 } from '../../src/discv4/packet.js';
import { PacketType } from '../../src/discv4/constants.js';
import { classifyDatagram, shareTransport } from '../../src/discv5/demux.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { makeNode, settle } from './helpers.js';
import vectors from '../vectors/discv5-vectors.json' with { type: 'json' };
import v4vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };
import { hexToBytes } from '../../src/util/bytes.js';

describe('discv4/discv5 demultiplexer', () => {
  it('classifies the official vectors of both protocols', () => {
    for (const p of vectors.packets) expect(classifyDatagram(hexToBytes(p.packet))).toBe('discv5');
    for (const p of v4vectors.discv4.eip8_packets) expect(classifyDatagram(hexToBytes(p.hex))).toBe('discv4');
    const ping = encodeV4(
      PacketType.Ping,
      { version: 4, from: { ip: '127.0.0.1', udpPort: 1, tcpPort: 1 }, to: { ip: '127.0.0.2', udpPort: 2, tcpPort: 0 }, expiration: 2e9 },
      generatePrivateKey(),
    );
    expect(classifyDatagram(ping.bytes)).toBe('discv4');
  });

  it('a discv4 packet with a broken hash goes to discv5 (which then rejects it); sizes outside discv5 bounds go nowhere', () => {
    const v4 = hexToBytes(v4vectors.discv4.eip8_packets[0]!.hex);
    v4[0]! ^= 1;
    expect(classifyDatagram(v4)).toBe('discv5');
    expect(classifyDatagram(new Uint8Array(62))).toBe('none');
    expect(classifyDatagram(new Uint8Array(1281))).toBe('none');
    expect(classifyDatagram(new Uint8Array(63))).toBe('discv5');
  });

  it('one UDP port, both protocols: a discv4 peer and a discv5 peer are each answered', async () => {
    const clock = new ManualClock();
    const net = new MemoryUdpNetwork();
    const key = generatePrivateKey();
    const shared = shareTransport(net.bind('127.0.0.1', 30303));
    const v4 = new Discv4Endpoint({ privateKey: key, transport: shared.v4, clock });
    const v5 = makeNode(shared.v5, clock, { key });

    const v4peer = new Discv4Endpoint({ privateKey: generatePrivateKey(), transport: net.bind('127.0.0.2'), clock });
    const v5peer = makeNode(net.bind('127.0.0.3'), clock);
    const me = { id: nodeIdFromPublicKey(publicKeyFromPrivate(key)), publicKey: publicKeyFromPrivate(key), ip: '127.0.0.1', udpPort: 30303, tcpPort: 30303 };
    const [pong4, pong5] = await Promise.all([v4peer.ping(me), v5peer.endpoint.ping(v5.enr)]);
    expect(pong4.enrSeq).toBe(1n);
    expect(pong5.port).toBe(v5peer.endpoint.localAddress.port);
    expect(v4.counters().pingsReceived).toBe(1);
    expect(v5.endpoint.service.stats.requestsAnswered).toBe(1);
    expect(v4.counters().decodeErrors).toEqual({});
    expect(v5.endpoint.service.stats.dropped).toBe(0);

    net.inject({ address: '127.0.0.9', port: 9 }, { address: '127.0.0.1', port: 30303 }, new Uint8Array(10));
    await settle();
    expect(shared.dropped).toBe(1);
    await shared.v4.close();
    expect(() => shared.v5.send(new Uint8Array(63), { address: '127.0.0.2', port: 1 })).not.toThrow();
    await v5.endpoint.close();
    expect(() => shared.v5.send(new Uint8Array(63), { address: '127.0.0.2', port: 1 })).toThrow(); // socket closed once both were
  });
});

describe('shared port under mixed load', () => {
  it('20 discv4 and 20 discv5 peers hammer one port at once: every request answered, nothing crosses over', async () => {
    const net = new MemoryUdpNetwork();
    const clock = new ManualClock();
    const key = generatePrivateKey();
    const shared = shareTransport(net.bind('127.0.0.1', 30303));
    const v4 = new Discv4Endpoint({ privateKey: key, transport: shared.v4, clock });
    const v5 = makeNode(shared.v5, clock, { key });
    const me = { id: nodeIdFromPublicKey(publicKeyFromPrivate(key)), publicKey: publicKeyFromPrivate(key), ip: '127.0.0.1', udpPort: 30303, tcpPort: 30303 };
    const v4peers = Array.from({ length: 20 }, (_, i) => new Discv4Endpoint({ privateKey: generatePrivateKey(), transport: net.bind(`127.0.5.${i + 1}`), clock }));
    const v5peers = Array.from({ length: 20 }, (_, i) => makeNode(net.bind(`127.0.6.${i + 1}`), clock));
    const ROUNDS = 5;
    const calls: Promise<unknown>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of v4peers) calls.push(p.ping(me));
      for (const p of v5peers) calls.push(r % 2 === 0 ? p.endpoint.ping(v5.enr) : p.endpoint.findNode(v5.enr, [0]));
    }
    const results = await Promise.allSettled(calls);
    expect(results.filter((x) => x.status === 'rejected')).toEqual([]);
    expect(v4.counters().pingsReceived).toBe(20 * ROUNDS);
    expect(v5.endpoint.service.stats.requestsAnswered).toBe(20 * ROUNDS);
    // Nothing of one protocol reached the other: no decode errors, no drops, no strays.
    expect(v4.counters().decodeErrors).toEqual({});
    expect(v5.endpoint.service.stats.dropped).toBe(0);
    expect(shared.dropped).toBe(0);
    await Promise.all([v4.close(), v5.endpoint.close(), ...v4peers.map((p) => p.close()), ...v5peers.map((p) => p.endpoint.close())]);
  });
});
