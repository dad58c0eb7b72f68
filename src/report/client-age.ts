/**
 * `report client-age`: how many releases behind the newest seen release of the same client each
 * node runs. Releases are MAJOR.MINOR.PATCH (builds merged); "seen" means announced in a HELLO by at
 * least --release-min-nodes nodes at any time before the window's end (so one odd or forged version
 * string does not become "the newest"). A node's age = releases seen that are newer than its own.
 */
import { compareVersions } from '../devp2p/client-id.js';
import type { Report, Row, Section } from './render/model.js';
import { loadClients, releaseOf, type ClientRow } from './clients.js';
import { ReportContext, share } from './context.js';
import { quantileSorted } from './stats.js';

export interface ReleaseRow {
  client_name: string;
  client_version: string;
  first_seen_ms: number;
  nodes: number;
  [key: string]: unknown;
}

export interface ClientAge {
  client: string;
  newest: string | null;
  releases: number;
  nodes: number;
  /** Nodes without a parseable version. */
  unknown: number;
  /** behind → nodes */
  behind: Map<number, number>;
}

/** Releases per client (sorted oldest → newest) announced by at least `minNodes` nodes. */
export function knownReleases(rows: readonly ReleaseRow[], minNodes: number): Map<string, string[]> {
  const counts = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const rel = releaseOf(r.client_version);
    if (!rel) continue;
    const m = counts.get(r.client_name) ?? new Map<string, number>();
    m.set(rel, (m.get(rel) ?? 0) + r.nodes);
    counts.set(r.client_name, m);
  }
  const out = new Map<string, string[]>();
  for (const [client, m] of counts) {
    out.set(client, [...m.entries()].filter(([, n]) => n >= minNodes).map(([rel]) => rel).sort(compareVersions));
  }
  return out;
}

export function computeClientAge(clients: readonly ClientRow[], releases: ReadonlyMap<string, readonly string[]>): ClientAge[] {
  const byClient = new Map<string, ClientAge>();
  for (const r of clients) {
    const known = releases.get(r.client_name) ?? [];
    const age = byClient.get(r.client_name) ?? {
      client: r.client_name,
      newest: known[known.length - 1] ?? null,
      releases: known.length,
      nodes: 0,
      unknown: 0,
      behind: new Map<number, number>(),
    };
    age.nodes += r.nodes;
    const rel = releaseOf(r.client_version);
    if (!rel || known.length === 0) age.unknown += r.nodes;
    else {
      const newer = known.filter((k) => compareVersions(k, rel) > 0).length;
      age.behind.set(newer, (age.behind.get(newer) ?? 0) + r.nodes);
    }
    byClient.set(r.client_name, age);
  }
  return [...byClient.values()].sort((a, b) => b.nodes - a.nodes || (a.client < b.client ? -1 : 1));
}

const MAX_SHOWN_BEHIND = 10;

function expand(age: ClientAge): number[] {
  const out: number[] = [];
  for (const [b, n] of [...age.behind.entries()].sort((x, y) => x[0] - y[0])) for (let i = 0; i < n; i++) out.push(b);
  return out;
}

export function clientAgeSections(ages: readonly ClientAge[], top: number): Section[] {
  const shown = ages.slice(0, Math.min(top, 8));
  const table: Section = {
    id: 'client-age',
    title: 'Releases behind the newest, by client',
    columns: [
      { key: 'client', label: 'Client', type: 'text' },
      { key: 'newest', label: 'Newest release seen', type: 'text' },
      { key: 'releases', label: 'Releases seen', type: 'integer' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'up_to_date', label: 'On newest', type: 'percent' },
      { key: 'p50', label: 'p50 behind', type: 'number', digits: 1 },
      { key: 'p90', label: 'p90 behind', type: 'number', digits: 1 },
      { key: 'unknown', label: 'No version', type: 'integer' },
    ],
    rows: ages.slice(0, top).map((a): Row => {
      const sorted = expand(a);
      return {
        client: a.client || '(empty)',
        newest: a.newest,
        releases: a.releases,
        nodes: a.nodes,
        up_to_date: share(a.behind.get(0) ?? 0, sorted.length),
        p50: quantileSorted(sorted, 0.5),
        p90: quantileSorted(sorted, 0.9),
        unknown: a.unknown,
      };
    }),
    chart: { type: 'bar', x: 'client', series: ['p50', 'p90'], yLabel: 'releases behind' },
    notes: [
      'A release is MAJOR.MINOR.PATCH of the HELLO version; it counts as seen once enough nodes announced it (--release-min-nodes) before the window ended.',
      "A node's age is the number of seen releases of its client newer than its own; nodes whose version has no number, or whose client has no release seen, are under No version.",
    ],
  };
  const keys = shown.map((_, i) => `c${i}`);
  const dist: Section = {
    id: 'client-age-distribution',
    title: 'Releases behind the newest (nodes)',
    columns: [{ key: 'behind', label: 'Releases behind', type: 'text' }, ...shown.map((a, i) => ({ key: keys[i]!, label: a.client || '(empty)', type: 'integer' as const }))],
    rows: Array.from({ length: MAX_SHOWN_BEHIND + 1 }, (_, b): Row => {
      const row: Record<string, string | number> = { behind: b === MAX_SHOWN_BEHIND ? `${b}+` : String(b) };
      shown.forEach((a, i) => {
        let n = 0;
        for (const [k, v] of a.behind) if (b === MAX_SHOWN_BEHIND ? k >= b : k === b) n += v;
        row[keys[i]!] = n;
      });
      return row;
    }),
    ...(keys.length > 0 ? { chart: { type: 'stacked-bar' as const, x: 'behind', series: keys, yLabel: 'nodes' } } : {}),
  };
  return [table, dist];
}

export function clientAgeData(ages: readonly ClientAge[]): Record<string, unknown>[] {
  return ages.map((a) => ({
    client: a.client,
    newest: a.newest,
    releases: a.releases,
    nodes: a.nodes,
    unknown: a.unknown,
    behind: Object.fromEntries([...a.behind.entries()].sort((x, y) => x[0] - y[0]).map(([k, v]) => [String(k), v])),
  }));
}

export async function buildClientAgeReport(ctx: ReportContext): Promise<Report> {
  const clients = await loadClients(ctx);
  const releaseRows = await ctx.query<ReleaseRow>('client-releases');
  const ages = computeClientAge(clients, knownReleases(releaseRows, ctx.releaseMinNodes));
  const { nodeIds } = await ctx.exclusion();
  return {
    name: 'client-age',
    title: 'Client age (releases behind)',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), release_min_nodes: ctx.releaseMinNodes, excluded_node_ids: nodeIds.length },
    sections: clientAgeSections(ages, ctx.top),
    data: { client_age: clientAgeData(ages) },
  };
}
