/**
 * The crawler against a small network of real @ethereumjs/devp2p nodes (DPT + RLPx + ETH) on
 * 127.0.0.1 that bootstrapped off each other: we know only the first one; the others must come
 * from its NEIGHBORS. Every node's HELLO and STATUS end up in the database, and the full one
 * (maxPeers 0, which ethereumjs refuses after HELLO) as too_many_peers.
 */
import { DISCONNECT_REASON } from '@ethereumjs/devp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { EJS_BEST_BLOCK, EJS_CLIENT_ID, startEjsNode, type EjsNode } from '../interop/ethereumjs-node.js';
import { portBase } from './helpers.js';
import { hexId, spySockets, startCrawlRun, waitUntil, type ObservedCrawl, type SocketSpy } from './observe.js';

const HEALTHY = 4;

describe('crawl a network of @ethereumjs/devp2p peers', () => {
  const nodes: EjsNode[] = [];
  let full: EjsNode;
  let run: ObservedCrawl;
  let spy: SocketSpy;
  const healthy = () => nodes.filter((n) => n !== full);
  const q = <R extends Record<string, unknown>>(sql: string) => run.db.query<R>(sql);

  beforeAll(async () => {
    spy = spySockets();
    for (let i = 0; i < HEALTHY; i++) nodes.push(await startEjsNode({ withDpt: true }));
    full = await startEjsNode({ withDpt: true, maxPeers: 0 });
    nodes.push(full);
    // Each pings the first (which pings back and adds it), so the first knows them all.
    const hub = nodes[0]!;
    for (const n of nodes.slice(1)) await n.dpt!.addPeer({ address: '127.0.0.1', udpPort: hub.node.udpPort, tcpPort: hub.node.tcpPort });
    await waitUntil(() => hub.dpt!.numPeers() === nodes.length - 1, 10_000);
    expect(hub.dpt!.numPeers()).toBe(nodes.length - 1);

    run = await startCrawlRun({ instances: 2, port: portBase(), bootnodes: [hub.node], netrestrict: LOOPBACK_ONLY });
    const stats = run.crawler.stats;
    await waitUntil(() => healthy().every((n) => stats.hasHello(hexId(n.node.id))) && stats.tooManyPeers > 0, 30_000);
    // ethereumjs reports a peer as removed once it processed our DISCONNECT and the socket closed.
    await waitUntil(() => healthy().every((n) => n.removed.length > 0), 10_000);
    await run.stop();
  }, 90_000);

  afterAll(async () => {
    await run?.stop();
    await run?.db.close();
    for (const n of nodes) n.close();
    spy?.restore();
  });

  it('learns the other nodes from NEIGHBORS, not only the bootnode', async () => {
    const rows = await q<{ node: string; source: string }>(`SELECT encode(node_id, 'hex') AS node, first_source::text AS source FROM addresses`);
    for (const n of nodes.slice(1)) {
      const sources = rows.filter((r) => r.node === hexId(n.node.id)).map((r) => r.source);
      expect(sources.length, 'address recorded').toBeGreaterThan(0);
      expect(sources).not.toContain('bootnode');
    }
    const boot = rows.filter((r) => r.node === hexId(nodes[0]!.node.id)).map((r) => r.source);
    expect(boot).toContain('bootnode');
    const [t] = await q<{ n: number }>(`SELECT sum(neighbors_received)::int AS n FROM instance_totals`);
    expect(t!.n).toBeGreaterThan(0);
  });

  it('records HELLO and STATUS of every healthy node in the database', async () => {
    const rows = await q<{ node: string; client_id: string; caps: string[]; eth_version: number; network_id: string; verdict: string; best: string | null }>(
      `SELECT encode(h.node_id, 'hex') AS node, h.client_id, h.caps, s.eth_version, s.network_id::text AS network_id,
              s.fork_verdict::text AS verdict, s.best_block::text AS best
         FROM hellos h JOIN statuses s USING (dial_id, started_at) JOIN dials d USING (dial_id, started_at) WHERE d.kind = 'dynamic'`,
    );
    for (const n of healthy()) {
      const r = rows.find((x) => x.node === hexId(n.node.id));
      expect(r, 'STATUS recorded').toBeDefined();
      expect(r).toMatchObject({ client_id: EJS_CLIENT_ID, caps: ['eth/66', 'eth/67', 'eth/68'], eth_version: 68, network_id: '1', verdict: 'compatible' });
      // Learned with a GetBlockHeaders for the best hash, which ethereumjs answered.
      expect(r!.best).toBe(String(EJS_BEST_BLOCK));
      // It accepted our STATUS, and we left politely.
      expect(n.statuses.length).toBeGreaterThan(0);
      expect(n.removed.map((x) => x.reason)).toContain(DISCONNECT_REASON.CLIENT_QUITTING);
    }
    const [last] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM nodes WHERE last_status_at IS NOT NULL`);
    expect(last!.n).toBeGreaterThanOrEqual(HEALTHY);
  });

  it('records the full node as too_many_peers', async () => {
    const id = hexId(full.node.id);
    const rows = await q<{ node: string; outcome: string; reason: string; direction: string }>(
      `SELECT encode(d.node_id, 'hex') AS node, d.outcome::text AS outcome, x.reason::text AS reason, x.direction::text AS direction
         FROM dials d JOIN disconnects x USING (dial_id, started_at)`,
    );
    const mine = rows.filter((r) => r.node === id);
    // ethereumjs refuses after the HELLO exchange: outcome hello, DISCONNECT too_many_peers received.
    expect(mine).toContainEqual({ node: id, outcome: 'hello', reason: 'too_many_peers', direction: 'received' });
    const marked = await q<{ node: string }>(`SELECT encode(id, 'hex') AS node FROM nodes WHERE last_too_many_peers_at IS NOT NULL`);
    expect(marked.map((r) => r.node)).toEqual([id]);
    expect(full.statuses).toHaveLength(0);
  });

  it('talks to nothing outside loopback, and no ethereumjs node reported an error', () => {
    expect(spy.outsideLoopback()).toEqual([]);
    for (const n of nodes) expect(n.errors.filter((e) => !/timeout/i.test(String(e)))).toEqual([]);
  });
});
