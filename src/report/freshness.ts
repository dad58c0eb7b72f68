/**
 * `report freshness`: how far each node's best block is behind the network head. The best block
 * number comes from STATUS (eth/69 carries it) or a header request for the best hash, else from any
 * other STATUS that named the same best hash with a known number. The head is a robust maximum
 * (stats.robustMax): the highest block at least max(2, 1 %) of the nodes have reached, so a single
 * peer lying about its head cannot make everybody look stale.
 */
import { getNetwork } from '../eth/networks.js';
import type { Report, Row, Section } from './render/model.js';
import { ReportContext, share } from './context.js';
import { quantileSorted, robustMax } from './stats.js';

export interface FreshnessRow {
  node_id: string;
  at_ms: number;
  best_block: string | null;
  inferred: boolean;
  client_name: string | null;
  [key: string]: unknown;
}

/** Lag classes (blocks behind the head); a node at or above the head is 0. */
export const LAG_CLASSES = [
  { key: 'at head', min: 0, max: 0 },
  { key: '1–2', min: 1, max: 2 },
  { key: '3–10', min: 3, max: 10 },
  { key: '11–100', min: 11, max: 100 },
  { key: '101–1000', min: 101, max: 1000 },
  { key: '1001–100000', min: 1001, max: 100_000 },
  { key: 'more', min: 100_001, max: Infinity },
] as const;

export interface FreshnessResult {
  nodes: number;
  withBlock: number;
  inferred: number;
  head: number | null;
  headK: number | null;
  lags: { node: string; lag: number; client: string | null }[];
  p50: number | null;
  p90: number | null;
}

export function loadFreshness(ctx: ReportContext): Promise<FreshnessRow[]> {
  return ctx.once('freshness', () => ctx.queryExcluding<FreshnessRow>('freshness', { genesis: getNetwork(ctx.network).genesisHash }));
}

export function computeFreshness(rows: readonly FreshnessRow[]): FreshnessResult {
  const known = rows.filter((r) => r.best_block !== null).map((r) => ({ r, block: Number(r.best_block) }));
  const head = robustMax(known.map((k) => k.block));
  const lags = known.map((k) => ({ node: k.r.node_id, lag: head ? Math.max(0, head.value - k.block) : 0, client: k.r.client_name }));
  const sorted = lags.map((l) => l.lag).sort((a, b) => a - b);
  return {
    nodes: rows.length,
    withBlock: known.length,
    inferred: rows.filter((r) => r.inferred).length,
    head: head?.value ?? null,
    headK: head?.k ?? null,
    lags,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
  };
}

export function freshnessSections(f: FreshnessResult, network: string, top: number): Section[] {
  const classes = LAG_CLASSES.map((c) => ({ key: c.key, nodes: f.lags.filter((l) => l.lag >= c.min && l.lag <= c.max).length }));
  const dist: Section = {
    id: 'freshness',
    title: 'Blocks behind the head',
    columns: [
      { key: 'key', label: 'Blocks behind', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
    ],
    rows: classes.map((c): Row => ({ key: c.key, nodes: c.nodes, share: share(c.nodes, f.withBlock) })),
    chart: { type: 'bar', x: 'key', series: ['nodes'], yLabel: 'nodes' },
    notes: [
      `Head = block ${f.head ?? '—'}: the highest block reached by at least ${f.headK ?? '—'} nodes (max(2, 1 %) of those with a known block) — a robust maximum.`,
      `${f.nodes} ${network} nodes with STATUS in the window, ${f.withBlock} with a known best-block number (${f.inferred} of them from another STATUS naming the same best hash). Each node's latest STATUS counts.`,
      `Median ${f.p50 ?? '—'} blocks behind, p90 ${f.p90 ?? '—'}.`,
    ],
  };
  const byClient = new Map<string, number[]>();
  for (const l of f.lags) {
    const k = l.client ?? '(unknown)';
    const a = byClient.get(k) ?? [];
    a.push(l.lag);
    byClient.set(k, a);
  }
  const clientRows = [...byClient.entries()]
    .map(([key, lags]) => {
      const sorted = lags.sort((a, b) => a - b);
      return { key, nodes: sorted.length, at_head: share(sorted.filter((x) => x === 0).length, sorted.length), p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9) };
    })
    .sort((a, b) => b.nodes - a.nodes || (a.key < b.key ? -1 : 1))
    .slice(0, top);
  const clients: Section = {
    id: 'freshness-clients',
    title: 'Blocks behind the head, by client',
    columns: [
      { key: 'key', label: 'Client', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'at_head', label: 'At head', type: 'percent' },
      { key: 'p50', label: 'p50 behind', type: 'number', digits: 1 },
      { key: 'p90', label: 'p90 behind', type: 'number', digits: 1 },
    ],
    rows: clientRows,
    chart: { type: 'bar', x: 'key', series: ['p50', 'p90'], yLabel: 'blocks behind' },
  };
  return [dist, clients];
}

export function freshnessData(f: FreshnessResult): Record<string, unknown> {
  return { head: f.head, head_k: f.headK, nodes: f.nodes, with_block: f.withBlock, inferred: f.inferred, p50_behind: f.p50, p90_behind: f.p90 };
}

export async function buildFreshnessReport(ctx: ReportContext): Promise<Report> {
  const f = computeFreshness(await loadFreshness(ctx));
  const { nodeIds } = await ctx.exclusion();
  return {
    name: 'freshness',
    title: `Chain freshness (${ctx.network})`,
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), network: ctx.network, excluded_node_ids: nodeIds.length },
    sections: freshnessSections(f, ctx.network, ctx.top),
    data: { freshness: freshnessData(f) },
  };
}
