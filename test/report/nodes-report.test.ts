/**
 * `report nodes` on the hand-built dataset (dataset.ts): one row per node active in the window, the
 * JSON contract of DESIGN.md, the RTT per node (lowest per-instance median of rtts.rtt_ms), and the
 * node filters shared with the web list (src/report/node-filter.ts), on both engines.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ReportContext, type ReportOptions } from '../../src/report/context.js';
import { parseNodeFilters, type NodeFilterName } from '../../src/report/node-filter.js';
import { buildReport } from '../../src/report/registry.js';
import { renderReport, REPORT_FORMATS, toJsonObject } from '../../src/report/render/index.js';
import { closeSharedPglite, ENGINES, engineTitle, datasetPerSuite } from '../store/helpers.js';
import { datasetEvents, datasetGeo, NODES, SINCE, UNTIL } from './dataset.js';

afterAll(closeSharedPglite);

const geo = datasetGeo();

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`report nodes on ${engineTitle(engine)}`, () => {
    const db = datasetPerSuite(engine, () => datasetEvents());

    const nodes = async (opts: Partial<ReportOptions> = {}) => {
      const ctx = new ReportContext(db(), { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo, ...opts });
      const j = toJsonObject(await buildReport('nodes', ctx)) as { nodes: Record<string, any>[] };
      return j.nodes;
    };
    const byName = (rows: Record<string, any>[], name: string) => rows.find((r) => r.id === NODES[name]!.id);

    it('one row per node active in the window; abusive IPs and our instances left out', async () => {
      const rows = await nodes();
      // n0–n11 (n10 only inbound) and the loopback l0–l9; not s0–s9 (abusive), not n12/n13 (outside).
      const expected = [...['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10', 'n11'], ...Array.from({ length: 10 }, (_, i) => `l${i}`)];
      expect(rows.map((r) => r.id).sort()).toEqual(expected.map((n) => NODES[n]!.id).sort());
      expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort());
      expect(Object.keys(rows[0]!)).toEqual([
        'id', 'ip', 'tcp_port', 'udp_port', 'client_id', 'client', 'version', 'os', 'network_id', 'fork_id', 'fork_verdict',
        'best_block', 'rtt_ms', 'srtt_ms', 'handshake_ms', 'status_ms', 'dials', 'first_seen', 'last_seen', 'sources',
      ]);
    });

    it('per node: endpoint, client, chain, fork ID, best block, RTT and the times with the node\'s work', async () => {
      const rows = await nodes();
      // n1: I2 dynamic (rtt 60) and I3 static (rtt 90): the nearest instance's median.
      expect(byName(rows, 'n1')).toMatchObject({
        ip: '8.8.8.11', client_id: 'Geth/v1.14.11-stable-bbb/linux-amd64/go1.23.2', client: 'Geth', version: 'v1.14.11-stable-bbb', os: 'linux',
        network_id: '1', fork_verdict: 'compatible', rtt_ms: 60, srtt_ms: 80, handshake_ms: 125, status_ms: 95, dials: 2,
      });
      expect(byName(rows, 'n1')!.fork_id).toEqual({ hash: expect.stringMatching(/^0x[0-9a-f]{8}$/), next: expect.stringMatching(/^\d+$/) });
      expect(byName(rows, 'n3')).toMatchObject({ client: 'Nethermind', best_block: '1000', rtt_ms: 20, dials: 2 });
      expect(byName(rows, 'n4')).toMatchObject({ client: 'erigon', fork_verdict: 'remote_stale', best_block: '500', rtt_ms: 80 });
      expect(byName(rows, 'n5')).toMatchObject({ network_id: '11155111', best_block: '7000', rtt_ms: null });
      // Refused with too_many_peers before HELLO: dialed twice, nothing else known.
      expect(byName(rows, 'n8')).toMatchObject({ client: null, network_id: null, fork_id: null, rtt_ms: null, dials: 2, sources: ['neighbors'] });
      // Discovered, never dialed.
      expect(byName(rows, 'n11')).toMatchObject({ ip: NODES['n11']!.ip, dials: 0, rtt_ms: null, sources: ['neighbors'] });
      // Inbound only.
      expect(byName(rows, 'n10')).toMatchObject({ client: 'Reth', best_block: '1001', rtt_ms: 10 });
      expect(byName(rows, 'n10')!.sources).toContain('inbound');
      for (const r of rows) {
        expect(r.first_seen === null || !Number.isNaN(Date.parse(r.first_seen))).toBe(true);
        expect(r.last_seen === null || !Number.isNaN(Date.parse(r.last_seen))).toBe(true);
      }
    });

    const filtered = (q: Partial<Record<NodeFilterName, string>>) => nodes({ nodeFilters: parseNodeFilters((k) => q[k], UNTIL) });
    const idsOf = (rows: Record<string, any>[]) => rows.map((r) => r.id as string).sort();
    const of = (...names: string[]) => names.map((n) => NODES[n]!.id).sort();

    it('network and client filter by the latest STATUS and HELLO', async () => {
      const ids = async (q: Partial<Record<NodeFilterName, string>>) => idsOf(await filtered(q));
      expect(await ids({ network: 'mainnet' })).toEqual(of('n0', 'n1', 'n2', 'n3', 'n4', 'n10'));
      expect(await ids({ network: 'sepolia' })).toEqual(of('n5'));
      expect(await ids({ network: '11155111' })).toEqual(of('n5'));
      expect(await ids({ client: 'geth' })).toEqual(of('n0', 'n1', 'n2', 'n5', 'n6'));
      expect(await ids({ client: 'Geth', network: 'mainnet' })).toEqual(of('n0', 'n1', 'n2'));
      expect(await ids({ client: 'nosuchclient' })).toEqual([]);
    });

    it('the web list\'s other filters: version prefix, fork verdict, direction, country, AS, seen since', async () => {
      const all = await nodes();
      const expectSubset = async (q: Partial<Record<NodeFilterName, string>>, keep: (r: Record<string, any>) => boolean) => {
        const want = idsOf(all.filter(keep));
        expect(want.length, JSON.stringify(q)).toBeGreaterThan(0);
        expect(want.length, JSON.stringify(q)).toBeLessThan(all.length);
        expect(idsOf(await filtered(q)), JSON.stringify(q)).toEqual(want);
      };
      await expectSubset({ client: 'geth', version: 'v1.14' }, (r) => r.client?.toLowerCase() === 'geth' && r.version?.startsWith('v1.14'));
      expect(idsOf(await filtered({ fork_verdict: 'remote_stale' }))).toEqual(of('n4'));
      await expectSubset({ fork_verdict: 'compatible' }, (r) => r.fork_verdict === 'compatible');
      await expectSubset({ country: 'de' }, (r) => r.ip !== null && geo.lookup(r.ip).country === 'DE');
      await expectSubset({ asn: 'AS24940' }, (r) => r.ip !== null && geo.lookup(r.ip).asn === 24940);
      // A threshold between the rows' last-seen times (nodes.last_seen, or the last connection).
      const seen = all.map((r) => Date.parse(r.last_seen)).filter(Number.isFinite).sort((a, b) => a - b);
      const mid = seen[seen.length - 1]!;
      await expectSubset({ seen_since: new Date(mid).toISOString() }, (r) => r.last_seen !== null && Date.parse(r.last_seen) >= mid);
      // Direction: from the connections in the window, as the database has them.
      const window = [new Date(SINCE), new Date(UNTIL)];
      const byKind = async (inbound: boolean) =>
        (await db().query<{ id: string }>(`SELECT DISTINCT encode(node_id, 'hex') AS id FROM dials WHERE (kind = 'inbound') = $1 AND started_at >= $2 AND started_at < $3 AND node_id IS NOT NULL AND node_id NOT IN (SELECT id FROM instances)`, [inbound, ...window])).map((r) => r.id);
      const byKindInbound = await byKind(true);
      const byKindDialed = await byKind(false);
      await expectSubset({ direction: 'inbound' }, (r) => byKindInbound.includes(r.id));
      await expectSubset({ direction: 'dialed' }, (r) => byKindDialed.includes(r.id));
      expect(byKindInbound).toContain(NODES['n10']!.id);
    });

    it('renders in every format', async () => {
      const ctx = new ReportContext(db(), { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo });
      const report = await buildReport('nodes', ctx);
      for (const format of REPORT_FORMATS) expect(renderReport(report, format).length).toBeGreaterThan(100);
    });
  });
}
