/**
 * `report nodes`: one row per node active in the window (sql/reports/nodes.sql) — its endpoint,
 * client, chain, fork ID and verdict, best block, network RTT (README "How RTT is measured and what it
 * means"), the handshake and HELLO→STATUS times that include the node's own work, and how we learned
 * it. JSON (DESIGN.md): `nodes` [{id, ip, tcp_port, udp_port, client_id, client, version, os,
 * network_id, fork_id {hash, next}, fork_verdict, best_block, rtt_ms, srtt_ms, handshake_ms,
 * status_ms, dials, first_seen, last_seen, sources}]; uint64 values are decimal strings, times ISO 8601.
 * Filters: those of the web list (src/report/node-filter.ts): network, client, version prefix, fork
 * verdict, seen since and direction in SQL (bound parameters), country and AS by the geo database.
 */
import { hasGeoFilter, matchesGeo, nodeFilterParameters } from './node-filter.js';
import type { Report, Section } from './render/model.js';
import type { ReportContext } from './context.js';
import { latencyHistogramSection } from './latency.js';

export interface NodeRow {
  id: string;
  ip: string | null;
  tcp_port: number | null;
  udp_port: number | null;
  client_id: string | null;
  client: string | null;
  version: string | null;
  os: string | null;
  network_id: string | null;
  fork_hash: string | null;
  fork_next: string | null;
  fork_verdict: string | null;
  best_block: string | null;
  rtt_ms: number | null;
  srtt_ms: number | null;
  handshake_ms: number | null;
  status_ms: number | null;
  dials: number;
  first_seen_ms: number | null;
  last_seen_ms: number | null;
  sources: string[];
  [key: string]: unknown;
}

export async function loadNodes(ctx: ReportContext): Promise<NodeRow[]> {
  const f = ctx.nodeFilters;
  const rows = await ctx.queryExcluding<NodeRow>('nodes', {
    network_id: f.networkId,
    network_genesis: f.genesis,
    client: f.client,
    version: f.version,
    fork_verdict: f.forkVerdict,
    seen_since: f.seenSince === null ? null : new Date(f.seenSince).toISOString(),
    direction: f.direction,
  });
  return hasGeoFilter(f) ? rows.filter((r) => matchesGeo(f, r.ip, { lookup: (ip) => ctx.locate(ip) })) : rows;
}

const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());

/** The `nodes` array of the JSON contract. */
export function nodesData(rows: readonly NodeRow[]): Record<string, unknown>[] {
  return rows.map((r) => ({
    id: r.id,
    ip: r.ip,
    tcp_port: r.tcp_port,
    udp_port: r.udp_port,
    client_id: r.client_id,
    client: r.client,
    version: r.version,
    os: r.os,
    network_id: r.network_id,
    fork_id: r.fork_hash === null ? null : { hash: `0x${r.fork_hash}`, next: r.fork_next },
    fork_verdict: r.fork_verdict,
    best_block: r.best_block,
    rtt_ms: r.rtt_ms,
    srtt_ms: r.srtt_ms,
    handshake_ms: r.handshake_ms,
    status_ms: r.status_ms,
    dials: r.dials,
    first_seen: iso(r.first_seen_ms),
    last_seen: iso(r.last_seen_ms),
    sources: [...r.sources].sort(),
  }));
}

function nodesSection(rows: readonly NodeRow[]): Section {
  return {
    id: 'nodes',
    title: 'Nodes',
    columns: [
      { key: 'id', label: 'node ID', type: 'text' },
      { key: 'ip', type: 'text' },
      { key: 'tcp_port', label: 'TCP', type: 'integer' },
      { key: 'client', type: 'text' },
      { key: 'version', type: 'text' },
      { key: 'network_id', label: 'network', type: 'text' },
      { key: 'fork_id', label: 'fork ID', type: 'text' },
      { key: 'fork_verdict', label: 'fork verdict', type: 'text' },
      { key: 'best_block', label: 'best block', type: 'text' },
      { key: 'rtt_ms', label: 'RTT', type: 'ms', digits: 1 },
      { key: 'handshake_ms', label: 'RLPx handshake', type: 'ms', digits: 0 },
      { key: 'status_ms', label: 'HELLO→STATUS', type: 'ms', digits: 0 },
      { key: 'dials', type: 'integer' },
      { key: 'last_seen', label: 'last seen', type: 'timestamp' },
      { key: 'sources', type: 'text' },
    ],
    rows: rows.map((r) => ({
      id: r.id,
      ip: r.ip,
      tcp_port: r.tcp_port,
      client: r.client,
      version: r.version,
      network_id: r.network_id,
      fork_id: r.fork_hash === null ? null : `0x${r.fork_hash}/${r.fork_next ?? '?'}`,
      fork_verdict: r.fork_verdict,
      best_block: r.best_block,
      rtt_ms: r.rtt_ms,
      handshake_ms: r.handshake_ms,
      status_ms: r.status_ms,
      dials: r.dials,
      last_seen: r.last_seen_ms,
      sources: [...r.sources].sort().join(','),
    })),
    notes: [
      `${rows.length} nodes active in the window (discovered, dialed, inbound, HELLO or STATUS).`,
      'RTT: the network round trip — per connection the lowest of its p2p PING→PONG samples (else the discv4 PING→PONG); per node the lowest over instances of the per-instance median.',
      'RLPx handshake (auth→ack) and HELLO→STATUS are medians that include the node\'s own work (ECIES, peer setup): high values show slow or overloaded clients, not distance.',
    ],
  };
}

export async function buildNodesReport(ctx: ReportContext): Promise<Report> {
  const rows = await loadNodes(ctx);
  const { nodeIds } = await ctx.exclusion();
  return {
    name: 'nodes',
    title: 'Nodes',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), ...nodeFilterParameters(ctx.nodeFilters), excluded_node_ids: nodeIds.length },
    // The table first; the RTT distribution of the same rows (also what the HTML charts).
    sections: [nodesSection(rows), latencyHistogramSection(rows.flatMap((r) => (r.rtt_ms === null ? [] : [{ rttMs: r.rtt_ms }])))],
    data: { nodes: nodesData(rows) },
  };
}
