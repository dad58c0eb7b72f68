/**
 * Issue 9's proof for the fork schedule: a crawl of real @ethereumjs/devp2p peers (their Common
 * knows mainnet up to BPO2 and announces 0x07c9462e) by a NodeFinder given a --fork-schedule that
 * lacks BPO2. Every STATUS and RTT is recorded, no peer disconnects us for our STATUS (we answer
 * with theirs), the crawl warns once that its schedule is stale, and the snapshot's fork_ids entry
 * for 0x07c9462e says local_stale.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISCONNECT_REASON } from '@ethereumjs/devp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadForkSchedule } from '../../src/cli/crawl.js';
import { LocalStaleWatch } from '../../src/crawler/fork-watch.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import { ReportContext } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { toJsonObject } from '../../src/report/render/index.js';
import { startEjsNode, type EjsNode } from '../interop/ethereumjs-node.js';
import { portBase } from './helpers.js';
import { hexId, startCrawlRun, waitUntil, type ObservedCrawl } from './observe.js';

const PEERS = 3;

describe('crawl with a fork schedule missing BPO2', () => {
  const nodes: EjsNode[] = [];
  const warnings: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'nf-stale-schedule-'));
  let run: ObservedCrawl;

  beforeAll(async () => {
    // mainnet's genesis.json config as geth had it before BPO2 was scheduled
    const file = join(dir, 'genesis.json');
    const times = Object.fromEntries(NETWORKS.mainnet.timeForks.filter((f) => f.name !== 'bpo2').map((f) => [`${f.name}Time`, f.time]));
    writeFileSync(file, JSON.stringify({ config: { chainId: 1, homesteadBlock: 1_150_000, ...times }, alloc: {} }));
    const network = loadForkSchedule(file, NETWORKS.mainnet);
    expect(network.timeForks.map((f) => f.name)).toEqual(['shanghai', 'cancun', 'prague', 'osaka', 'bpo1']);

    for (let i = 0; i < PEERS; i++) nodes.push(await startEjsNode({ withDpt: true }));
    // a warning needs LOCAL_STALE_WARN_MIN_NODES judged peers by default; three are plenty here
    const watch = new LocalStaleWatch('mainnet', (l) => warnings.push(l), PEERS);
    run = await startCrawlRun({ instances: 1, port: portBase(), bootnodes: nodes.map((n) => n.node), netrestrict: LOOPBACK_ONLY, network, sinks: [watch.consume] });
    const stats = run.crawler.stats;
    await waitUntil(() => nodes.every((n) => run.dialsByNode.get(hexId(n.node.id))?.some((d) => d.status !== null)), 60_000);
    await waitUntil(() => nodes.every((n) => n.removed.length > 0), 15_000);
    expect(stats.distinctStatus).toBeGreaterThanOrEqual(PEERS);
    await run.stop();
  }, 120_000);

  afterAll(async () => {
    await run?.stop();
    await run?.db.close();
    for (const n of nodes) n.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every STATUS (verdict local_stale) and an RTT for every peer', async () => {
    const rows = await run.db.query<{ node: string; hash: string; next: string; verdict: string; rtt: number | null }>(
      `SELECT encode(s.node_id, 'hex') AS node, encode(s.fork_hash, 'hex') AS hash, s.fork_next::text AS next, s.fork_verdict::text AS verdict, r.srtt_ms AS rtt
         FROM statuses s LEFT JOIN rtts r USING (dial_id, started_at)`,
    );
    for (const n of nodes) {
      const mine = rows.filter((r) => r.node === hexId(n.node.id));
      expect(mine.length, 'STATUS recorded').toBeGreaterThan(0);
      for (const r of mine) {
        expect(r).toMatchObject({ hash: '07c9462e', next: '0', verdict: 'local_stale' });
        expect(r.rtt, 'RTT recorded').not.toBeNull();
      }
    }
  });

  it('no peer disconnected us: each accepted our STATUS (its own fork ID) and saw us leave politely', async () => {
    for (const n of nodes) {
      const dials = run.dialsByNode.get(hexId(n.node.id)) ?? [];
      expect(dials.flatMap((d) => d.disconnects.filter((x) => x.direction === 'received'))).toEqual([]);
      expect(dials.every((d) => d.errorKind === null)).toBe(true);
      expect(n.statuses.length).toBeGreaterThan(0);
      for (const s of n.statuses) expect(Buffer.from(s.forkId[0]!).toString('hex')).toBe('07c9462e');
      expect(n.removed.map((x) => x.reason)).toContain(DISCONNECT_REASON.CLIENT_QUITTING);
      expect(n.errors.filter((e) => !/timeout/i.test(String(e)))).toEqual([]);
    }
  });

  it('the crawl warned once that our schedule is stale', () => {
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: \d+ of \d+ mainnet peers \(100 %\).*0x07c9462e\/0.*--fork-schedule/);
  });

  it("the snapshot's fork_ids entry for 0x07c9462e says local_stale", async () => {
    const now = Date.now();
    const ctx = new ReportContext(run.db, { since: now - 86_400_000, until: now + 60_000, generatedAt: now });
    const j = toJsonObject(await buildReport('snapshot', ctx)) as Record<string, any>;
    expect(j.fork_ids).toEqual([{ hash: '0x07c9462e', next: '0', nodes: PEERS, verdict: 'local_stale', network: 'mainnet' }]);
    // Up-to-date peers still count as mainnet: their fork is newer than our schedule, not another chain.
    expect(j.nodes.mainnet).toBe(PEERS);
  });
});
