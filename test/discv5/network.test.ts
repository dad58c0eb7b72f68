/**
 * A small network of our own discv5 endpoints on the in-memory UDP network: each knows a few
 * others; one crawler that knows a single node enumerates every table by FINDNODE at log distances
 * (the enumeration the crawler will adopt) and finds every node. Deterministic: ManualClock, no
 * timer fires unless a request fails.
 */
import { describe, expect, it } from 'vitest';
import { logDistance } from '../../src/enode/distance.js';
import type { Enr } from '../../src/enode/enr.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { bytesToHex } from '../../src/util/bytes.js';
import type { Discv5Endpoint } from '../../src/discv5/endpoint.js';
import { Rng } from '../devp2p/fuzz-helpers.js';
import { makeNode, settle, type TestNode } from './helpers.js';
import { NodeFinderError } from '../../src/errors.js';

/** Read a node's table: the distances where its neighbours live, nearest last, 8 per request. */
async function enumerate(endpoint: Discv5Endpoint, target: Enr, distances: number[]): Promise<Enr[]> {
  const out: Enr[] = [];
  for (let i = 0; i < distances.length; i += 8) out.push(...(await endpoint.findNode(target, distances.slice(i, i + 8))));
  return out;
}

describe('discv5 in-memory network', () => {
  it('a crawler that knows one node finds all 40 by enumerating tables', async () => {
    const clock = new ManualClock();
    const net = new MemoryUdpNetwork();
    const rng = new Rng(40);
    const nodes: TestNode[] = Array.from({ length: 40 }, (_, i) => makeNode(net.bind(`127.0.1.${i + 1}`, 30303), clock));
    // A ring plus three random links each: connected, but no node knows more than a handful.
    nodes.forEach((n, i) => {
      n.table.add(nodes[(i + 1) % nodes.length]!.enr);
      for (let k = 0; k < 3; k++) n.table.add(rng.pick(nodes).enr);
    });
    const crawler = makeNode(net.bind('127.0.0.1', 30303), clock);
    const found = new Map<string, Enr>([[bytesToHex(nodes[0]!.enr.nodeId), nodes[0]!.enr]]);
    const queue = [nodes[0]!.enr];
    // Two random IDs share their first 32 bits with probability 2^-32: distances 256..225 hold every table.
    const distances = Array.from({ length: 32 }, (_, i) => 256 - i);
    let requests = 0;
    while (queue.length > 0) {
      const next = queue.shift()!;
      const got = await enumerate(crawler.endpoint, next, distances);
      requests += Math.ceil(distances.length / 8);
      for (const e of got) {
        expect(distances).toContain(logDistance(next.nodeId, e.nodeId));
        const id = bytesToHex(e.nodeId);
        if (!found.has(id)) {
          found.set(id, e);
          queue.push(e);
        }
      }
    }
    expect([...found.keys()].sort()).toEqual(nodes.map((n) => bytesToHex(n.enr.nodeId)).sort());
    expect(requests).toBe(40 * 4);
    // One handshake per crawled node, every table answered, nothing dropped anywhere.
    expect(crawler.endpoint.service.stats.handshakesOut).toBe(40);
    for (const n of nodes) {
      expect(n.endpoint.service.stats.whoareyouSent).toBe(1);
      expect(n.endpoint.service.stats.dropped).toBe(0);
    }
    expect(clock.pending).toBe(0);
  });

  it('with 30 % packet loss every call settles — answered, or a typed timeout — and nothing leaks', async () => {
    const clock = new ManualClock();
    const net = new MemoryUdpNetwork();
    const rng = new Rng(30);
    net.filter = () => rng.int(10) >= 3;
    const nodes = Array.from({ length: 6 }, (_, i) => makeNode(net.bind(`127.0.2.${i + 1}`, 30303), clock));
    for (const n of nodes) for (const m of nodes) n.table.add(m.enr);
    const outcomes: Promise<string>[] = [];
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 6; k++) {
        const from = rng.pick(nodes);
        const to = rng.pick(nodes.filter((n) => n !== from));
        const call =
          k % 3 === 0
            ? from.endpoint.ping(to.enr)
            : k % 3 === 1
              ? from.endpoint.findNode(to.enr, [256, 255, 254])
              : from.endpoint.talkReq(to.enr, 'x', Uint8Array.of(k));
        outcomes.push(call.then(() => 'ok', (e: unknown) => (e instanceof NodeFinderError ? e.kind : `untyped ${String(e)}`)));
      }
      await settle(5);
      for (let t = 0; t < 20; t++) {
        clock.advance(250);
        await settle(5);
      }
    }
    const kinds = await Promise.all(outcomes);
    expect(kinds.filter((k) => k !== 'ok' && k !== 'timeout')).toEqual([]);
    expect(kinds.filter((k) => k === 'ok').length).toBeGreaterThan(kinds.length / 3);
    expect(kinds).toContain('timeout');
    for (const n of nodes) expect(n.endpoint.service.pendingCalls).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
