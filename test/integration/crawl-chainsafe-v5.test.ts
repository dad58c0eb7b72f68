/**
 * Issue #11: the crawler against a small network of @chainsafe/discv5 11.0.0 nodes (Lodestar's
 * discv5) on 127.0.0.1 — an implementation written elsewhere. From one of them as bootnode (its
 * enode URL: key only, its record is asked for first), the crawler's discv5 side finds every node
 * through NODES answers; nodes that ping or FINDNODE the crawler are learned from their sessions
 * ('v5_session'). Their records carry no TCP port and no `eth`: sighted and stored, never dialed.
 * Generous bounds: real sockets on a shared machine.
 */
import { ENR as CsEnr } from '@chainsafe/enr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crawler } from '../../src/crawler/crawler.js';
import { decodeEnrText } from '../../src/enode/enr.js';
import type { CrawlerEvent, DiscoveryAnswerEvent, NodeSeenEvent } from '../../src/events.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { startChainsafe as chainsafe, type ChainsafeNode } from '../discv5/chainsafe-node.js';
import { loopbackCrawler, portBase } from './helpers.js';
import { waitUntil } from './observe.js';

const NODES = 6;

describe(`crawl a network of ${NODES} @chainsafe/discv5 nodes (real UDP, 127.0.0.1)`, { retry: 1 }, () => {
  const nodes: ChainsafeNode[] = [];
  const events: CrawlerEvent[] = [];
  let crawler: Crawler;
  let found = false;
  const ids = () => nodes.map((n) => bytesToHex(n.enr.nodeId));
  const seen = () => events.filter((e): e is NodeSeenEvent => e.type === 'node_seen');

  beforeAll(async () => {
    for (let i = 0; i < NODES; i++) nodes.push(await chainsafe());
    // A settled network: each knows every other.
    for (const a of nodes) for (const b of nodes) if (a !== b) a.node.addEnr(b.enr.toText());
    crawler = loopbackCrawler(1, portBase(), [nodes[0]!.enr.toNodeRecord()!], (e) => events.push(e));
    await crawler.start();
    found = await waitUntil(() => ids().every((id) => seen().some((e) => e.nodeId === id)), 60_000);
  }, 90_000);

  afterAll(async () => {
    await crawler?.stop();
    await Promise.allSettled(nodes.map((n) => n.node.stop()));
  });

  it('finds every node from one bootnode, through NODES answers; they answered over v5', () => {
    const s = seen();
    expect(ids().filter((id) => !s.some((e) => e.nodeId === id))).toEqual([]);
    expect(found).toBe(true);
    // Learned from our NODES requests, or first from a session a node opened with us (it pings a
    // node that handshaked with it); the first sighting of an address names the source.
    for (const id of ids().slice(1)) expect(s.some((e) => e.nodeId === id && (e.source === 'nodes' || e.source === 'v5_session')), id).toBe(true);
    expect(s.filter((e) => e.source === 'nodes').length).toBeGreaterThan(0);
    const answered = events.filter((e): e is DiscoveryAnswerEvent => e.type === 'discovery_answer' && e.protocol === 'v5').map((e) => e.nodeId);
    expect(answered).toContain(ids()[0]);
    // Their records (no eth, no tcp) are stored and never dialed.
    for (const id of ids()) expect(events.some((e) => e.type === 'enr' && e.nodeId === id)).toBe(true);
    expect(events.filter((e) => e.type === 'dial' && e.kind !== 'inbound')).toEqual([]);
  });

  it('they PING and FINDNODE us: answered, and each is learned from its session', async () => {
    const inst = crawler.instances[0]!;
    const ours = CsEnr.decodeTxt(inst.enr!.toText());
    const fresh = await chainsafe();
    try {
      const pong = await fresh.node.sendPing(ours);
      expect(pong.enrSeq).toBe(inst.enr!.seq);
      const table = await fresh.node.sendFindNode(ours, [256, 255, 254, 253]);
      // We relay nodes that answered us (live), at the asked distances only.
      expect(table.length).toBeGreaterThan(0);
      const id = bytesToHex(fresh.enr.nodeId);
      for (const r of table) expect([...ids(), id]).toContain(bytesToHex(decodeEnrText(r.encodeTxt()).nodeId));
      expect(await waitUntil(() => seen().some((e) => e.nodeId === id && e.source === 'v5_session'), 10_000)).toBe(true);
    } finally {
      await fresh.node.stop();
    }
  }, 30_000);
});
