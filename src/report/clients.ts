/**
 * `report clients`: client software of the nodes that completed HELLO in the window — names,
 * releases, operating systems, architectures, runtimes — each node counted once (latest HELLO).
 */
import { parseVersion } from '../devp2p/client-id.js';
import type { Report, Section } from './render/model.js';
import { ReportContext, share } from './context.js';

export interface ClientRow {
  client_name: string;
  client_version: string | null;
  os: string | null;
  arch: string | null;
  runtime: string | null;
  nodes: number;
  mainnet_nodes: number;
  [key: string]: unknown;
}

export interface CountItem {
  key: string;
  count: number;
  mainnet: number;
}

export function loadClients(ctx: ReportContext): Promise<ClientRow[]> {
  return ctx.once('clients', () => ctx.queryExcluding<ClientRow>('clients'));
}

/** "v1.14.11-stable-f3c696fa" → "1.14.11"; null when there is no version number. */
export function releaseOf(version: string | null | undefined): string | null {
  const v = parseVersion(version);
  return v ? `${v.major}.${v.minor}.${v.patch}` : null;
}

/** Sum rows by a key, largest first (ties by key). */
export function countBy(rows: readonly ClientRow[], key: (r: ClientRow) => string): CountItem[] {
  const m = new Map<string, CountItem>();
  for (const r of rows) {
    const k = key(r);
    const item = m.get(k) ?? { key: k, count: 0, mainnet: 0 };
    item.count += r.nodes;
    item.mainnet += r.mainnet_nodes;
    m.set(k, item);
  }
  return [...m.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const clientName = (r: ClientRow) => r.client_name || '(empty)';
const releaseKey = (r: ClientRow) => `${clientName(r)} ${releaseOf(r.client_version) ?? '?'}`;
const orUnknown = (v: string | null) => v ?? '(unknown)';
/** Runtime family: "go1.23.2" → "go", "dotnet8.0.10" → "dotnet", "rustc1.81.0" → "rustc". */
export const runtimeFamily = (r: ClientRow): string => (r.runtime ? (/^[a-z]+/i.exec(r.runtime)?.[0]?.toLowerCase() ?? r.runtime) : '(unknown)');

/** The first `top` items and one "other (n)" item summing the rest. */
export function topItems(items: readonly CountItem[], top: number): CountItem[] {
  if (items.length <= top) return [...items];
  const rest = items.slice(top);
  return [
    ...items.slice(0, top),
    { key: `other (${rest.length})`, count: rest.reduce((s, i) => s + i.count, 0), mainnet: rest.reduce((s, i) => s + i.mainnet, 0) },
  ];
}

export function countSection(id: string, title: string, keyLabel: string, items: CountItem[], total: number, top: number, notes: string[] = []): Section {
  const shown = topItems(items, top);
  return {
    id,
    title,
    columns: [
      { key: 'key', label: keyLabel, type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
      { key: 'mainnet', label: 'On mainnet', type: 'integer' },
    ],
    rows: shown.map((i) => ({ key: i.key, nodes: i.count, share: share(i.count, total), mainnet: i.mainnet })),
    chart: { type: 'bar', x: 'key', series: ['nodes', 'mainnet'], yLabel: 'nodes' },
    notes,
  };
}

export function clientSections(rows: readonly ClientRow[], top: number): Section[] {
  const total = rows.reduce((s, r) => s + r.nodes, 0);
  const note = [`${total} nodes completed HELLO in the window; each is counted once, by its latest HELLO.`];
  return [
    countSection('clients', 'Clients', 'Client', countBy(rows, clientName), total, top, note),
    countSection('client-releases', 'Client releases', 'Client release', countBy(rows, releaseKey), total, top, [
      'Releases are MAJOR.MINOR.PATCH of the version; builds of the same release (commit, suffix) are merged.',
    ]),
    countSection('client-os', 'Operating systems', 'OS', countBy(rows, (r) => orUnknown(r.os)), total, top),
    countSection('client-arch', 'Architectures', 'Architecture', countBy(rows, (r) => orUnknown(r.arch)), total, top),
    countSection('client-runtime', 'Runtimes', 'Runtime', countBy(rows, runtimeFamily), total, top),
  ];
}

/** The JSON contract's `clients`: [{client, count, mainnet}], all clients, largest first. */
export function clientsData(rows: readonly ClientRow[]): { client: string; count: number; mainnet: number }[] {
  return countBy(rows, clientName).map((i) => ({ client: i.key, count: i.count, mainnet: i.mainnet }));
}

export async function buildClientsReport(ctx: ReportContext): Promise<Report> {
  const rows = await loadClients(ctx);
  const { nodeIds } = await ctx.exclusion();
  return {
    name: 'clients',
    title: 'Client software',
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), excluded_node_ids: nodeIds.length },
    sections: clientSections(rows, ctx.top),
    data: {
      nodes: rows.reduce((s, r) => s + r.nodes, 0),
      clients: clientsData(rows),
      releases: countBy(rows, releaseKey).map((i) => ({ release: i.key, count: i.count, mainnet: i.mainnet })),
    },
  };
}
