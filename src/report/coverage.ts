/**
 * `report coverage`: what each instance found, how coverage grows with instances, and — with
 * `--external <file>` — the overlap with another node list (the paper compared NodeFinder with
 * ethernodes.org): how many of its nodes we discovered, dialed and reached, and how many of ours it lacks.
 */
import type { Report, Row, Section } from './render/model.js';
import { ReportContext, share } from './context.js';
import type { ExternalList } from './external-list.js';
import { estimateSize, instanceLabel, loadCaptures, sizeSections, type Captures, type InstanceRow } from './size.js';

export interface ExternalOverlap {
  external: number;
  known_ever: number;
  discovered: number;
  dialed: number;
  reached: number;
  status: number;
  ours: number;
  ours_not_external: number;
  [key: string]: unknown;
}

export function instanceSection(c: Captures, instances: readonly InstanceRow[]): Section {
  const found = new Array<number>(c.instances.length).fill(0);
  const unique = new Array<number>(c.instances.length).fill(0);
  for (const h of c.histories) {
    for (const m of h.members) found[m]! += h.count;
    if (h.members.length === 1) unique[h.members[0]!]! += h.count;
  }
  return {
    id: 'instances',
    title: 'Nodes discovered per instance',
    columns: [
      { key: 'instance', label: 'Instance', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'share', label: 'Share of all', type: 'percent' },
      { key: 'unique', label: 'Only this instance', type: 'integer' },
    ],
    rows: c.instances.map((id, i): Row => ({ instance: instanceLabel(id, instances), nodes: found[i]!, share: share(found[i]!, c.observed), unique: unique[i]! })),
    chart: { type: 'bar', x: 'instance', series: ['nodes', 'unique'], yLabel: 'node IDs' },
  };
}

export function externalSection(o: ExternalOverlap, list: ExternalList): Section {
  const unreached = Math.max(0, o.known_ever - o.reached);
  const rows: Row[] = [
    { what: `in ${list.source}`, nodes: o.external, share: 1 },
    { what: 'known to NodeFinder (ever)', nodes: o.known_ever, share: share(o.known_ever, o.external) },
    { what: 'discovered in the window', nodes: o.discovered, share: share(o.discovered, o.external) },
    { what: 'dialed in the window', nodes: o.dialed, share: share(o.dialed, o.external) },
    { what: 'reached (HELLO) in the window', nodes: o.reached, share: share(o.reached, o.external) },
    { what: 'reached with STATUS', nodes: o.status, share: share(o.status, o.external) },
    { what: 'known but not reached', nodes: unreached, share: share(unreached, o.external) },
    { what: 'not known to NodeFinder', nodes: o.external - o.known_ever, share: share(o.external - o.known_ever, o.external) },
    { what: 'ours (discovered or reached) not in the list', nodes: o.ours_not_external, share: share(o.ours_not_external, o.ours) },
  ];
  return {
    id: 'external-overlap',
    title: `Overlap with ${list.source}`,
    columns: [
      { key: 'what', label: '', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
    ],
    rows,
    chart: { type: 'bar', x: 'what', series: ['nodes'], yLabel: 'nodes' },
    notes: [
      `${list.entries} entries (${list.format}), ${o.external} distinct node IDs. Shares are of the external list, except the last row (of our ${o.ours} nodes).`,
    ],
  };
}

export async function buildCoverageReport(ctx: ReportContext): Promise<Report> {
  const captures = await loadCaptures(ctx);
  const instances = await ctx.query<InstanceRow>('instances');
  const size = estimateSize(captures);
  const sections: Section[] = [instanceSection(captures, instances), ...sizeSections(size, captures).filter((s) => s.id !== 'size-estimates')];
  let external: ExternalOverlap | null = null;
  if (ctx.external) {
    const [row] = await ctx.query<ExternalOverlap>('coverage-external', { external: ctx.external.nodeIds });
    external = row!;
    sections.unshift(externalSection(external, ctx.external));
  }
  const { nodeIds } = await ctx.exclusion();
  return {
    name: 'coverage',
    title: 'Coverage',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), external: ctx.external?.source ?? null, excluded_node_ids: nodeIds.length },
    sections,
    data: {
      instances: captures.instances.length,
      observed: captures.observed,
      coverage_curve: size.expected,
      external: external ? { ...external, unreached: Math.max(0, external.known_ever - external.reached) } : null,
    },
  };
}
