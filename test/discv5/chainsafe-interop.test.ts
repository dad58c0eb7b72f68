/**
 * discv5 interop with @chainsafe/discv5 11.0.0 (an implementation written elsewhere, used by
 * Lodestar) over real UDP sockets on 127.0.0.1: we ping it, FINDNODE it and TALKREQ it; it pings,
 * FINDNODEs and TALKREQs us, and its own iterative lookup discovers the records in our table.
 * Generous timeouts: real sockets on a loaded machine.
 */
import { ENR as CsEnr } from '@chainsafe/enr';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { logDistance } from '../../src/enode/distance.js';
import { createEnr, decodeEnrText, type Enr } from '../../src/enode/enr.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { NodeUdpTransport } from '../../src/net/node-udp.js';
import { bytesToHex, fromUtf8 } from '../../src/util/bytes.js';
import { startChainsafe, type ChainsafeNode } from './chainsafe-node.js';
import { makeNode, type TestNode } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function chainsafe(): Promise<ChainsafeNode> {
  const cs = await startChainsafe();
  cleanups.push(() => cs.node.stop());
  return cs;
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
