/**
 * Every report on the hand-built dataset (dataset.ts) with known answers, on both engines (embedded
 * PGlite always; Postgres when TEST_DATABASE_URL is reachable). The dataset's header lists the
 * crawl; the expected numbers below are derived from it by hand.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ReportContext, type ReportOptions } from '../../src/report/context.js';
import { parseExternalList } from '../../src/report/external-list.js';
import { buildReport, REPORT_NAMES } from '../../src/report/registry.js';
import { renderReport, REPORT_FORMATS, toJsonObject } from '../../src/report/render/index.js';
import { poissonInterval } from '../../src/report/stats.js';
import { runReportQuery } from '../../src/report/sql.js';
import { closeSharedPglite, ENGINES, engineTitle, datasetPerSuite } from '../store/helpers.js';
import { datasetEvents, datasetGeo, externalEnodes, I1, SINCE, UNTIL } from './dataset.js';

afterAll(closeSharedPglite);

const geo = datasetGeo();

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`reports on ${engineTitle(engine)}`, () => {
    const db = datasetPerSuite(engine, () => datasetEvents());

    const ctx = (opts: Partial<ReportOptions> = {}) => new ReportContext(db(), { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo, ...opts });
    const data = async (name: Parameters<typeof buildReport>[0], opts: Partial<ReportOptions> = {}) =>
      toJsonObject(await buildReport(name, ctx(opts))) as Record<string, any>;

    it('snapshot: nodes per stage, abusive IP excluded by default', async () => {
      const j = await data('snapshot');
      expect(j.nodes).toEqual({ discovered: 21, dialed: 10, responded: 9, inbound: 1, hello: 9, status: 7, mainnet: 5 });
      expect(j.excluded_abusive).toEqual({ node_ids: 10, ips: ['45.10.20.30'] });
      expect(j.non_productive).toEqual({ mainnet: 5, mainnet_fork_mismatch: 1, other_network: 1, no_eth: 1, useless_peer: 1 });
      expect(j.clients).toEqual([
        { client: 'Geth', count: 5, mainnet: 3 },
        { client: 'Nethermind', count: 1, mainnet: 1 },
        { client: 'Reth', count: 1, mainnet: 1 },
        { client: 'besu', count: 1, mainnet: 0 },
        { client: 'erigon', count: 1, mainnet: 0 },
      ]);
      expect(j.disconnects).toEqual([
        { reason: 'too_many_peers', count: 2, nodes: 1 },
        { reason: 'useless_peer', count: 1, nodes: 1 },
      ]);
      expect(j.latency_ms.p50).toBeCloseTo(50, 6);
      expect(j.latency_ms.p90).toBeCloseTo(90, 6);
      expect(j.latency_ms.nodes).toBe(6);
      expect(j.freshness).toMatchObject({ head: 1000, nodes: 6, with_block: 6, inferred: 1, p50_behind: 0, p90_behind: 255 });
      expect(j.countries.map((c: any) => [c.country, c.count, c.hello, c.mainnet])).toEqual([
        ['reserved', 10, 0, 0],
        ['US', 5, 3, 3],
        ['AU', 4, 3, 0],
        ['DE', 3, 3, 2],
      ]);
      expect(j.networks.map((n: any) => [n.network, n.nodes])).toEqual([
        ['mainnet', 6],
        ['sepolia', 1],
      ]);
    });

    it('snapshot --include-abusive counts the abusive IP too', async () => {
      const j = await data('snapshot', { includeAbusive: true });
      expect(j.nodes).toEqual({ discovered: 31, dialed: 11, responded: 10, inbound: 1, hello: 10, status: 8, mainnet: 6 });
      expect(j.excluded_abusive.node_ids).toBe(0);
      expect(j.clients[0]).toEqual({ client: 'Geth', count: 6, mainnet: 4 });
    });

    it('the stage counts agree with window-nodes (two queries, one truth)', async () => {
      const c = ctx();
      const { loadWindowNodes } = await import('../../src/report/geo-report.js');
      const ips = await loadWindowNodes(c);
      const sum = (k: 'nodes' | 'discovered' | 'dialed' | 'responded' | 'inbound' | 'hello' | 'status' | 'mainnet') => ips.reduce((s, r) => s + r[k], 0);
      expect([sum('nodes'), sum('discovered'), sum('dialed'), sum('responded'), sum('inbound'), sum('hello'), sum('status'), sum('mainnet')]).toEqual([22, 21, 10, 9, 1, 9, 7, 5]);
      // …and snapshot-stages, the Grafana form of the same counts, agrees
      const { loadStages } = await import('../../src/report/snapshot.js');
      expect(await loadStages(c)).toEqual({ discovered: 21, dialed: 10, responded: 9, inbound: 1, hello: 9, status: 7, mainnet: 5, excluded: 13 });
      // the inbound peer is placed by the address of its HELLO listen port; loopback holds ten IDs
      expect(ips.find((r) => r.ip === '8.8.8.20')).toMatchObject({ nodes: 1, discovered: 0, hello: 1, mainnet: 1 });
      expect(ips.find((r) => r.ip === '127.0.0.1')).toMatchObject({ nodes: 10, discovered: 10 });
      expect(ips.some((r) => r.ip === '45.10.20.30')).toBe(false); // the abusive IP is excluded
    });

    it('clients: releases, OS, runtimes', async () => {
      const j = await data('clients');
      expect(j.nodes).toBe(9);
      expect(j.releases.slice(0, 2)).toEqual([
        { release: 'Geth 1.14.11', count: 3, mainnet: 2 },
        { release: 'Geth 1.13.0', count: 1, mainnet: 0 },
      ]);
      const runtime = j.sections.find((s: any) => s.id === 'client-runtime').rows.map((r: any) => [r.key, r.nodes]);
      expect(runtime).toEqual([
        ['go', 6],
        ['(unknown)', 1],
        ['dotnet', 1],
        ['openjdk', 1],
      ]);
    });

    it('countries and asns label private/reserved addresses, never as a country', async () => {
      const c = await data('countries');
      expect(c.nodes).toBe(22);
      expect(c.countries.find((x: any) => x.country === 'DE')).toMatchObject({ count: 3, discovered: 3, hello: 3, status: 3, mainnet: 2 });
      const a = await data('asns');
      expect(a.asns.map((x: any) => [x.asn, x.org, x.count])).toEqual([
        ['reserved', 'reserved (loopback)', 10],
        ['AS15169', 'Google LLC', 5],
        ['AS13335', 'Cloudflare, Inc.', 4],
        ['AS24940', 'Hetzner Online GmbH', 3],
      ]);
    });

    it('latency: direct RTT quantiles and triangle-inequality pair bounds', async () => {
      const j = await data('latency');
      expect(j.latency_ms).toMatchObject({ nodes: 6 });
      expect(j.latency_ms.p50).toBeCloseTo(50, 6);
      expect(j.pairs).toMatchObject({ count: 6, vantage_points: 3, hosts: 2 });
      // pairs (lower, upper): n0–n2 (60,140) n0–n10 (30,50) n2–n10 (90,110) n1–n3 (60,80) n1–n4 (10,170) n3–n4 (50,110)
      expect(j.pairs.lower_p50_ms).toBeCloseTo(55, 6);
      expect(j.pairs.upper_p50_ms).toBeCloseTo(110, 6);
      expect(j.nodes_by_vantage_count).toEqual({ '1': 4, '2': 2 });
      const byCountry = j.sections.find((s: any) => s.id === 'latency-countries').rows;
      expect(byCountry.map((r: any) => [r.key, r.nodes, r.p50])).toEqual([
        ['DE', 3, 80],
        ['US', 3, 40],
      ]);
    });

    it('freshness: robust head, lags, inferred block numbers', async () => {
      const j = await data('freshness');
      expect(j.freshness).toEqual({ head: 1000, head_k: 2, nodes: 6, with_block: 6, inferred: 1, p50_behind: 0, p90_behind: 255 });
      const rows = j.sections.find((s: any) => s.id === 'freshness').rows.map((r: any) => [r.key, r.nodes]);
      expect(rows).toEqual([
        ['at head', 4],
        ['1–2', 0],
        ['3–10', 1],
        ['11–100', 0],
        ['101–1000', 1],
        ['1001–100000', 0],
        ['more', 0],
      ]);
    });

    it('client-age: releases behind the newest seen', async () => {
      const j = await data('client-age', { releaseMinNodes: 1 });
      const geth = j.client_age.find((c: any) => c.client === 'Geth');
      expect(geth).toEqual({ client: 'Geth', newest: '1.15.0', releases: 4, nodes: 5, unknown: 0, behind: { '1': 3, '2': 1, '3': 1 } });
      expect(j.client_age.find((c: any) => c.client === 'Nethermind')).toMatchObject({ newest: '1.29.1', behind: { '0': 1 } });
      // A release needs two nodes by default: Geth 1.15.0 (one node) and 1.14.10 do not count.
      const strict = await data('client-age');
      expect(strict.client_age.find((c: any) => c.client === 'Geth')).toMatchObject({ newest: '1.14.11', releases: 1, behind: { '0': 3, '1': 2 } });
      expect(strict.client_age.find((c: any) => c.client === 'Nethermind')).toMatchObject({ newest: null, unknown: 1 });
    });

    it('disconnects: received and sent reasons, by client, outcomes', async () => {
      const j = await data('disconnects');
      expect(j.disconnects).toEqual([
        { reason: 'too_many_peers', count: 2, nodes: 1 },
        { reason: 'useless_peer', count: 1, nodes: 1 },
      ]);
      expect(j.sent).toEqual([
        { reason: 'client_quitting', count: 1, nodes: 1 },
        { reason: 'useless_peer', count: 1, nodes: 1 },
      ]);
      const byClient = j.sections.find((s: any) => s.id === 'disconnects-by-client');
      expect(byClient.rows).toEqual([
        { client: '(before HELLO)', r0: 1 /* too_many_peers */ * 2, r1: 0 },
        { client: 'besu', r0: 0, r1: 1 },
      ]);
      const refused = j.outcomes.filter((o: any) => o.error_kind === 'connection_refused');
      expect(refused).toEqual([
        { kind: 'dynamic', outcome: 'error', error_kind: 'connection_refused', count: 1, nodes: 1 },
        { kind: 'static', outcome: 'error', error_kind: 'connection_refused', count: 1, nodes: 1 },
      ]);
    });

    it('abusive: the public IP is flagged and excluded, loopback is exempt', async () => {
      const j = await data('abusive');
      expect(j.abusive_ips).toEqual([{ ip: '45.10.20.30', node_ids: 10, new_node_ids: 10, hello_node_ids: 1 }]);
      expect(j.exempt_ips).toEqual([{ ip: '127.0.0.1', node_ids: 10, new_node_ids: 10, hello_node_ids: 0 }]);
      expect(j.excluded_node_ids).toBe(10);
      const none = await data('abusive', { abusiveMinIds: 11 });
      expect(none.abusive_ips).toEqual([]);
      expect(none.excluded_node_ids).toBe(0);
    });

    it('size: Schnabel and Chao estimates, exact coverage curve', async () => {
      const j = await data('size');
      const s = j.size_estimate;
      expect(s.observed).toBe(21);
      expect(s.instances).toBe(3);
      // I1 = 6, I2 = 15 (2 recaptured), I3 = 3 (1 recaptured): ΣCM = 15·6 + 3·19 = 147, ΣR = 3
      expect(s.estimates.schnabel.estimate).toBeCloseTo(147 / 4, 9);
      const pi = poissonInterval(3);
      expect(147 / pi.upper).toBeLessThan(21); // the interval never goes below the 21 nodes observed
      expect(s.estimates.schnabel.lower).toBe(21);
      expect(s.estimates.schnabel.upper).toBeCloseTo(147 / pi.lower, 9);
      // f1 = 19, f2 = 1, k = 3: 21 + (2/3)·19²/2
      expect(s.estimates.chao.estimate).toBeCloseTo(21 + (2 / 3) * (361 / 2), 9);
      expect(s.estimates.chapman).toBeUndefined();
      expect(s.coverage_curve[0]).toBeCloseTo(8, 9);
      expect(s.coverage_curve[1]).toBeCloseTo(44 / 3, 9);
      expect(s.coverage_curve[2]).toBeCloseTo(21, 9);
    });

    it('coverage: per instance, and overlap with an external enode list', async () => {
      const external = parseExternalList(externalEnodes(), 'nodes.txt');
      const j = await data('coverage', { external });
      expect(j.external).toEqual({ external: 5, known_ever: 4, discovered: 3, dialed: 2, reached: 2, status: 2, ours: 32, ours_not_external: 29, unreached: 2 });
      const inst = j.sections.find((s: any) => s.id === 'instances').rows;
      expect(inst.map((r: any) => [r.nodes, r.unique])).toEqual([
        [6, 4],
        [15, 13],
        [3, 2],
      ]);
      expect(inst[0].instance.startsWith(I1.slice(0, 8))).toBe(true);
    });

    it('longitudinal: per-day discovery, dials, nodes and release popularity', async () => {
      const j = await data('longitudinal', { since: SINCE - 86_400_000, until: UNTIL + 86_400_000 });
      const day = (d: number) => j.buckets.find((b: any) => b.bucket_ms === SINCE + d * 86_400_000);
      expect(j.buckets.length).toBe(3);
      expect(day(-1)).toEqual({ bucket_ms: SINCE - 86_400_000, findnode_sent: 3, v5_findnode_sent: 4, v5_lookups: 1, v5_records_learned: 12, dynamic_dials: 1, static_dials: 0, inbound: 0, nodes_attempted: 1, nodes_responded: 1, new_nodes: 1, hello_nodes: 1, status_nodes: 1 });
      expect(day(0)).toEqual({ bucket_ms: SINCE, findnode_sent: 12, v5_findnode_sent: 17, v5_lookups: 3, v5_records_learned: 51, dynamic_dials: 11, static_dials: 4, inbound: 1, nodes_attempted: 11, nodes_responded: 10, new_nodes: 32, hello_nodes: 10, status_nodes: 8 });
      expect(day(1)).toMatchObject({ findnode_sent: 0, dynamic_dials: 0, new_nodes: 1 });
      const rel = j.sections.find((s: any) => s.id === 'release-popularity');
      expect(rel.columns[1].label).toBe('Geth 1.14.11');
      expect(rel.rows[1].v0).toBe(4);
      // RTT per day (longitudinal-rtt.sql): nodes 10, 20, 40, 60, 80, 100 ms → p50 in 40's bucket, p90 in 100's.
      expect(j.rtt).toHaveLength(1);
      expect(j.rtt[0]).toMatchObject({ day_ms: SINCE, nodes: 6 });
      expect(j.rtt[0].p50_ms).toBeCloseTo(2 ** (21.5 / 4), 6);
      expect(j.rtt[0].p90_ms).toBeCloseTo(2 ** (26.5 / 4), 6);
      const hourly = await data('longitudinal', { bucket: 'hour' });
      expect(hourly.buckets.length).toBe(24);
      expect(hourly.buckets[13]).toMatchObject({ dynamic_dials: 11, static_dials: 0 });
      // discv5 beside v4: 12:00 has both, 15:00 v5 only (I3).
      expect(hourly.buckets[12]).toMatchObject({ findnode_sent: 12, v5_findnode_sent: 8, v5_lookups: 2 });
      expect(hourly.buckets[15]).toMatchObject({ findnode_sent: 0, v5_findnode_sent: 9, v5_records_learned: 27 });
      const rows = await runReportQuery<Record<string, number>>(db(), 'longitudinal-discovery', { since: new Date(SINCE).toISOString(), until: new Date(UNTIL).toISOString(), bucket: '1 day' });
      expect(rows).toEqual([
        {
          bucket_ms: SINCE, findnode_sent: 12, neighbors_received: 12, nodes_learned: 192, new_nodes: 2, pings_sent: 4, pongs_received: 4, instances: 2,
          v5_lookups: 3, v5_findnode_sent: 17, v5_nodes_received: 14, v5_records_learned: 51, v5_pings_sent: 6, v5_pongs_received: 3,
          v5_sessions_in: 3, v5_requests_answered: 12, v5_dropped: 3, v5_instances: 2,
        },
      ]);
    });

    it('every report renders in every format, and an empty window gives zeros, not errors', async () => {
      for (const name of REPORT_NAMES) {
        const report = await buildReport(name, ctx());
        for (const format of REPORT_FORMATS) expect(renderReport(report, format).length).toBeGreaterThan(100);
        const empty = await buildReport(name, ctx({ since: Date.UTC(2030, 0, 1), until: Date.UTC(2030, 0, 2) }));
        for (const format of REPORT_FORMATS) expect(renderReport(empty, format).length).toBeGreaterThan(20);
      }
      const snap = toJsonObject(await buildReport('snapshot', ctx({ since: Date.UTC(2030, 0, 1), until: Date.UTC(2030, 0, 2) }))) as Record<string, any>;
      expect(snap.nodes).toEqual({ discovered: 0, dialed: 0, responded: 0, inbound: 0, hello: 0, status: 0, mainnet: 0 });
      expect(snap.latency_ms).toEqual({ p50: null, p90: null, p99: null, nodes: 0 });
    });
  });
}
