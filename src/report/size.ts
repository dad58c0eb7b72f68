/**
 * `report size`: the network size estimated from the overlap between instances (capture–recapture:
 * each instance's discovery is a "census" of the node IDs in the window), with 95 % intervals, and
 * the coverage curve as instances are added (1…N). Shared with `report coverage` and the snapshot.
 *
 * Caveat printed with the numbers: Kademlia lookups are not independent random samples — instances
 * find well-connected nodes more easily than others (capture heterogeneity), which biases two-sample
 * and Schnabel estimates low. Chao's M_h estimator is a lower bound that tolerates heterogeneity.
 */
import type { Report, Row, Section } from './render/model.js';
import { ReportContext, share, shortId } from './context.js';
import { chao, chapman, expectedCoverage, schnabel, type CaptureHistory, type SizeEstimate } from './stats.js';

export interface InstanceRow {
  instance: string;
  host: string | null;
  udp_port: number | null;
  tcp_port: number | null;
  network: string | null;
  [key: string]: unknown;
}

export interface Captures {
  /** Instances that discovered at least one node in the window, sorted by ID (sample order). */
  instances: string[];
  histories: CaptureHistory[];
  observed: number;
  /** c → nodes discovered by exactly c instances. */
  frequencies: Map<number, number>;
}

export function loadCaptures(ctx: ReportContext): Promise<Captures> {
  return ctx.once('captures', async () => {
    const rows = await ctx.queryExcluding<CaptureRow>('instance-captures');
    return capturesFromMasks(rows);
  });
}

export interface CaptureRow {
  /** Hex instance IDs, comma-separated, in bit order. */
  instances: string;
  /** '0'/'1' per instance. */
  mask: string;
  nodes: number;
  [key: string]: unknown;
}

export function capturesFromMasks(rows: readonly CaptureRow[]): Captures {
  const instances = rows[0]?.instances ? rows[0].instances.split(',') : [];
  const frequencies = new Map<number, number>();
  let observed = 0;
  const histories = rows.map((r) => {
    const members: number[] = [];
    for (let i = 0; i < r.mask.length; i++) if (r.mask[i] === '1') members.push(i);
    observed += r.nodes;
    frequencies.set(members.length, (frequencies.get(members.length) ?? 0) + r.nodes);
    return { members, count: r.nodes };
  });
  return { instances, histories, observed, frequencies };
}

export interface SizeResult {
  observed: number;
  instances: number;
  estimates: SizeEstimate[];
  /** Expected distinct nodes for k random instances, k = 1..N. */
  expected: number[];
  /** Distinct nodes of instances 1..k in ID order. */
  inOrder: number[];
}

export function estimateSize(c: Captures): SizeResult {
  const k = c.instances.length;
  const estimates: SizeEstimate[] = [];
  if (k === 2) {
    let n1 = 0;
    let n2 = 0;
    let m = 0;
    for (const h of c.histories) {
      const a = h.members.includes(0);
      const b = h.members.includes(1);
      if (a) n1 += h.count;
      if (b) n2 += h.count;
      if (a && b) m += h.count;
    }
    estimates.push(chapman(n1, n2, m));
  }
  if (k >= 2) estimates.push(schnabel(c.histories, k), chao(c.frequencies, k));
  const inOrder = c.instances.map((_, t) => c.histories.filter((h) => h.members.some((m) => m <= t)).reduce((s, h) => s + h.count, 0));
  return { observed: c.observed, instances: k, estimates, expected: expectedCoverage(c.frequencies, k), inOrder };
}

const METHOD_NOTES: Record<SizeEstimate['method'], string> = {
  chapman: 'Chapman (bias-corrected Lincoln–Petersen, 2 instances): N = (n1+1)(n2+1)/(m+1) − 1, normal 95 % CI.',
  schnabel: 'Schnabel (instances as successive censuses, in ID order): N = ΣC·M/(ΣR+1), 95 % CI from a Poisson interval on ΣR.',
  chao: "Chao's M_h lower bound (heterogeneous capture): N = S + ((k−1)/k)·f1²/(2·f2), log-normal 95 % CI.",
};

export function sizeSections(r: SizeResult, c: Captures): Section[] {
  const estimates: Section = {
    id: 'size-estimates',
    title: 'Network size estimates (capture–recapture between instances)',
    columns: [
      { key: 'method', label: 'Method', type: 'text' },
      { key: 'estimate', label: 'Estimate', type: 'number', digits: 0 },
      { key: 'lower', label: '95 % CI low', type: 'number', digits: 0 },
      { key: 'upper', label: '95 % CI high', type: 'number', digits: 0 },
      { key: 'observed', label: 'Observed', type: 'integer' },
    ],
    rows: r.estimates.map((e): Row => ({ method: e.method, estimate: e.estimate, lower: e.lower, upper: e.upper, observed: e.observed })),
    chart: { type: 'bar', x: 'method', series: ['lower', 'estimate', 'upper', 'observed'], yLabel: 'node IDs' },
    notes: [
      `${r.observed} distinct node IDs learned from discovery by ${r.instances} instance(s) in the window; each instance is one capture sample.`,
      ...r.estimates.map((e) => METHOD_NOTES[e.method]),
      r.instances < 2
        ? 'With fewer than two instances there is no overlap to estimate from: run --instances 2 or more.'
        : 'Kademlia lookups favour well-connected nodes (heterogeneous capture), which biases Chapman and Schnabel low; intervals never go below the nodes observed.',
    ],
  };
  const curve: Section = {
    id: 'coverage-curve',
    title: 'Coverage as instances are added',
    columns: [
      { key: 'instances', label: 'Instances', type: 'integer' },
      { key: 'expected', label: 'Expected (random instances)', type: 'number', digits: 1 },
      { key: 'in_order', label: 'In ID order', type: 'integer' },
      { key: 'share', label: 'Share of all observed', type: 'percent' },
    ],
    rows: r.expected.map((e, i): Row => ({ instances: i + 1, expected: e, in_order: r.inOrder[i]!, share: share(e, r.observed) })),
    chart: { type: 'line', x: 'instances', series: ['expected', 'in_order'], xLabel: 'instances', yLabel: 'distinct node IDs' },
    notes: ['Expected = the average over every subset of k instances, exact from the capture frequencies: Σ_c f_c·(1 − C(N−c,k)/C(N,k)).'],
  };
  const freq: Section = {
    id: 'capture-frequencies',
    title: 'Nodes by number of instances that found them',
    columns: [
      { key: 'instances', label: 'Found by', type: 'integer' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
    ],
    rows: [...c.frequencies.entries()].sort((a, b) => a[0] - b[0]).map(([k, n]): Row => ({ instances: k, nodes: n, share: share(n, r.observed) })),
    chart: { type: 'bar', x: 'instances', series: ['nodes'], xLabel: 'instances', yLabel: 'nodes' },
  };
  return [estimates, curve, freq];
}

export function sizeData(r: SizeResult): Record<string, unknown> {
  return {
    observed: r.observed,
    instances: r.instances,
    estimates: Object.fromEntries(r.estimates.map((e) => [e.method, { estimate: e.estimate, lower: e.lower, upper: e.upper }])),
    coverage_curve: r.expected,
  };
}

export function instanceLabel(id: string, instances: readonly InstanceRow[]): string {
  const i = instances.find((x) => x.instance === id);
  return i?.host ? `${shortId(id)} @${i.host}:${i.tcp_port ?? '?'}` : shortId(id);
}

export async function buildSizeReport(ctx: ReportContext): Promise<Report> {
  const captures = await loadCaptures(ctx);
  const result = estimateSize(captures);
  const { nodeIds } = await ctx.exclusion();
  return {
    name: 'size',
    title: 'Network size estimate',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), excluded_node_ids: nodeIds.length },
    sections: sizeSections(result, captures),
    data: { size_estimate: sizeData(result) },
  };
}
