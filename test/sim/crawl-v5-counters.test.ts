/**
 * discv5 activity in the database (discovery_v5_counters): a deterministic simulation of a crawl
 * with discv5 on, over a mixed test network (discv4-only, discv5-only and dual-stack peers), on each
 * engine. The rows the crawl wrote, per instance and summed, equal the Prometheus counter
 * nodefinder_discovery_v5_total at the end of the crawl; every v5 row sits on a minute the same
 * instance reported its discv4 counters for (one timer, one clock); instance_totals agrees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrawlMetrics, LIVE_V5_KINDS } from '../../src/crawler/metrics.js';
import type { V5Counters } from '../../src/crawler/discovery-v5.js';
import type { CrawlerEvent } from '../../src/events.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, type TestDb } from '../store/helpers.js';
import { Simulation } from './harness.js';
import { gauges } from '../crawler/crawl-gauges.js';

afterAll(closeSharedPglite);

/** Simulated crawl time: several minute boundaries (and a partial minute at the stop). */
const CRAWL_MS = 3 * 60_000 + 25_000;

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`discv5 counters of a simulated crawl on ${engineTitle(engine)}`, () => {
    let test: TestDb;
    let run: Simulation;
    let metricText = '';
    let live: (V5Counters | undefined)[] = [];
    const q = <R extends Record<string, unknown>>(sql: string) => run.db.query<R>(sql);

    beforeAll(async () => {
      await warmUp();
      test = await engine.fresh();
      run = await Simulation.start({
        seed: 5,
        peers: 24,
        instances: 2,
        db: test.db,
        testnet: { discv5Fraction: 0.4, v5OnlyFraction: 0.2 },
      });
      await run.advance(CRAWL_MS, 250);
      await run.stop();
      live = run.crawler.instances.map((i) => i.discoveryV5Counters());
      const { registry } = createCrawlMetrics(gauges(undefined, () => live));
      metricText = registry.render();
    }, 600_000);

    afterAll(async () => {
      await run?.stop();
      await test?.dispose();
    });

    it('the stored rows sum to the nodefinder_discovery_v5_total counters', async () => {
      const [sums] = await q<Record<string, number>>(
        `SELECT ${Object.keys(LIVE_V5_KINDS).map((k) => `coalesce(sum(${k}), 0)::int AS ${k}`).join(', ')}, count(*)::int AS n FROM discovery_v5_counters`,
      );
      expect(sums!['n']).toBeGreaterThanOrEqual(2 * 4);
      for (const kind of Object.keys(LIVE_V5_KINDS)) {
        const m = new RegExp(`^nodefinder_discovery_v5_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(metricText);
        expect(m, kind).not.toBeNull();
        expect(sums![kind], kind).toBe(Number(m![1]));
      }
      // Not a crawl of zeros: discv5 looked up, asked and learned.
      expect(sums!['lookups']).toBeGreaterThan(0);
      expect(sums!['findnode_sent']).toBeGreaterThan(0);
      expect(sums!['records_learned']).toBeGreaterThan(0);
    });

    it('per instance, the rows equal that instance’s counters, and instance_totals has the same sums', async () => {
      const rows = await q<Record<string, string | number>>(
        `SELECT encode(c.instance_id, 'hex') AS instance, ${Object.keys(LIVE_V5_KINDS).map((k) => `sum(c.${k})::int AS ${k}`).join(', ')},
                max(t.v5_lookups)::int AS t_lookups, max(t.v5_findnode_sent)::int AS t_findnode_sent,
                max(t.v5_nodes_received)::int AS t_nodes_received, max(t.v5_records_learned)::int AS t_records_learned
           FROM discovery_v5_counters c JOIN instance_totals t ON t.instance_id = c.instance_id GROUP BY 1`,
      );
      const instances = run.crawler.instances;
      expect(rows.length).toBe(instances.length);
      for (const [i, inst] of instances.entries()) {
        const row = rows.find((r) => r['instance'] === inst.idHex)!;
        const c = live[i]!;
        for (const [kind, field] of Object.entries(LIVE_V5_KINDS)) expect(row[kind], `${inst.idHex.slice(0, 8)} ${kind}`).toBe(c[field]);
        for (const k of ['lookups', 'findnode_sent', 'nodes_received', 'records_learned']) expect(row[`t_${k}`]).toBe(row[k]);
      }
    });

    it('every v5 row is on a minute boundary the instance reported discv4 counters for', async () => {
      const key = (e: CrawlerEvent) => (e.type === 'discovery_counters' || e.type === 'discovery_v5_counters' ? `${e.instance}|${e.minute}` : '');
      const v4 = new Set(run.events.filter((e) => e.type === 'discovery_counters').map(key));
      const v5 = run.events.filter((e) => e.type === 'discovery_v5_counters').map(key);
      expect(v5.length).toBe(v4.size);
      expect(new Set(v5)).toEqual(v4);
      const stored = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM discovery_v5_counters v
           WHERE extract(second FROM v.minute) = 0
             AND EXISTS (SELECT 1 FROM discovery_counters d WHERE d.instance_id = v.instance_id AND d.minute = v.minute)`,
      );
      const [all] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM discovery_v5_counters`);
      expect(stored[0]!.n).toBe(all!.n);
      // In the day's partition, none in the default one.
      const [stray] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM discovery_v5_counters_default`);
      expect(stray!.n).toBe(0);
    });
  });
}
