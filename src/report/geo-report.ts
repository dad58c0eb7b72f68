/**
 * `report countries` and `report asns`: where the nodes active in the window are, per stage
 * (discovered, HELLO, STATUS, mainnet), from the offline IP database (src/geo). Each node is placed by
 * one address: its latest endpoint learned (discovery, or an inbound peer's listen port).
 * Private and reserved addresses appear as such, never as a country.
 */
import { countryName, GEO_ATTRIBUTION, type GeoInfo, type GeoLookup } from '../geo/index.js';
import type { Report, Row, Section } from './render/model.js';
import { ReportContext, share } from './context.js';

/** Nodes active in the window on one IP (window-nodes.sql), per stage. */
export interface WindowIp {
  ip: string | null;
  nodes: number;
  discovered: number;
  dialed: number;
  responded: number;
  inbound: number;
  hello: number;
  status: number;
  mainnet: number;
  [key: string]: unknown;
}

export type GeoDimension = 'country' | 'asn';

export interface GeoCount {
  /** ISO code / "AS13335" / private / reserved / unknown (no address known: "no address"). */
  key: string;
  label: string;
  nodes: number;
  discovered: number;
  hello: number;
  status: number;
  mainnet: number;
}

export function loadWindowNodes(ctx: ReportContext): Promise<WindowIp[]> {
  return ctx.once('window-nodes', () => ctx.queryExcluding<WindowIp>('window-nodes'));
}

function keyOf(g: GeoInfo | null, by: GeoDimension): string {
  if (g === null) return 'no address';
  if (g.special) return g.special.label;
  if (by === 'country') return g.country;
  return g.asn === null ? 'unknown' : `AS${g.asn}`;
}

/** A row's label; only asked for the first row of each key (countryName is slow), which names the row. */
function labelOf(g: GeoInfo | null, by: GeoDimension): string {
  if (g === null) return 'no address known';
  if (g.special) return `${g.special.label} (${g.special.name})`;
  if (by === 'country') return g.country === 'unknown' ? 'not in the database' : countryName(g.country);
  return g.asn === null ? 'not in the database' : (g.org ?? '');
}

/**
 * Count nodes per country and per AS and stage, largest (by all nodes) first: one lookup per row
 * (window-nodes has one row per IP) serves every dimension asked for.
 */
export function geoCountsBy<D extends GeoDimension>(ips: readonly WindowIp[], geo: GeoLookup | ((ip: string) => GeoInfo), dims: readonly D[]): Record<D, GeoCount[]> {
  const locate = typeof geo === 'function' ? geo : (ip: string) => geo.lookup(ip);
  const maps = dims.map(() => new Map<string, GeoCount>());
  for (const n of ips) {
    const g = n.ip === null ? null : locate(n.ip);
    for (let d = 0; d < dims.length; d++) {
      const m = maps[d]!;
      const key = keyOf(g, dims[d]!);
      // special addresses are grouped by label; keep the first block name seen as the row's label
      let c = m.get(key);
      if (!c) {
        c = { key, label: labelOf(g, dims[d]!), nodes: 0, discovered: 0, hello: 0, status: 0, mainnet: 0 };
        m.set(key, c);
      }
      c.nodes += n.nodes;
      c.discovered += n.discovered;
      c.hello += n.hello;
      c.status += n.status;
      c.mainnet += n.mainnet;
    }
  }
  const sorted = (m: Map<string, GeoCount>) => [...m.values()].sort((a, b) => b.nodes - a.nodes || b.hello - a.hello || (a.key < b.key ? -1 : 1));
  return Object.fromEntries(dims.map((d, i) => [d, sorted(maps[i]!)])) as Record<D, GeoCount[]>;
}

/** Count nodes per country or AS and stage, largest (by all nodes) first. */
export function geoCounts(ips: readonly WindowIp[], geo: GeoLookup | ((ip: string) => GeoInfo), by: GeoDimension): GeoCount[] {
  return geoCountsBy(ips, geo, [by])[by];
}

export function geoSection(counts: readonly GeoCount[], by: GeoDimension, top: number, source: string): Section {
  const total = counts.reduce((s, c) => s + c.nodes, 0);
  let shown = [...counts];
  if (shown.length > top) {
    const rest = shown.slice(top);
    const sum = (f: (c: GeoCount) => number) => rest.reduce((s, c) => s + f(c), 0);
    shown = [
      ...shown.slice(0, top),
      { key: `other (${rest.length})`, label: '', nodes: sum((c) => c.nodes), discovered: sum((c) => c.discovered), hello: sum((c) => c.hello), status: sum((c) => c.status), mainnet: sum((c) => c.mainnet) },
    ];
  }
  const rows: Row[] = shown.map((c) => ({ key: c.key, label: c.label, nodes: c.nodes, share: share(c.nodes, total), discovered: c.discovered, hello: c.hello, status: c.status, mainnet: c.mainnet }));
  return {
    id: by === 'country' ? 'countries' : 'asns',
    title: by === 'country' ? 'Countries' : 'Autonomous systems',
    columns: [
      { key: 'key', label: by === 'country' ? 'Country' : 'AS', type: 'text' },
      { key: 'label', label: by === 'country' ? 'Name' : 'Organisation', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
      { key: 'discovered', label: 'Discovered', type: 'integer' },
      { key: 'hello', label: 'HELLO', type: 'integer' },
      { key: 'status', label: 'STATUS', type: 'integer' },
      { key: 'mainnet', label: 'Mainnet', type: 'integer' },
    ],
    rows,
    chart: { type: 'bar', x: 'key', series: ['discovered', 'hello', 'mainnet'], yLabel: 'nodes' },
    notes: [
      `${total} nodes active in the window, each placed by its latest endpoint (discovery, or an inbound peer's listen address).`,
      'private = RFC 1918, CGNAT (RFC 6598), unique-local IPv6; reserved = loopback, link-local, documentation, multicast and other special-purpose blocks.',
      `Data: ${source}. ${GEO_ATTRIBUTION}`,
    ],
  };
}

export function geoData(counts: readonly GeoCount[], by: GeoDimension): Record<string, unknown>[] {
  return counts.map((c) =>
    by === 'country'
      ? { country: c.key, count: c.nodes, discovered: c.discovered, hello: c.hello, status: c.status, mainnet: c.mainnet }
      : { asn: c.key, org: c.label, count: c.nodes, discovered: c.discovered, hello: c.hello, status: c.status, mainnet: c.mainnet },
  );
}

async function build(ctx: ReportContext, by: GeoDimension): Promise<Report> {
  const ips = await loadWindowNodes(ctx);
  // one row per IP: a lookup cache would only cost (see geoCountsBy)
  const counts = geoCounts(ips, ctx.geo, by);
  const { nodeIds } = await ctx.exclusion();
  return {
    name: by === 'country' ? 'countries' : 'asns',
    title: by === 'country' ? 'Nodes by country' : 'Nodes by autonomous system',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), excluded_node_ids: nodeIds.length },
    sections: [geoSection(counts, by, ctx.top, ctx.geo.source)],
    data: { nodes: ips.reduce((s, r) => s + r.nodes, 0), [by === 'country' ? 'countries' : 'asns']: geoData(counts, by) },
  };
}

export const buildCountriesReport = (ctx: ReportContext): Promise<Report> => build(ctx, 'country');
export const buildAsnsReport = (ctx: ReportContext): Promise<Report> => build(ctx, 'asn');
