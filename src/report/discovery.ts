/**
 * `report discovery`: how the nodes of a window were learned and what they answered — nodes per
 * source (discv4 NEIGHBORS, discv5 NODES, DNS lists, inbound peers, bootnodes, the static set, …),
 * the nodes only one source found, the pairwise overlap of sources, and the nodes answering discv4
 * only, discv5 only or both, split by the layer their node record names (src/eth/record-layer.ts:
 * execution, consensus, other; unknown = no record stored). Consensus-layer nodes are counted here
 * and never dialed over RLPx.
 *
 * JSON: `discovery` {nodes, sources {<source>: {nodes, only}}, overlap [{a, b, nodes}], v4_only,
 * v5_only, both, neither, by_layer {<layer>: {nodes, v4_only, v5_only, both, neither}}}, `layers`
 * {execution, consensus, other, unknown}. The snapshot carries the same `discovery` and `layers`.
 */
import type { AddressSource } from '../events.js';
import { RECORD_LAYERS } from '../eth/record-layer.js';
import { ADDRESS_SOURCES } from '../store/validate.js';
import type { Report, Row, Section } from './render/model.js';
import { ReportContext, share } from './context.js';

export interface DiscoverySourcesRow {
  sources: string;
  v4: boolean;
  v5: boolean;
  layer: string;
  nodes: number;
  [key: string]: unknown;
}

export const LAYERS = [...RECORD_LAYERS, 'unknown'] as const;
export type ReportLayer = (typeof LAYERS)[number];

export const SOURCE_LABELS: Record<AddressSource, string> = {
  neighbors: 'discv4 NEIGHBORS entry',
  nodes: 'discv5 NODES entry',
  ping: 'discv4 packet from a bonded node',
  v5_session: 'discv5 session opened by the node',
  dns: 'EIP-1459 DNS list',
  inbound: 'inbound RLPx peer',
  bootnode: 'bootnode',
  static: 'static set',
};

export interface ProtocolSplit {
  nodes: number;
  v4_only: number;
  v5_only: number;
  both: number;
  /** learned, but answered neither protocol in the window (e.g. only heard of in NEIGHBORS) */
  neither: number;
}

export interface DiscoveryResult extends ProtocolSplit {
  sources: Record<AddressSource, { nodes: number; only: number }>;
  /** Unordered pairs of sources (a before b in ADDRESS_SOURCES order) with nodes learned from both. */
  overlap: { a: AddressSource; b: AddressSource; nodes: number }[];
  byLayer: Record<ReportLayer, ProtocolSplit>;
}

export function loadDiscoverySources(ctx: ReportContext): Promise<DiscoverySourcesRow[]> {
  return ctx.once('discovery-sources', () => ctx.queryExcluding<DiscoverySourcesRow>('discovery-sources'));
}

const emptySplit = (): ProtocolSplit => ({ nodes: 0, v4_only: 0, v5_only: 0, both: 0, neither: 0 });

function addSplit(s: ProtocolSplit, v4: boolean, v5: boolean, n: number): void {
  s.nodes += n;
  if (v4 && v5) s.both += n;
  else if (v4) s.v4_only += n;
  else if (v5) s.v5_only += n;
  else s.neither += n;
}

export function computeDiscovery(rows: readonly DiscoverySourcesRow[]): DiscoveryResult {
  const known = new Set<string>(ADDRESS_SOURCES);
  const sources = Object.fromEntries(ADDRESS_SOURCES.map((s) => [s, { nodes: 0, only: 0 }])) as DiscoveryResult['sources'];
  const pairs = new Map<string, number>();
  const byLayer = Object.fromEntries(LAYERS.map((l) => [l, emptySplit()])) as Record<ReportLayer, ProtocolSplit>;
  const all = emptySplit();
  for (const r of rows) {
    const list = r.sources === '' ? [] : (r.sources.split(',').filter((s) => known.has(s)) as AddressSource[]);
    for (const s of list) sources[s].nodes += r.nodes;
    if (list.length === 1) sources[list[0]!].only += r.nodes;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const [a, b] = ADDRESS_SOURCES.indexOf(list[i]!) < ADDRESS_SOURCES.indexOf(list[j]!) ? [list[i]!, list[j]!] : [list[j]!, list[i]!];
        pairs.set(`${a},${b}`, (pairs.get(`${a},${b}`) ?? 0) + r.nodes);
      }
    }
    addSplit(all, r.v4, r.v5, r.nodes);
    const layer = (LAYERS as readonly string[]).includes(r.layer) ? (r.layer as ReportLayer) : 'unknown';
    addSplit(byLayer[layer], r.v4, r.v5, r.nodes);
  }
  const overlap: DiscoveryResult['overlap'] = [];
  for (const [i, a] of ADDRESS_SOURCES.entries()) {
    for (const b of ADDRESS_SOURCES.slice(i + 1)) {
      const n = pairs.get(`${a},${b}`);
      if (n) overlap.push({ a, b, nodes: n });
    }
  }
  return { ...all, sources, overlap, byLayer };
}

export function discoveryData(d: DiscoveryResult): Record<string, unknown> {
  return {
    discovery: {
      nodes: d.nodes,
      v4_only: d.v4_only,
      v5_only: d.v5_only,
      both: d.both,
      neither: d.neither,
      sources: d.sources,
      overlap: d.overlap,
      by_layer: d.byLayer,
    },
    layers: Object.fromEntries(LAYERS.map((l) => [l, d.byLayer[l].nodes])),
  };
}

const SPLIT_COLUMNS = [
  { key: 'nodes', label: 'Nodes', type: 'integer' },
  { key: 'v4_only', label: 'Answered v4 only', type: 'integer' },
  { key: 'v5_only', label: 'Answered v5 only', type: 'integer' },
  { key: 'both', label: 'Answered both', type: 'integer' },
  { key: 'neither', label: 'Answered neither', type: 'integer' },
] as const;

/** Layer × discovery protocols: the snapshot shows this one too. */
export function layerSection(d: DiscoveryResult): Section {
  return {
    id: 'discovery-layers',
    title: 'Layers and discovery protocols answered',
    columns: [{ key: 'layer', label: 'Layer', type: 'text' }, ...SPLIT_COLUMNS.map((c) => ({ ...c })), { key: 'share', label: 'Share', type: 'percent' }],
    rows: [
      ...LAYERS.map((l): Row => ({ layer: l, ...d.byLayer[l], share: share(d.byLayer[l].nodes, d.nodes) })),
      { layer: 'all', nodes: d.nodes, v4_only: d.v4_only, v5_only: d.v5_only, both: d.both, neither: d.neither, share: share(d.nodes, d.nodes) },
    ],
    chart: { type: 'stacked-bar', x: 'layer', series: ['v4_only', 'v5_only', 'both', 'neither'], yLabel: 'nodes' },
    notes: [
      'Layer from the node\'s newest stored record (ENR): execution = an eth entry; consensus = eth2/attnets/syncnets without eth (counted, never dialed over RLPx); other = neither; unknown = no record stored.',
      'Answered v4 = it answered our PING (endpoint proof); v5 = a message in a discv5 session with it; at some time between its first and last answer overlapping the window.',
    ],
  };
}

export function discoverySections(d: DiscoveryResult): Section[] {
  const sources: Section = {
    id: 'discovery-sources',
    title: 'Nodes by discovery source',
    columns: [
      { key: 'source', label: 'Source', type: 'text' },
      { key: 'meaning', label: 'Meaning', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'only', label: 'Only this source', type: 'integer' },
      { key: 'share', label: 'Share of nodes', type: 'percent' },
    ],
    rows: ADDRESS_SOURCES.map((s): Row => ({ source: s, meaning: SOURCE_LABELS[s], nodes: d.sources[s].nodes, only: d.sources[s].only, share: share(d.sources[s].nodes, d.nodes) })),
    chart: { type: 'bar', x: 'source', series: ['nodes', 'only'], yLabel: 'nodes' },
    notes: [
      `${d.nodes} distinct node IDs learned or answering in the window. A node counts under every source it was learned from (sources overlap); "only" = no other source.`,
      'Sources are kept per day and instance (node_sightings.sources); days stored before migration 0006 know only their first source.',
    ],
  };
  const overlap: Section = {
    id: 'discovery-overlap',
    title: 'Overlap of sources (nodes learned from both)',
    columns: [
      { key: 'a', label: 'Source', type: 'text' },
      { key: 'b', label: 'and source', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'of_a', label: 'Of the first', type: 'percent' },
      { key: 'of_b', label: 'Of the second', type: 'percent' },
    ],
    rows: d.overlap.map((o): Row => ({ a: o.a, b: o.b, nodes: o.nodes, of_a: share(o.nodes, d.sources[o.a].nodes), of_b: share(o.nodes, d.sources[o.b].nodes) })),
    notes: ['Pairs with no common node are left out.'],
  };
  return [sources, overlap, layerSection(d)];
}

export async function buildDiscoveryReport(ctx: ReportContext): Promise<Report> {
  const d = computeDiscovery(await loadDiscoverySources(ctx));
  const { nodeIds } = await ctx.exclusion();
  return {
    name: 'discovery',
    title: 'What discovery learned',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), excluded_node_ids: nodeIds.length },
    sections: discoverySections(d),
    data: discoveryData(d),
  };
}
