/**
 * Grafana dashboards (dashboards/): the committed JSON is what the generator produces, the data source
 * matches the provisioning file, the layout is sound — and every panel's SQL, after Grafana's
 * variables and macros, runs against the migrated schema with the report tests' hand-built crawl
 * (test/report/dataset.ts) on PGlite and on Postgres (TEST_DATABASE_URL), with known answers for the
 * panels whose numbers the reports already pin down. No panel can break silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DASHBOARDS, REPORTS_NOT_ON_DASHBOARDS } from '../../dashboards/definitions.js';
import { generateDashboardFiles } from '../../dashboards/generate.js';
import { DATASOURCE, GRID_COLUMNS, SCHEMA_VERSION } from '../../dashboards/grafana.js';
import { geoTablesLoadedFrom, loadGeoTables, parseGeoCsv, splitCsvLine } from '../../dashboards/geo/tables.js';
import { GRAFANA_PARAMS } from '../../dashboards/queries.js';
import { reportSqlDir } from '../../src/report/sql.js';
import { closeSharedPglite, ENGINES, engineTitle, freshWithEvents, type TestDb } from '../store/helpers.js';
import { datasetEvents, SINCE, UNTIL } from '../report/dataset.js';
import { expandGrafanaSql, parseGrafanaInterval } from './grafana-macros.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const jsonDir = join(repo, 'dashboards', 'json');

interface Target {
  rawSql: string;
  format: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  interval?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; current: { value: string } }[] };
}

const committed: Dashboard[] = readdirSync(jsonDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(jsonDir, f), 'utf8')) as Dashboard);

/** The same ranges as test/report/dataset.ts datasetGeo(), in the text CSV format ip-location-db ships. */
const GEO_CSV = {
  country: ['1.0.0.0,1.0.0.255,AU\n5.9.0.0,5.9.255.255,DE\n8.8.8.0,8.8.8.255,US\n45.10.20.0,45.10.20.255,NL\n', '2a01:4f8::,2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff,DE\n'],
  asn: [
    '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n5.9.0.0,5.9.255.255,24940,Hetzner Online GmbH\n8.8.8.0,8.8.8.255,15169,Google LLC\n45.10.20.0,45.10.20.255,64500,Sybil Hosting\n',
    '2a01:4f8::,2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff,24940,Hetzner Online GmbH\n',
  ],
};

describe('dashboard files', () => {
  it('the committed JSON is exactly what `npm run dashboards` generates (six dashboards, no strays)', () => {
    const generated = generateDashboardFiles();
    expect(generated.map((g) => g.file).sort()).toEqual(readdirSync(jsonDir).filter((f) => f.endsWith('.json')).sort());
    for (const g of generated) expect(readFileSync(join(jsonDir, g.file), 'utf8'), `${g.file} is stale: run npm run dashboards`).toBe(g.text);
    expect(committed.map((d) => d.uid).sort()).toEqual(
      ['nodefinder-clients', 'nodefinder-errors', 'nodefinder-geography', 'nodefinder-latency', 'nodefinder-longitudinal', 'nodefinder-overview'],
    );
  });

  it('every panel queries the provisioned data source (uid and type from the provisioning file)', () => {
    const prov = parseYaml(readFileSync(join(repo, 'dashboards/provisioning/datasources/nodefinder.yml'), 'utf8')) as {
      datasources: { uid: string; type: string; jsonData: { database: string } }[];
    };
    expect(prov.datasources).toHaveLength(1);
    expect(prov.datasources[0]).toMatchObject({ uid: DATASOURCE.uid, type: DATASOURCE.type });
    for (const d of committed) {
      for (const p of d.panels) {
        expect(p.datasource, `${d.uid}/${p.title}`).toEqual(DATASOURCE);
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.datasource).toEqual(DATASOURCE);
      }
    }
  });

  it('current JSON model, unique ids, panels inside the grid and never overlapping', () => {
    expect(new Set(committed.map((d) => d.uid)).size).toBe(committed.length);
    for (const d of committed) {
      expect(d.schemaVersion).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(39);
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        const g = p.gridPos;
        expect(g.x + g.w, `${d.uid}/${p.title}`).toBeLessThanOrEqual(GRID_COLUMNS);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`), `${d.uid}/${p.title} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  it('every report query is on a dashboard or listed with the reason it is not', () => {
    const reports = readdirSync(reportSqlDir()).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''));
    const allSql = committed.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.rawSql))).join('\n');
    for (const r of reports) {
      const used = allSql.includes(`-- sql/reports/${r}.sql:`);
      expect(used, `${r}: ${used ? 'used but listed as unused' : 'neither on a dashboard nor in REPORTS_NOT_ON_DASHBOARDS'}`).toBe(!(r in REPORTS_NOT_ON_DASHBOARDS));
    }
    for (const r of Object.keys(REPORTS_NOT_ON_DASHBOARDS)) expect(reports, `${r} is listed but no longer exists`).toContain(r);
    // no report parameter slipped through as a positional placeholder
    expect(allSql).not.toMatch(/\$\d/);
    expect(Object.keys(GRAFANA_PARAMS)).toContain('since');
  });
});

describe('geo tables loader', () => {
  it('splits quoted CSV fields and skips malformed lines', () => {
    expect(splitCsvLine('1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."')).toEqual(['1.0.0.0', '1.0.0.255', '13335', 'Cloudflare, Inc.']);
    expect(splitCsvLine('a,"say ""hi""",c')).toEqual(['a', 'say "hi"', 'c']);
    const r = parseGeoCsv({ country: ['1.0.0.0,1.0.0.255,AU\n1.0.0.0,::1,AU\nbad\n5.0.0.0,5.0.0.9,x1\n'], asn: ['1.0.0.0,1.0.0.255,99999999999,Big\n8.8.8.0,8.8.8.255,15169,Google\n'] });
    expect(r.countries).toEqual([['1.0.0.0', '1.0.0.255', 'AU']]);
    expect(r.asns).toEqual([['8.8.8.0', '8.8.8.255', '15169', 'Google']]);
    expect(r.skipped).toBe(4);
  });
});

afterAll(closeSharedPglite);

const VARIABLES = Object.fromEntries(committed.flatMap((d) => d.templating.list.map((v) => [v.name, v.current.value])));

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`every panel's SQL on ${engineTitle(engine)}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await freshWithEvents(engine, datasetEvents());
      expect(await geoTablesLoadedFrom(t.db, 'test ranges')).toBe(false); // no tables yet
      const geo = await loadGeoTables(t.db, GEO_CSV, 'test ranges');
      expect(geo).toMatchObject({ countryRanges: 5, asnRanges: 5, skipped: 0 });
      // a second load replaces, never appends; the loader can tell a load of the same data
      expect(await geoTablesLoadedFrom(t.db, 'test ranges')).toBe(true);
      expect(await geoTablesLoadedFrom(t.db, 'other data')).toBe(false);
      await loadGeoTables(t.db, GEO_CSV, 'test ranges');
    }, 120_000);
    afterAll(async () => {
      await t?.dispose();
    });

    /** Run one panel as Grafana would over the dataset's day, at the panel's minimum interval. */
    async function runPanel(p: Panel): Promise<Record<string, unknown>[]> {
      const intervalMs = p.interval ? parseGrafanaInterval(p.interval) : 3_600_000;
      const sql = expandGrafanaSql(p.targets[0]!.rawSql, { from: SINCE, to: UNTIL, intervalMs, variables: VARIABLES });
      expect(sql).not.toMatch(/\$(?:__|[a-z_])/i);
      return t.db.query(sql);
    }

    for (const d of committed) {
      for (const p of d.panels) {
        it(`${d.uid} · ${p.title}`, async () => {
          const rows = await runPanel(p);
          if (p.targets[0]!.format === 'time_series') {
            // Grafana needs a "time" column, ascending; long format = metric + value
            expect(rows.length, 'the dataset has data in the window').toBeGreaterThan(0);
            let last = -Infinity;
            for (const r of rows) {
              expect(Object.keys(r)).toContain('time');
              const tm = r.time instanceof Date ? r.time.getTime() : Number(r.time) * 1000;
              expect(Number.isFinite(tm)).toBe(true);
              expect(tm).toBeGreaterThanOrEqual(last);
              expect(tm).toBeGreaterThanOrEqual(SINCE - 86_400_000);
              expect(tm).toBeLessThan(UNTIL);
              last = tm;
              if ('metric' in r) expect(typeof r.value).toBe('number');
            }
          } else if (p.type === 'stat' || p.type === 'piechart' || p.type === 'barchart' || p.type === 'geomap' || p.type === 'histogram') {
            expect(rows.length, 'a visual panel with no rows on the dataset').toBeGreaterThan(0);
          }
          // a stat shows numeric fields only (times as ms numbers with a date unit)
          if (p.type === 'stat') for (const r of rows) expect(Object.values(r).some((v) => typeof v === 'number'), JSON.stringify(r)).toBe(true);
        });
      }
    }

    const panel = (uid: string, title: string) => {
      const p = committed.find((d) => d.uid === uid)?.panels.find((x) => x.title === title);
      if (!p) throw new Error(`no panel ${uid}/${title}`);
      return p;
    };

    it('known answers: nodes per stage count every ID (report snapshot --include-abusive)', async () => {
      expect(await runPanel(panel('nodefinder-overview', 'Nodes per stage'))).toEqual([
        { discovered: 31, dialed: 11, responded: 10, inbound: 1, hello: 10, status: 8, mainnet: 6 },
      ]);
    });

    it('known answers: clients, errors and disconnects', async () => {
      const clients = await runPanel(panel('nodefinder-clients', 'Clients'));
      expect(clients[0]).toEqual({ client: 'Geth', nodes: 6 });
      expect(clients.reduce((s, r) => s + (r.nodes as number), 0)).toBe(10);
      expect(await runPanel(panel('nodefinder-errors', 'DISCONNECT reasons received'))).toEqual([
        { reason: 'too_many_peers', messages: 2 },
        { reason: 'useless_peer', messages: 1 },
      ]);
      expect(await runPanel(panel('nodefinder-errors', 'Error kinds'))).toEqual([{ kind: 'connection_refused', dials: 2 }]);
    });

    it('known answers: node RTT percentiles as report snapshot computes them', async () => {
      const [rtt] = await runPanel(panel('nodefinder-latency', 'Node RTT'));
      expect(rtt!.nodes).toBe(6);
      expect(rtt!.p50).toBeCloseTo(50, 6);
      expect(rtt!.p90).toBeCloseTo(90, 6);
    });

    it('known answers: countries, ASes and abusive IPs placed through the geo tables', async () => {
      const countries = await runPanel(panel('nodefinder-geography', 'Countries'));
      expect(countries.map((r) => [r.country, r.nodes, r.hello, r.mainnet])).toEqual([
        ['NL', 10, 1, 1],
        ['reserved', 10, 0, 0],
        ['US', 5, 3, 3],
        ['AU', 4, 3, 0],
        ['DE', 3, 3, 2],
      ]);
      const asns = await runPanel(panel('nodefinder-geography', 'Autonomous systems'));
      expect(asns[0]).toMatchObject({ asn: 64500n, organisation: 'Sybil Hosting', nodes: 10 });
      expect(asns.find((r) => r.organisation === 'Hetzner Online GmbH')).toMatchObject({ nodes: 3 });
      const abusive = await runPanel(panel('nodefinder-geography', 'Abusive IPs'));
      expect(abusive.map((r) => [r.ip, r.country, r.organisation, r.node_ids])).toEqual([
        ['127.0.0.1', 'reserved', null, 10],
        ['45.10.20.30', 'NL', 'Sybil Hosting', 10],
      ]);
    });
  });
}
