/**
 * `report longitudinal`: the crawl over time, per hour or day — discovery attempts (FINDNODE v4 and v5, v5 lookups),
 * dynamic and static dials, nodes attempted vs responded, new node IDs, distinct HELLO nodes, the
 * popularity of client releases over time, and the nodes' network RTT per day (rollup_rtt).
 */
import type { Report, Row, Section } from './render/model.js';
import { ReportContext } from './context.js';

interface DiscoveryRow {
  bucket_ms: number;
  findnode_sent: number;
  neighbors_received: number;
  nodes_learned: number;
  new_nodes: number;
  pings_sent: number;
  pongs_received: number;
  instances: number;
  v5_lookups: number;
  v5_findnode_sent: number;
  v5_records_learned: number;
  v5_instances: number;
  [key: string]: unknown;
}

interface DialRow {
  bucket_ms: number;
  dynamic_dials: number;
  static_dials: number;
  inbound: number;
  nodes_attempted: number;
  nodes_responded: number;
  hello_nodes: number;
  status_nodes: number;
  [key: string]: unknown;
}

interface ClientBucketRow {
  bucket_ms: number;
  client_name: string;
  release: string;
  nodes: number;
  [key: string]: unknown;
}

/** One UTC day of longitudinal-rtt.sql: percentiles read from the day's RTT histogram. */
export interface RttDay {
  bucket_ms: number;
  nodes: number;
  p50_ms: number | null;
  p90_ms: number | null;
  histogram: string;
  [key: string]: unknown;
}

export interface LongitudinalBucket {
  bucket_ms: number;
  findnode_sent: number;
  v5_findnode_sent: number;
  v5_lookups: number;
  v5_records_learned: number;
  dynamic_dials: number;
  static_dials: number;
  inbound: number;
  nodes_attempted: number;
  nodes_responded: number;
  new_nodes: number;
  hello_nodes: number;
  status_nodes: number;
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** Every bucket start in [since, until), aligned to UTC (as date_bin from the epoch). */
export function bucketStarts(since: number, until: number, bucket: 'hour' | 'day'): number[] {
  const w = BUCKET_MS[bucket];
  const out: number[] = [];
  for (let t = Math.floor(since / w) * w; t < until; t += w) out.push(t);
  return out;
}

export async function loadLongitudinal(ctx: ReportContext): Promise<{ buckets: LongitudinalBucket[]; clients: ClientBucketRow[]; rtt: RttDay[] }> {
  const interval = ctx.bucket === 'hour' ? '1 hour' : '1 day';
  const [dials, clients, disc, fresh, rtt] = await ctx.all([
    () => ctx.query<DialRow>('longitudinal-dials', { bucket: interval }),
    () => ctx.query<ClientBucketRow>('longitudinal-clients', { bucket: interval }),
    () => ctx.query<DiscoveryRow>('longitudinal-discovery', { bucket: interval }),
    () => ctx.query<{ bucket_ms: number; new_nodes: number }>('longitudinal-new-nodes', { bucket: interval }),
    () => ctx.query<RttDay>('longitudinal-rtt'),
  ] as const);
  const d = new Map(disc.map((r) => [r.bucket_ms, r]));
  const c = new Map(dials.map((r) => [r.bucket_ms, r]));
  const n = new Map(fresh.map((r) => [r.bucket_ms, r.new_nodes]));
  const buckets = bucketStarts(ctx.since, ctx.until, ctx.bucket).map((t) => ({
    bucket_ms: t,
    findnode_sent: d.get(t)?.findnode_sent ?? 0,
    v5_findnode_sent: d.get(t)?.v5_findnode_sent ?? 0,
    v5_lookups: d.get(t)?.v5_lookups ?? 0,
    v5_records_learned: d.get(t)?.v5_records_learned ?? 0,
    dynamic_dials: c.get(t)?.dynamic_dials ?? 0,
    static_dials: c.get(t)?.static_dials ?? 0,
    inbound: c.get(t)?.inbound ?? 0,
    nodes_attempted: c.get(t)?.nodes_attempted ?? 0,
    nodes_responded: c.get(t)?.nodes_responded ?? 0,
    new_nodes: n.get(t) ?? 0,
    hello_nodes: c.get(t)?.hello_nodes ?? 0,
    status_nodes: c.get(t)?.status_nodes ?? 0,
  }));
  return { buckets, clients, rtt };
}

/** Network RTT per UTC day (whatever the bucket: the rollup keeps one histogram per day). */
export function rttSection(rtt: readonly RttDay[]): Section {
  return {
    id: 'rtt',
    title: 'Network RTT per day',
    columns: [
      { key: 'day', label: 'Day (UTC)', type: 'timestamp' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'p50_ms', label: 'Median', type: 'ms' },
      { key: 'p90_ms', label: '90th percentile', type: 'ms' },
    ],
    rows: rtt.map((r): Row => ({ day: r.bucket_ms, nodes: r.nodes, p50_ms: r.p50_ms, p90_ms: r.p90_ms })),
    ...(rtt.length > 0 ? { chart: { type: 'line' as const, x: 'day', series: ['p50_ms', 'p90_ms'], xLabel: 'day (UTC)', yLabel: 'RTT (ms)' } } : {}),
    notes: [
      "Per node and day its network RTT as in `report latency` (the lowest per-instance median); percentiles over the day's nodes, read from log buckets of four per doubling (within ±9 %), as the daily rollups keep them.",
    ],
  };
}

function series(id: string, title: string, buckets: readonly LongitudinalBucket[], cols: { key: keyof LongitudinalBucket; label: string }[], yLabel: string, notes: string[] = []): Section {
  return {
    id,
    title,
    columns: [{ key: 'bucket', label: 'Bucket start', type: 'timestamp' }, ...cols.map((c) => ({ key: c.key, label: c.label, type: 'integer' as const }))],
    rows: buckets.map((b): Row => Object.fromEntries([['bucket', b.bucket_ms], ...cols.map((c) => [c.key, b[c.key]])])),
    chart: { type: 'line', x: 'bucket', series: cols.map((c) => c.key), xLabel: 'time (UTC)', yLabel },
    notes,
  };
}

/** Client releases over time: the `top` releases overall, distinct nodes per bucket. */
export function releaseSection(rows: readonly ClientBucketRow[], buckets: readonly number[], top: number): Section {
  const totals = new Map<string, number>();
  for (const r of rows) {
    const k = `${r.client_name} ${r.release}`;
    totals.set(k, (totals.get(k) ?? 0) + r.nodes);
  }
  const keys = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, Math.min(top, 8)).map(([k]) => k);
  const col = new Map(keys.map((k, i) => [k, `v${i}`]));
  const byBucket = new Map<number, Record<string, number>>();
  for (const r of rows) {
    const key = col.get(`${r.client_name} ${r.release}`);
    if (!key) continue;
    const b = byBucket.get(r.bucket_ms) ?? {};
    b[key] = (b[key] ?? 0) + r.nodes;
    byBucket.set(r.bucket_ms, b);
  }
  return {
    id: 'release-popularity',
    title: 'Client release popularity over time',
    columns: [{ key: 'bucket', label: 'Bucket start', type: 'timestamp' }, ...keys.map((k) => ({ key: col.get(k)!, label: k, type: 'integer' as const }))],
    rows: buckets.map((t): Row => Object.fromEntries([['bucket', t], ...keys.map((k) => [col.get(k)!, byBucket.get(t)?.[col.get(k)!] ?? 0])])),
    ...(keys.length > 0 ? { chart: { type: 'line' as const, x: 'bucket', series: keys.map((k) => col.get(k)!), xLabel: 'time (UTC)', yLabel: 'nodes (HELLO)' } } : {}),
    notes: [`Distinct nodes per bucket announcing each release in HELLO; the ${keys.length} most popular releases of the span.`],
  };
}

export async function buildLongitudinalReport(ctx: ReportContext): Promise<Report> {
  const { buckets, clients, rtt } = await loadLongitudinal(ctx);
  return {
    name: 'longitudinal',
    title: `The crawl over time (per ${ctx.bucket})`,
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), bucket: ctx.bucket },
    sections: [
      series('discovery', 'Discovery attempts', buckets, [
        { key: 'findnode_sent', label: 'FINDNODE sent (v4)' },
        { key: 'v5_findnode_sent', label: 'FINDNODE sent (v5)' },
        { key: 'v5_lookups', label: 'Lookups (v5)' },
        { key: 'v5_records_learned', label: 'Records learned (v5)' },
      ], 'requests', ['All instances together (discovery_counters, discovery_v5_counters; per instance: rollup_discovery_v5). v5 FINDNODE counts lookups, table enumeration and bootnode record requests; records learned = new to the instance\'s v5 table.']),
      series('dials', 'Dials', buckets, [
        { key: 'dynamic_dials', label: 'Dynamic dials' },
        { key: 'static_dials', label: 'Static dials' },
        { key: 'inbound', label: 'Inbound connections' },
      ], 'connections', ['Dynamic = dialed from discovery; static = redials of nodes that once answered HELLO or too_many_peers.']),
      series('nodes', 'Nodes attempted, responded, reached', buckets, [
        { key: 'nodes_attempted', label: 'Attempted' },
        { key: 'nodes_responded', label: 'Responded' },
        { key: 'hello_nodes', label: 'HELLO' },
        { key: 'status_nodes', label: 'STATUS' },
        { key: 'new_nodes', label: 'New node IDs' },
      ], 'distinct node IDs', ['Responded = an outbound dial got STATUS, HELLO or DISCONNECT; HELLO/STATUS count outbound and inbound; new = first seen ever.']),
      releaseSection(clients, buckets.map((b) => b.bucket_ms), ctx.top),
      rttSection(rtt),
    ],
    data: { bucket: ctx.bucket, buckets, rtt: rtt.map((r) => ({ day_ms: r.bucket_ms, nodes: r.nodes, p50_ms: r.p50_ms, p90_ms: r.p90_ms })) },
  };
}
