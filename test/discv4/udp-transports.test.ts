import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, keccak256, publicKeyFromPrivate } from '../../src/crypto/index.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { isNodeFinderError } from '../../src/errors.js';
import { Discv4Endpoint } from '../../src/discv4/endpoint.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { LOOPBACK_ONLY, Netrestrict } from '../../src/net/netrestrict.js';
import { NodeUdpTransport } from '../../src/net/node-udp.js';
import type { UdpAddress } from '../../src/net/transport.js';

function kindOfSync(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!isNodeFinderError(err)) throw err;
    return err.kind;
  }
  return 'none';
}

describe('memory UDP network', () => {
  it('delivers after the latency on the manual clock, copies data, and drops datagrams to nobody', async () => {
    const clock = new ManualClock();
    const net = new MemoryUdpNetwork({ clock, latencyMs: 5 });
    const a = net.bind('10.0.0.1');
    const b = net.bind('10.0.0.2', 30303);
    const got: { data: Uint8Array; from: UdpAddress }[] = [];
    b.onMessage((data, from) => got.push({ data, from }));
    const buf = Uint8Array.of(1, 2, 3);
    a.send(buf, { address: '10.0.0.2', port: 30303 });
    buf[0] = 9;
    a.send(buf, { address: '10.0.0.3', port: 30303 });
    clock.advance(4);
    expect(got).toHaveLength(0);
    clock.advance(1);
    expect(got).toEqual([{ data: Uint8Array.of(1, 2, 3), from: { address: '10.0.0.1', port: a.localAddress.port } }]);
    expect(net.delivered).toBe(1);
    expect(net.dropped).toBe(1);
  });

  it('enforces netrestrict before sending, refuses double binds, maps ::ffff: addresses to IPv4', async () => {
    const net = new MemoryUdpNetwork();
    const a = net.bind('::ffff:10.0.0.1', 1, { netrestrict: new Netrestrict(['10.0.0.0/8']) });
    expect(a.localAddress.address).toBe('10.0.0.1');
    expect(kindOfSync(() => a.send(Uint8Array.of(1), { address: '192.168.0.1', port: 1 }))).toBe('netrestrict');
    expect(kindOfSync(() => net.bind('10.0.0.1', 1))).toBe('address_in_use');
    const b = net.bind('10.0.0.2', 1);
    const got: Uint8Array[] = [];
    b.onMessage((d) => got.push(d));
    a.send(Uint8Array.of(7), { address: '::ffff:10.0.0.2', port: 1 });
    await Promise.resolve();
    await Promise.resolve();
    expect(got).toEqual([Uint8Array.of(7)]);
    await b.close();
    a.send(Uint8Array.of(8), { address: '10.0.0.2', port: 1 });
    await Promise.resolve();
    expect(got).toHaveLength(1);
  });
});

describe('Node UDP transport on 127.0.0.1 (real sockets)', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it('checks netrestrict before every send and delivers datagrams larger than 1280 bytes whole', async () => {
    const a = await NodeUdpTransport.bind({ host: '127.0.0.1', netrestrict: LOOPBACK_ONLY });
    const b = await NodeUdpTransport.bind({ host: '127.0.0.1', netrestrict: LOOPBACK_ONLY });
    open.push(a, b);
    expect(kindOfSync(() => a.send(Uint8Array.of(1), { address: '203.0.113.3', port: 30303 }))).toBe('netrestrict');
    expect(kindOfSync(() => a.send(Uint8Array.of(1), { address: 'example.org', port: 30303 }))).toBe('host_unreachable');
    expect(kindOfSync(() => a.send(Uint8Array.of(1), { address: '::1', port: 30303 }))).toBe('host_unreachable');
    const big = new Uint8Array(1800).map((_, i) => i & 0xff);
    const received = new Promise<{ data: Uint8Array; from: UdpAddress }>((resolve) => b.onMessage((data, from) => resolve({ data, from })));
    a.send(big, b.localAddress);
    const { data, from } = await received;
    expect(data).toEqual(big);
    expect(from).toEqual(a.localAddress);
  });

  it('two discv4 endpoints talk for real: ping, findNode (bonding included), requestEnr', async () => {
    const nodes: NodeRecord[] = Array.from({ length: 16 }, (_, i) => {
      const publicKey = publicKeyFromPrivate(generatePrivateKey());
      return { id: keccak256(publicKey), publicKey, ip: `127.0.1.${i + 1}`, udpPort: 30303, tcpPort: 30303 };
    });
    const ta = await NodeUdpTransport.bind({ host: '127.0.0.1', netrestrict: LOOPBACK_ONLY });
    const tb = await NodeUdpTransport.bind({ host: '127.0.0.1', netrestrict: LOOPBACK_ONLY });
    const a = new Discv4Endpoint({ privateKey: generatePrivateKey(), transport: ta, responseTimeoutMs: 2000 });
    const b = new Discv4Endpoint({ privateKey: generatePrivateKey(), transport: tb, closest: () => nodes, enrSeq: 5n });
    open.push(a, b);
    const bRecord: NodeRecord = { id: b.nodeId, publicKey: b.publicKey, ip: '127.0.0.1', udpPort: tb.localAddress.port, tcpPort: tb.localAddress.port };

    // findNode first: a must bond (PING, PONG, b's PING back) before b will answer.
    const found = await a.findNode(bRecord, publicKeyFromPrivate(generatePrivateKey()));
    expect(found).toEqual(nodes);
    expect(a.counters()).toMatchObject({ pingsSent: 1, pongsReceived: 1, pingsReceived: 1, findnodeSent: 1, neighborsReceived: 2 });
    const pong = await a.ping(bRecord);
    expect(pong.enrSeq).toBe(5n);
    expect(pong.rttMs).toBeGreaterThanOrEqual(0);
    const enr = await a.requestEnr(bRecord);
    expect(enr.raw).toEqual(b.ownEnr.raw);
    expect(enr.toNodeRecord()).toMatchObject({ ip: '127.0.0.1', udpPort: tb.localAddress.port });
    expect(b.counters()).toMatchObject({ findnodeReceived: 1, enrRequestsReceived: 1, unbondedRequests: 0 });
    expect(a.counters().decodeErrors).toEqual({});
  });
});
