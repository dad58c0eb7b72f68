/**
 * discv5 interop with @chainsafe/discv5 11.0.0 (an implementation written elsewhere, used by
 * Lodestar) over real UDP sockets on 127.0.0.1: we ping it, FINDNODE it and TALKREQ it; it pings,
 * FINDNODEs and TALKREQs us, and its own iterative lookup discovers the records in our table.
 * Generous timeouts: real sockets on a loaded machine.
 */
import { createSocket } from 'node:dgram';
import { Discv5 } from '@chainsafe/discv5';
import { SignableENR, ENR as CsEnr } from '@chainsafe/enr';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { logDistance } from '../../src/enode/distance.js';
import { createEnr, decodeEnrText, type Enr } from '../../src/enode/enr.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeUdpTransport } from '../../src/net/node-udp.js';
import { bytesToHex, fromUtf8 } from '../../src/util/bytes.js';
import { makeNode, type TestNode } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Its events, typed here: the package's emitter typings do not resolve under our tsconfig. */
interface ChainsafeEvents {
  on(event: 'talkReqReceived', fn: (addr: Parameters<Discv5['sendTalkResp']>[0], enr: unknown, msg: { id: Parameters<Discv5['sendTalkResp']>[1]; request: Uint8Array }) => void): void;
  on(event: 'discovered', fn: (enr: CsEnr) => void): void;
}

async function chainsafe(): Promise<{ node: Discv5; events: ChainsafeEvents; enr: Enr }> {
  // Two copies of @libp2p/interface in node_modules give the same key two nominal types.
  const privateKey = (await generateKeyPair('secp256k1')) as unknown as Parameters<typeof Discv5.create>[0]['privateKey'];
  const port = await freePort();
  const enr = SignableENR.createFromPrivateKey(privateKey);
  enr.ip = '127.0.0.1';
  enr.udp = port;
  const node = Discv5.create({
    enr,
    privateKey,
    bindAddrs: { ip4: multiaddr(`/ip4/127.0.0.1/udp/${port}`) },
    config: { enrUpdate: false, requestTimeout: 3000, pingInterval: 3_600_000 },
  });
  await node.start();
  cleanups.push(() => node.stop());
  return { node, events: node as unknown as ChainsafeEvents, enr: decodeEnrText(node.enr.encodeTxt()) };
}

async function ourNode(): Promise<TestNode> {
  const transport = await NodeUdpTransport.bind({ host: '127.0.0.1', port: 0, netrestrict: LOOPBACK_ONLY });
  // Generous timeouts and one re-send (as @chainsafe/discv5 itself does): real sockets on a loaded machine.
  const node = makeNode(transport, undefined, { responseTimeoutMs: 3000, handshakeTimeoutMs: 3000, retries: 1 });
  cleanups.push(() => node.endpoint.close());
  return node;
}

/** Records (never contacted) at log distance `d` from `id`, on loopback addresses. */
function recordsAt(id: Uint8Array, d: number, n: number): Enr[] {
  const out: Enr[] = [];
  while (out.length < n) {
    const enr = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '127.0.0.1', udp: 40000 + out.length });
    if (logDistance(id, enr.nodeId) === d) out.push(enr);
  }
  return out;
}

// One retry: in 1 of ~15 full-suite runs (never alone) a request to @chainsafe/discv5 went unanswered
// twice in a row; not yet explained (see the session notes). A systematic failure still fails.
describe('discv5 interop with @chainsafe/discv5 (real UDP, 127.0.0.1)', { retry: 1 }, () => {
  it('we PING it: handshake, PONG with our address', async () => {
    const cs = await chainsafe();
    const us = await ourNode();
    const pong = await us.endpoint.ping(cs.enr);
    expect(pong).toMatchObject({ ip: '127.0.0.1', port: us.endpoint.localAddress.port, enrSeq: cs.enr.seq });
    expect(us.endpoint.service.stats.handshakesOut).toBe(1);
    // Again over the session.
    await us.endpoint.ping(cs.enr);
    expect(us.endpoint.service.stats.handshakesOut).toBe(1);
  }, 20_000);

  it('we FINDNODE it: its record at distance 0, its table at the asked distances; TALKREQ both ways', async () => {
    const cs = await chainsafe();
    const us = await ourNode();
    const known = [...recordsAt(cs.enr.nodeId, 256, 3), ...recordsAt(cs.enr.nodeId, 255, 2)];
    for (const e of known) cs.node.addEnr(e.toText());
    expect(bytesToHex((await us.endpoint.requestEnr(cs.enr))!.raw)).toBe(bytesToHex(cs.enr.raw));
    const found = await us.endpoint.findNodeDetailed(cs.enr, [256, 255]);
    expect(found.complete).toBe(true);
    // Its table also holds us (learned from our handshake) when we fall at one of those distances.
    const others = found.records.filter((e) => bytesToHex(e.nodeId) !== bytesToHex(us.enr.nodeId));
    expect(new Set(others.map((e) => bytesToHex(e.nodeId)))).toEqual(new Set(known.map((e) => bytesToHex(e.nodeId))));
    expect(found.records.length - others.length).toBe([255, 256].includes(logDistance(cs.enr.nodeId, us.enr.nodeId)) ? 1 : 0);

    cs.events.on('talkReqReceived', (addr, _enr, msg) => {
      void cs.node.sendTalkResp(addr, msg.id, Uint8Array.from([...msg.request].reverse()));
    });
    expect([...(await us.endpoint.talkReq(cs.enr, 'rev', Uint8Array.of(1, 2, 3)))]).toEqual([3, 2, 1]);
  }, 30_000);

  it('it PINGs, FINDNODEs and TALKREQs us', async () => {
    const cs = await chainsafe();
    const us = await ourNode();
    const mine = recordsAt(us.enr.nodeId, 256, 4);
    for (const e of mine) us.table.add(e);
    const theirs = CsEnr.decodeTxt(us.enr.toText());
    const pong = await cs.node.sendPing(theirs);
    expect(pong.enrSeq).toBe(us.enr.seq);
    expect(pong.addr.port).toBe(cs.enr.udp);
    const nodes = await cs.node.sendFindNode(theirs, [256]);
    expect(new Set(nodes.map((e) => e.encodeTxt()))).toEqual(new Set(mine.map((e) => e.toText())));
    expect((await cs.node.sendFindNode(theirs, [0])).map((e) => e.encodeTxt())).toEqual([us.enr.toText()]);
    expect(await cs.node.sendTalkReq(theirs, fromUtf8('hi'), 'unknown-protocol')).toEqual(new Uint8Array());
    expect(us.events.filter((e) => e.type === 'request').length).toBe(4);
    expect(us.events.some((e) => e.type === 'session' && !e.initiator && bytesToHex(e.enr.nodeId) === bytesToHex(cs.enr.nodeId))).toBe(true);
  }, 30_000);

  it('its iterative lookup finds us and the records in our table', async () => {
    const cs = await chainsafe();
    const us = await ourNode();
    const mine = [...recordsAt(us.enr.nodeId, 256, 3), ...recordsAt(us.enr.nodeId, 255, 2)];
    for (const e of mine) us.table.add(e);
    const want = new Set(mine.map((e) => bytesToHex(e.nodeId)));
    const discovered = new Set<string>();
    const all = new Promise<void>((resolve) => {
      cs.events.on('discovered', (enr) => {
        const id = bytesToHex(decodeEnrText(enr.encodeTxt()).nodeId);
        if (want.has(id)) discovered.add(id);
        if (discovered.size === want.size) resolve();
      });
    });
    cs.node.addEnr(us.enr.toText());
    // A target at log distance 256 from us: its lookup asks us for distances 256, 255, 254.
    const target = Uint8Array.from(us.enr.nodeId);
    target[0]! ^= 0x80;
    void cs.node.findNode(bytesToHex(target)).catch(() => {});
    await all;
    expect(discovered).toEqual(want);
  }, 60_000);

  it('we crawl a network of them: knowing one, we read every table and find all', async () => {
    const net = await Promise.all(Array.from({ length: 4 }, () => chainsafe()));
    // A chain: each knows only the next one.
    for (let i = 0; i + 1 < net.length; i++) net[i]!.node.addEnr(net[i + 1]!.enr.toText());
    const us = await ourNode();
    const distances = Array.from({ length: 32 }, (_, i) => 256 - i);
    const found = new Map([[bytesToHex(net[0]!.enr.nodeId), net[0]!.enr]]);
    const queue = [net[0]!.enr];
    while (queue.length > 0) {
      const next = queue.shift()!;
      for (let i = 0; i < distances.length; i += 8) {
        for (const e of await us.endpoint.findNode(next, distances.slice(i, i + 8))) {
          const id = bytesToHex(e.nodeId);
          if (id === bytesToHex(us.enr.nodeId) || found.has(id)) continue;
          found.set(id, e);
          queue.push(e);
        }
      }
    }
    expect([...found.keys()].sort()).toEqual(net.map((n) => bytesToHex(n.enr.nodeId)).sort());
  }, 60_000);
});
