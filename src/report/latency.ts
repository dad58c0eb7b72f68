/**
 * `report latency`: direct network round-trip times from our instances to the nodes (rtts.rtt_ms:
 * per connection the lowest p2p PING→PONG, else the discv4 PING→PONG; README "How RTT is measured
 * and what it means"), their distribution overall and per country and AS, and
 * the RTT between remote pairs of nodes bounded by the triangle inequality from several vantage
 * points, as the IMC 2018 paper did: |d(v,a) − d(v,b)| ≤ d(a,b) ≤ d(v,a) + d(v,b).
 */
import { isUnspecifiedIp } from '../net/ip.js';
import { GEO_ATTRIBUTION, type GeoLookup } from '../geo/index.js';
import type { Report, Row, Section } from './render/model.js';
import type { ReportContext } from './context.js';
import { histogram, niceBinWidth, quantileSorted, triangleBounds, type PairBounds } from './stats.js';

export interface LatencySample {
  instance: string;
  host: string;
  node_id: string;
  ip: string | null;
  /** Median over the node's connections with this instance of rtts.rtt_ms. */
  rtt_ms: number;
  srtt_ms: number | null;
  min_ms: number;
  connections: number;
  [key: string]: unknown;
}

export interface NodeRtt {
  node: string;
  ip: string | null;
  /** Best (lowest) per-instance median network RTT. */
  rttMs: number;
  instances: number;
}

export interface LatencySummary {
  nodes: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  mean: number | null;
}

/** One RTT per node, without IDs or addresses (latency-nodes.sql): what the snapshot needs. */
export function loadNodeRtts(ctx: ReportContext): Promise<{ rtt_ms: number; instances: number }[]> {
  return ctx.once('latency-nodes', () => ctx.queryExcluding<{ rtt_ms: number; instances: number }>('latency-nodes'));
}

export function loadLatency(ctx: ReportContext): Promise<LatencySample[]> {
  return ctx.once('latency', () => ctx.queryExcluding<LatencySample>('latency-samples'));
}

/** One RTT per node: the lowest of its per-instance medians (the nearest vantage point). */
export function nodeRtts(samples: readonly LatencySample[]): NodeRtt[] {
  const m = new Map<string, NodeRtt>();
  for (const s of samples) {
    const n = m.get(s.node_id);
    if (!n) m.set(s.node_id, { node: s.node_id, ip: s.ip, rttMs: s.rtt_ms, instances: 1 });
    else {
      n.rttMs = Math.min(n.rttMs, s.rtt_ms);
      n.instances++;
    }
  }
  return [...m.values()].sort((a, b) => (a.node < b.node ? -1 : 1));
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    nodes: sorted.length,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    mean: sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : null,
  };
}

const BINS = 20;

export function latencyHistogramSection(rtts: readonly Pick<NodeRtt, 'rttMs'>[]): Section {
  const values = rtts.map((r) => r.rttMs);
  const p99 = quantileSorted([...values].sort((a, b) => a - b), 0.99) ?? 1;
  const width = niceBinWidth(p99, BINS);
  const bins = histogram(values, width, BINS);
  return {
    id: 'latency-histogram',
    title: 'Direct RTT distribution',
    columns: [
      { key: 'rtt_ms', label: 'RTT from (ms)', type: 'ms', digits: 0 },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
    ],
    rows: bins.map((b) => ({ rtt_ms: b.start, nodes: b.count })),
    chart: { type: 'histogram', x: 'rtt_ms', series: ['nodes'], xLabel: 'network RTT (ms)', yLabel: 'nodes' },
    notes: [
      `${rtts.length} nodes with an RTT; per node the lowest of its per-instance median network RTTs (per connection the lowest p2p PING→PONG, else the discv4 PING→PONG; the RLPx handshake and HELLO→STATUS include the peer's work and are not RTT).`,
      `Bins of ${width} ms; the last bin holds everything from ${width * (BINS - 1)} ms up.`,
    ],
  };
}

export function latencySummarySection(summary: LatencySummary): Section {
  return {
    id: 'latency-summary',
    title: 'Direct RTT summary',
    columns: [
      { key: 'what', label: '', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'p50', label: 'p50', type: 'ms' },
      { key: 'p90', label: 'p90', type: 'ms' },
      { key: 'p99', label: 'p99', type: 'ms' },
      { key: 'mean', label: 'Mean', type: 'ms' },
    ],
    rows: [{ what: 'all nodes', ...summary }],
    chart: { type: 'bar', x: 'what', series: ['p50', 'p90', 'p99', 'mean'], yLabel: 'RTT (ms)' },
    notes: ['Quantiles interpolate linearly between nodes (as Postgres percentile_cont).'],
  };
}

function groupSection(rtts: readonly NodeRtt[], geo: GeoLookup, by: 'country' | 'asn', top: number): Section {
  const groups = new Map<string, { label: string; values: number[] }>();
  for (const r of rtts) {
    let key = 'no address';
    let label = '';
    if (r.ip !== null) {
      const g = geo.lookup(r.ip);
      if (g.special) (key = g.special.label), (label = g.special.name);
      else if (by === 'country') key = g.country;
      else if (g.asn !== null) (key = `AS${g.asn}`), (label = g.org ?? '');
      else key = 'unknown';
    }
    const e = groups.get(key) ?? { label, values: [] };
    e.values.push(r.rttMs);
    groups.set(key, e);
  }
  const rows = [...groups.entries()]
    .map(([key, e]) => ({ key, label: e.label, ...summarize(e.values) }))
    .sort((a, b) => b.nodes - a.nodes || (a.key < b.key ? -1 : 1))
    .slice(0, top);
  return {
    id: by === 'country' ? 'latency-countries' : 'latency-asns',
    title: by === 'country' ? 'Direct RTT by country' : 'Direct RTT by AS',
    columns: [
      { key: 'key', label: by === 'country' ? 'Country' : 'AS', type: 'text' },
      { key: 'label', label: by === 'country' ? 'Block' : 'Organisation', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'p50', label: 'p50', type: 'ms' },
      { key: 'p90', label: 'p90', type: 'ms' },
    ],
    rows: rows.map((r): Row => ({ key: r.key, label: r.label, nodes: r.nodes, p50: r.p50, p90: r.p90 })),
    chart: { type: 'bar', x: 'key', series: ['p50', 'p90'], yLabel: 'RTT (ms)' },
    notes: [`The ${top} ${by === 'country' ? 'countries' : 'ASes'} with the most measured nodes. ${GEO_ATTRIBUTION}`],
  };
}

export interface TriangleResult {
  pairs: PairBounds[];
  nodes: number;
  vantages: number;
  hosts: string[];
}

/** Pairwise bounds for up to `maxNodes` nodes (those measured by the most vantage points first). */
export function computeTriangles(samples: readonly LatencySample[], maxNodes: number): TriangleResult {
  const rtt = new Map<string, Map<string, number>>();
  const perNode = new Map<string, number>();
  const hosts = new Set<string>();
  for (const s of samples) {
    let m = rtt.get(s.instance);
    if (!m) rtt.set(s.instance, (m = new Map()));
    m.set(s.node_id, s.rtt_ms);
    perNode.set(s.node_id, (perNode.get(s.node_id) ?? 0) + 1);
    hosts.add(s.host);
  }
  const nodes = [...perNode.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxNodes)
    .map(([n]) => n);
  return { pairs: triangleBounds(rtt, nodes), nodes: nodes.length, vantages: rtt.size, hosts: [...hosts].sort() };
}

export function triangleSections(t: TriangleResult, samples: readonly LatencySample[], geo: GeoLookup, top: number): Section[] {
  const uppers = t.pairs.map((p) => p.upper);
  const lowers = t.pairs.map((p) => p.lower);
  const sortedU = [...uppers].sort((a, b) => a - b);
  const sortedL = [...lowers].sort((a, b) => a - b);
  const width = niceBinWidth(quantileSorted(sortedU, 0.99) ?? 1, BINS);
  const hu = histogram(uppers, width, BINS);
  const hl = histogram(lowers, width, BINS);
  const oneHost = t.hosts.length <= 1 || t.hosts.every((h) => isUnspecifiedIp(h));
  const notes = [
    `For each pair (a, b) of remote nodes measured from common vantage points v: max_v |d(v,a) − d(v,b)| ≤ d(a,b) ≤ min_v d(v,a) + d(v,b), with d the per-instance median network RTT.`,
    `${t.pairs.length} pairs among the ${t.nodes} nodes measured by the most vantage points (at most --max-pair-nodes); ${t.vantages} instances on ${t.hosts.length} listen host(s): ${t.hosts.join(', ') || 'none'}.`,
  ];
  if (oneHost) {
    notes.push('All instances share one host (or listen on the unspecified address): their RTTs to a node coincide, so the bounds are those of a single vantage point — run instances on different hosts to tighten them.');
  }
  const summary: Section = {
    id: 'pair-latency-summary',
    title: 'Remote pair RTT bounds (triangle inequality)',
    columns: [
      { key: 'what', label: '', type: 'text' },
      { key: 'pairs', label: 'Pairs', type: 'integer' },
      { key: 'vantages', label: 'Vantage points', type: 'integer' },
      { key: 'hosts', label: 'Hosts', type: 'integer' },
      { key: 'lower_p50', label: 'Lower bound p50', type: 'ms' },
      { key: 'upper_p50', label: 'Upper bound p50', type: 'ms' },
      { key: 'width_p50', label: 'Bound width p50', type: 'ms' },
    ],
    rows: [
      {
        what: 'all pairs',
        pairs: t.pairs.length,
        vantages: t.vantages,
        hosts: t.hosts.length,
        lower_p50: quantileSorted(sortedL, 0.5),
        upper_p50: quantileSorted(sortedU, 0.5),
        width_p50: quantileSorted(t.pairs.map((p) => p.upper - p.lower).sort((a, b) => a - b), 0.5),
      },
    ],
    chart: { type: 'bar', x: 'what', series: ['lower_p50', 'upper_p50', 'width_p50'], yLabel: 'RTT (ms)' },
    notes,
  };
  const hist: Section = {
    id: 'pair-latency-histogram',
    title: 'Remote pair RTT bounds',
    columns: [
      { key: 'rtt_ms', label: 'RTT from (ms)', type: 'ms', digits: 0 },
      { key: 'lower', label: 'Lower bound', type: 'integer' },
      { key: 'upper', label: 'Upper bound', type: 'integer' },
    ],
    rows: hu.map((b, i) => ({ rtt_ms: b.start, lower: hl[i]!.count, upper: b.count })),
    chart: { type: 'histogram', x: 'rtt_ms', series: ['lower', 'upper'], xLabel: 'RTT between the two nodes (ms)', yLabel: 'pairs' },
    notes: [`Bins of ${width} ms; the last bin holds everything above.`],
  };
  // Country pairs: where the bounds say nodes of two countries sit from each other.
  const country = new Map<string, string>();
  for (const s of samples) {
    if (country.has(s.node_id)) continue;
    const g = s.ip === null ? null : geo.lookup(s.ip);
    country.set(s.node_id, g ? (g.special ? g.special.label : g.country) : 'no address');
  }
  const byPair = new Map<string, { lower: number[]; upper: number[] }>();
  for (const p of t.pairs) {
    const key = [country.get(p.a)!, country.get(p.b)!].sort().join('–');
    const e = byPair.get(key) ?? { lower: [], upper: [] };
    e.lower.push(p.lower);
    e.upper.push(p.upper);
    byPair.set(key, e);
  }
  const pairRows = [...byPair.entries()]
    .map(([key, e]) => ({
      key,
      pairs: e.lower.length,
      lower_p50: quantileSorted(e.lower.sort((a, b) => a - b), 0.5),
      upper_p50: quantileSorted(e.upper.sort((a, b) => a - b), 0.5),
    }))
    .sort((a, b) => b.pairs - a.pairs || (a.key < b.key ? -1 : 1))
    .slice(0, top);
  const countries: Section = {
    id: 'pair-latency-countries',
    title: 'Remote pair RTT bounds by country pair',
    columns: [
      { key: 'key', label: 'Countries', type: 'text' },
      { key: 'pairs', label: 'Pairs', type: 'integer' },
      { key: 'lower_p50', label: 'Lower bound p50', type: 'ms' },
      { key: 'upper_p50', label: 'Upper bound p50', type: 'ms' },
    ],
    rows: pairRows,
    chart: { type: 'bar', x: 'key', series: ['lower_p50', 'upper_p50'], yLabel: 'RTT (ms)' },
    notes: [`The ${top} country pairs with the most node pairs.`],
  };
  return [summary, hist, countries];
}

export async function buildLatencyReport(ctx: ReportContext): Promise<Report> {
  const samples = await loadLatency(ctx);
  const rtts = nodeRtts(samples);
  const summary = summarize(rtts.map((r) => r.rttMs));
  const tri = computeTriangles(samples, ctx.maxPairNodes);
  const { nodeIds } = await ctx.exclusion();
  const measuredBy = new Map<number, number>();
  for (const r of rtts) measuredBy.set(r.instances, (measuredBy.get(r.instances) ?? 0) + 1);
  return {
    name: 'latency',
    title: 'Latency',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), excluded_node_ids: nodeIds.length, max_pair_nodes: ctx.maxPairNodes },
    sections: [
      latencySummarySection(summary),
      latencyHistogramSection(rtts),
      groupSection(rtts, ctx.geo, 'country', ctx.top),
      groupSection(rtts, ctx.geo, 'asn', ctx.top),
      ...triangleSections(tri, samples, ctx.geo, ctx.top),
    ],
    data: {
      latency_ms: { p50: summary.p50, p90: summary.p90, p99: summary.p99, mean: summary.mean, nodes: summary.nodes },
      pairs: {
        count: tri.pairs.length,
        vantage_points: tri.vantages,
        hosts: tri.hosts.length,
        lower_p50_ms: quantileSorted(tri.pairs.map((p) => p.lower).sort((a, b) => a - b), 0.5),
        upper_p50_ms: quantileSorted(tri.pairs.map((p) => p.upper).sort((a, b) => a - b), 0.5),
      },
      nodes_by_vantage_count: Object.fromEntries([...measuredBy.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
    },
  };
}
