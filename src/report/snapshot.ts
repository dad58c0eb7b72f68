/**
 * `report snapshot`: the network in the 24 hours ending --at — size at each stage (discovered, HELLO,
 * STATUS, mainnet), clients and releases, countries and ASes, latency, freshness, disconnect reasons,
 * and the non-productive peers (other networks, no eth, useless peers, other subprotocols). The size
 * estimate (report size) and connection outcomes (report disconnects) have their own reports.
 *
 * JSON contract (DESIGN.md): `nodes` {discovered, hello, status, mainnet, …}, `clients`
 * [{client, count}], `disconnects` [{reason, count}], `latency_ms` {p50, p90}, `fork_ids` [{hash, next,
 * nodes, verdict}], `discovery` {v4_only, v5_only, both, neither, …} and `layers` {execution,
 * consensus, other, unknown} (report discovery); plus more below.
 */
import { networkByGenesis } from '../eth/networks.js';
import type { Report, Row, Section } from './render/model.js';
import { clientSections, clientsData, loadClients } from './clients.js';
import { ReportContext, share } from './context.js';
import { disconnectsData, loadDisconnects, reasonSection } from './disconnects.js';
import { computeDiscovery, discoveryData, layerSection, loadDiscoverySources } from './discovery.js';
import { forkIdsData, forkIdsSection, loadForkIds } from './forks.js';
import { computeFreshness, freshnessData, freshnessSections, loadFreshness } from './freshness.js';
import { geoCountsBy, geoData, geoSection, loadWindowNodes, type WindowIp } from './geo-report.js';
import { latencyHistogramSection, latencySummarySection, loadNodeRtts, summarize } from './latency.js';

export interface Stages {
  discovered: number;
  dialed: number;
  responded: number;
  inbound: number;
  hello: number;
  status: number;
  mainnet: number;
  excluded: number;
  [key: string]: unknown;
}

export const SNAPSHOT_WINDOW_MS = 86_400_000;

export async function loadStages(ctx: ReportContext): Promise<Stages> {
  const [row] = await ctx.queryExcluding<Stages>('snapshot-stages');
  return row!;
}

/** The same counts as snapshot-stages, summed from window-nodes (which the snapshot needs anyway). */
export function stagesFromWindow(ips: readonly WindowIp[], excluded: number): Stages {
  const sum = (k: 'discovered' | 'dialed' | 'responded' | 'inbound' | 'hello' | 'status' | 'mainnet') => ips.reduce((s, r) => s + r[k], 0);
  return {
    discovered: sum('discovered'),
    dialed: sum('dialed'),
    responded: sum('responded'),
    inbound: sum('inbound'),
    hello: sum('hello'),
    status: sum('status'),
    mainnet: sum('mainnet'),
    excluded,
  };
}

const STAGE_LABELS: [keyof Stages, string][] = [
  ['discovered', 'Discovered'],
  ['dialed', 'Dialed'],
  ['responded', 'Responded'],
  ['inbound', 'Inbound'],
  ['hello', 'HELLO'],
  ['status', 'STATUS'],
  ['mainnet', 'Mainnet'],
];

function stagesSection(s: Stages, extraNotes: string[]): Section {
  return {
    id: 'stages',
    title: 'Network size by stage',
    columns: [
      { key: 'stage', label: 'Stage', type: 'text' },
      { key: 'nodes', label: 'Distinct node IDs', type: 'integer' },
      { key: 'of_discovered', label: 'Of discovered', type: 'percent' },
    ],
    rows: STAGE_LABELS.map(([key, label]): Row => ({ stage: label, nodes: s[key] as number, of_discovered: share(s[key] as number, s.discovered) })),
    chart: { type: 'bar', x: 'stage', series: ['nodes'], yLabel: 'node IDs' },
    notes: [
      'Distinct node IDs per stage in the window: learned from discovery (every layer: the next section splits them); dialed by us; answered a dial (STATUS, HELLO or DISCONNECT); dialed us; completed HELLO; completed STATUS. Stages are not nested (an inbound peer can complete HELLO without being discovered).',
      'Mainnet = STATUS with network ID 1, the mainnet genesis hash and an EIP-2124 fork ID judged compatible when dialed.',
      ...extraNotes,
    ],
  };
}

interface CategoryRow {
  category: string;
  nodes: number;
  [key: string]: unknown;
}

const CATEGORY_LABELS: Record<string, string> = {
  mainnet: 'productive: on mainnet',
  mainnet_fork_mismatch: 'mainnet genesis, fork ID rejected (stale client or another fork)',
  other_network: 'STATUS from another network',
  no_eth: 'no eth capability in HELLO',
  useless_peer: 'eth offered, but useless_peer',
  no_status: 'eth offered, but no STATUS (left or failed first)',
};

type NetworkRow = { network_id: string; genesis: string; nodes: number; compatible_nodes: number };
type CapabilityRow = { capability: string; nodes: number };

function nonProductiveSections(
  ctx: ReportContext,
  cats: readonly CategoryRow[],
  nets: readonly NetworkRow[],
  caps: readonly CapabilityRow[],
): { sections: Section[]; data: Record<string, unknown> } {
  const total = cats.reduce((s, c) => s + c.nodes, 0);
  const categories: Section = {
    id: 'productive',
    title: 'Productive and non-productive peers',
    columns: [
      { key: 'category', label: 'Category', type: 'text' },
      { key: 'meaning', label: 'Meaning', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
    ],
    rows: cats.map((c): Row => ({ category: c.category, meaning: CATEGORY_LABELS[c.category] ?? '', nodes: c.nodes, share: share(c.nodes, total) })),
    chart: { type: 'bar', x: 'category', series: ['nodes'], yLabel: 'nodes' },
    notes: [`The ${total} nodes that completed HELLO, each in the first matching category.`],
  };
  const networks: Section = {
    id: 'networks',
    title: 'Networks announced in STATUS',
    columns: [
      { key: 'network', label: 'Network', type: 'text' },
      { key: 'network_id', label: 'Network ID', type: 'text' },
      { key: 'genesis', label: 'Genesis', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'compatible', label: 'Fork ID compatible', type: 'integer' },
    ],
    rows: nets.slice(0, ctx.top).map((n): Row => ({
      network: networkByGenesis(n.genesis)?.name ?? 'unknown',
      network_id: n.network_id,
      genesis: `${n.genesis.slice(0, 10)}…`,
      nodes: n.nodes,
      compatible: n.compatible_nodes,
    })),
    chart: { type: 'bar', x: 'network', series: ['nodes', 'compatible'], yLabel: 'nodes' },
    notes: ['Fork IDs are only judged for peers on the crawled network (others are unchecked).'],
  };
  const byName = new Map<string, number>();
  for (const c of caps) {
    // one node can offer several versions: per name, keep the largest count (a lower bound of the union)
    const name = c.capability.split('/')[0] ?? c.capability;
    byName.set(name, Math.max(byName.get(name) ?? 0, c.nodes));
  }
  const capabilities: Section = {
    id: 'capabilities',
    title: 'Capabilities offered in HELLO',
    columns: [
      { key: 'capability', label: 'Capability', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
    ],
    rows: caps.slice(0, Math.max(ctx.top, 20)).map((c): Row => ({ capability: c.capability, nodes: c.nodes })),
    chart: { type: 'bar', x: 'capability', series: ['nodes'], yLabel: 'nodes' },
    notes: ['Other subprotocols than eth/snap mark non-Ethereum or special-purpose peers.'],
  };
  return {
    sections: [categories, networks, capabilities],
    data: {
      non_productive: Object.fromEntries(cats.map((c) => [c.category, c.nodes])),
      networks: nets.map((n) => ({ network: networkByGenesis(n.genesis)?.name ?? null, network_id: n.network_id, genesis: n.genesis, nodes: n.nodes })),
      capabilities: caps.map((c) => ({ capability: c.capability, nodes: c.nodes })),
    },
  };
}

export async function buildSnapshotReport(ctx: ReportContext): Promise<Report> {
  // The exclusion list (which the others wait for) and a query that leaves nothing out go first; then
  // the longest first (window-nodes follows the exclusion in its lane), one query per task, so the
  // two lanes end together (1 M dials: window-nodes ~45 % of the query time, the last three ~10 %).
  const [exclusion, disconnects, windowNodes, freshnessRows, clients, nodeRttRows, cats, caps, nets, forkIds, discoveryRows] = await ctx.all([
    () => ctx.exclusion(),
    () => loadDisconnects(ctx),
    () => loadWindowNodes(ctx),
    () => loadFreshness(ctx),
    () => loadClients(ctx),
    () => loadNodeRtts(ctx),
    () => ctx.queryExcluding<CategoryRow>('nonproductive'),
    () => ctx.queryExcluding<CapabilityRow>('capabilities'),
    () => ctx.queryExcluding<NetworkRow>('networks'),
    () => loadForkIds(ctx),
    () => loadDiscoverySources(ctx),
  ] as const);
  const discovery = computeDiscovery(discoveryRows);
  const nonProductive = nonProductiveSections(ctx, cats, nets, caps);
  const stages = stagesFromWindow(windowNodes, exclusion.nodeIds.length);
  // one geo lookup per IP for both sections (window-nodes has one row per IP: no cache needed)
  const { country: countries, asn: asns } = geoCountsBy(windowNodes, ctx.geo, ['country', 'asn'] as const);
  const rtts = nodeRttRows.map((r) => ({ rttMs: r.rtt_ms }));
  const latency = summarize(rtts.map((r) => r.rttMs));
  const freshness = computeFreshness(freshnessRows);

  const excludedNote = ctx.includeAbusive
    ? `Node IDs of abusive IPs are included (--include-abusive): ${exclusion.ips.length} IP(s) carry ≥ ${ctx.abusiveMinIds} node IDs.`
    : `${exclusion.abusive.length} node IDs on ${exclusion.ips.length} public IP(s) carrying ≥ ${ctx.abusiveMinIds} node IDs each are left out (see report abusive; --include-abusive keeps them).`;
  const ownNote = `Our own ${exclusion.own.length} instance(s) are never counted, though they discover and dial each other.`;
  const [clientsSection, releasesSection] = clientSections(clients, ctx.top);
  const sections: Section[] = [
    stagesSection(stages, [excludedNote, ownNote]),
    layerSection(discovery),
    ...nonProductive.sections,
    forkIdsSection(forkIds, ctx.top),
    clientsSection!,
    releasesSection!,
    geoSection(countries, 'country', ctx.top, ctx.geo.source),
    geoSection(asns, 'asn', ctx.top, ctx.geo.source),
    latencySummarySection(latency),
    latencyHistogramSection(rtts),
    ...freshnessSections(freshness, ctx.network, ctx.top).slice(0, 1),
    reasonSection(disconnects, 'received'),
  ];
  return {
    name: 'snapshot',
    title: `Network snapshot, 24 hours to ${new Date(ctx.until).toISOString()}`,
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), at: new Date(ctx.until).toISOString(), include_abusive: ctx.includeAbusive, abusive_min_ids: ctx.abusiveMinIds },
    sections,
    data: {
      nodes: {
        discovered: stages.discovered,
        dialed: stages.dialed,
        responded: stages.responded,
        inbound: stages.inbound,
        hello: stages.hello,
        status: stages.status,
        mainnet: stages.mainnet,
      },
      excluded_abusive: { node_ids: exclusion.abusive.length, ips: exclusion.ips.map((i) => i.ip) },
      excluded_own_instances: exclusion.own.length,
      clients: clientsData(clients),
      countries: geoData(countries, 'country'),
      asns: geoData(asns, 'asn'),
      latency_ms: { p50: latency.p50, p90: latency.p90, p99: latency.p99, nodes: latency.nodes },
      freshness: freshnessData(freshness),
      disconnects: disconnectsData(disconnects),
      ...nonProductive.data,
      fork_ids: forkIdsData(forkIds),
      // discovery {v4_only, v5_only, both, neither, nodes, sources, overlap, by_layer} and layers
      // {execution, consensus, other, unknown}: see report discovery.
      ...discoveryData(discovery),
    },
  };
}
