/**
 * `report rebonds`: how often each client forgot our discv4 endpoint proof before we forgot its
 * (sql/reports/findnode-rebonds.sql; reth keeps a proof 1 h, geth 24 h, discv4.md says 12 h). A
 * FINDNODE that relied on an older bond and got no answer is retried once after a fresh bond
 * (discv4/endpoint.ts); counts are per node since the database began, so there is no time window.
 *
 * JSON: `rebonds` [{client, nodes, rebonds, answered, last_at}].
 */
import type { Report, Row, Section } from './render/model.js';
import { ReportContext, share } from './context.js';

export interface RebondRow {
  client: string;
  nodes: number;
  rebonds: number;
  answered: number;
  last_at: number | null;
  [key: string]: unknown;
}

export async function buildRebondsReport(ctx: ReportContext): Promise<Report> {
  const { nodeIds } = await ctx.exclusion();
  const rows = await ctx.query<RebondRow>('findnode-rebonds', { excluded: nodeIds });
  const section: Section = {
    id: 'rebonds',
    title: 'FINDNODE retried after a re-bond, by client',
    columns: [
      { key: 'client', label: 'Client (latest HELLO)', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'rebonds', label: 'Re-bonds', type: 'integer' },
      { key: 'answered', label: 'Answered after re-bond', type: 'integer' },
      { key: 'answered_share', label: 'Answered share', type: 'percent' },
      { key: 'last_at', label: 'Latest', type: 'timestamp' },
    ],
    rows: rows.map((r): Row => ({ client: r.client || '(no HELLO)', nodes: r.nodes, rebonds: r.rebonds, answered: r.answered, answered_share: share(r.answered, r.rebonds), last_at: r.last_at })),
    chart: { type: 'bar', x: 'client', series: ['rebonds', 'answered'], yLabel: 're-bonds' },
    notes: [
      'An answered retry means the node had dropped our endpoint proof while we still relied on it (reth keeps proofs 1 h, geth 24 h).',
      'Cumulative since the database began: --since/--until do not apply.',
    ],
  };
  return {
    name: 'rebonds',
    title: 'Discovery re-bonds by client',
    generatedAt: ctx.generatedAt,
    parameters: { excluded_node_ids: nodeIds.length },
    sections: [section],
    data: { rebonds: rows.map((r) => ({ client: r.client, nodes: r.nodes, rebonds: r.rebonds, answered: r.answered, last_at: r.last_at })) },
  };
}
