/**
 * `report nodes` on the hand-built dataset (dataset.ts): one row per node active in the window, the
 * JSON contract of DESIGN.md, the RTT per node (lowest per-instance median of rtts.rtt_ms), and the
 * --network / --client filters, on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportContext, type ReportOptions } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { renderReport, REPORT_FORMATS, toJsonObject } from '../../src/report/render/index.js';
import { migrate } from '../../src/store/migrations.js';
import { EventWriter } from '../../src/store/writer.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, type TestDb } from '../store/helpers.js';
import { datasetEvents, datasetGeo, NODES, SINCE, UNTIL } from './dataset.js';

afterAll(closeSharedPglite);

const geo = datasetGeo();

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`report nodes on ${engineTitle(engine)}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      await warmUp();
      t = await engine.fresh();
      await migrate(t.db);
      const writer = await EventWriter.open(t.db, { journalDir: null });
      writer.writeMany(datasetEvents());
      expect(await writer.flush()).toBe(true);
      await writer.close();
    }, 120_000);
    afterAll(async () => {
      await t?.dispose();
    });

    const nodes = async (opts: Partial<ReportOptions> = {}) => {
      const ctx = new ReportContext(t.db, { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo, ...opts });
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

    it('--network and --client filter by the latest STATUS and HELLO', async () => {
      const ids = async (opts: Partial<ReportOptions>) => (await nodes(opts)).map((r) => r.id).sort();
      const of = (...names: string[]) => names.map((n) => NODES[n]!.id).sort();
      expect(await ids({ networkFilter: 'mainnet' })).toEqual(of('n0', 'n1', 'n2', 'n3', 'n4', 'n10'));
      expect(await ids({ networkFilter: 'sepolia' })).toEqual(of('n5'));
      expect(await ids({ client: 'geth' })).toEqual(of('n0', 'n1', 'n2', 'n5', 'n6'));
      expect(await ids({ client: 'Geth', networkFilter: 'mainnet' })).toEqual(of('n0', 'n1', 'n2'));
      expect(await ids({ client: 'nosuchclient' })).toEqual([]);
    });

    it('renders in every format', async () => {
      const ctx = new ReportContext(t.db, { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo });
      const report = await buildReport('nodes', ctx);
      for (const format of REPORT_FORMATS) expect(renderReport(report, format).length).toBeGreaterThan(100);
    });
  });
}
