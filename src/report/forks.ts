/**
 * `report forks`: the EIP-2124 fork IDs peers announce, with the verdict the crawl gave them, and
 * fork readiness — for each FORK_NEXT peers announce (in STATUS and in the `eth` entry of their node
 * records), how many nodes of each client release announce it, as client teams watch before every
 * upgrade. A FORK_NEXT that is no fork of our schedule is shown as such: the network knows of a fork
 * we do not (update NodeFinder's schedule or pass crawl --fork-schedule).
 *
 * JSON: `fork_ids` [{hash "0x…", next (decimal string), nodes, verdict, network}] (also in report
 * snapshot), `readiness` [{network, next, fork, known, client, version, source, nodes}].
 */
import { decodeEnr } from '../enode/enr.js';
import { computeForkId, gatherForks, lastBlockFork } from '../eth/fork-id.js';
import { NETWORK_NAMES, NETWORKS, forkSchedule, networkByGenesis, type NetworkDefinition } from '../eth/networks.js';
import { hexToBytes } from '../util/bytes.js';
import { releaseOf } from './clients.js';
import { ReportContext } from './context.js';
import type { Report, Row, Section } from './render/model.js';

export interface ForkIdRow {
  genesis: string;
  hash: string;
  next: string;
  nodes: number;
  verdict: string;
  [key: string]: unknown;
}

interface ReadinessSqlRow {
  genesis: string;
  hash: string;
  next: string;
  client_name: string | null;
  client_version: string | null;
  nodes: number;
  [key: string]: unknown;
}

interface EnrSqlRow {
  raw: string;
  client_name: string | null;
  client_version: string | null;
  [key: string]: unknown;
}

export interface ReadinessRow {
  network: string | null;
  next: string;
  /** The fork of the network's schedule activating at `next`; null for 0 or an unknown value. */
  fork: string | null;
  known: boolean;
  client: string;
  version: string;
  source: 'status' | 'enr';
  nodes: number;
}

export function loadForkIds(ctx: ReportContext): Promise<ForkIdRow[]> {
  return ctx.once('fork-ids', () => ctx.queryExcluding<ForkIdRow>('fork-ids'));
}

/** Fork points of a network (block number or timestamp as decimal text) → fork names. */
export function forkNames(net: NetworkDefinition): Map<string, string> {
  const { byBlock, byTime } = gatherForks(forkSchedule(net));
  const names = new Map<string, string>();
  const add = (value: bigint, name: string) => names.set(value.toString(), names.has(value.toString()) ? `${names.get(value.toString())}/${name}` : name);
  const blocks = new Set(byBlock.map(String));
  const times = new Set(byTime.map(String));
  for (const f of net.blockForks) if (blocks.has(String(f.block))) add(BigInt(f.block), f.name);
  for (const f of net.timeForks) if (times.has(String(f.time))) add(BigInt(f.time), f.name);
  return names;
}

/** Every fork hash of every built-in network (past, present, scheduled) → that network's name. */
export function networkByForkHash(): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of NETWORK_NAMES) {
    const s = forkSchedule(NETWORKS[name]);
    const { byBlock, byTime } = gatherForks(s);
    const last = lastBlockFork(s);
    const points: [bigint, bigint][] = [[0n, BigInt(NETWORKS[name].genesisTime)], ...byBlock.map((b): [bigint, bigint] => [b, 0n]), ...byTime.map((t): [bigint, bigint] => [last, t])];
    for (const [head, time] of points) out.set(Buffer.from(computeForkId(s, head, time).hash).toString('hex'), name);
  }
  return out;
}

function label(net: NetworkDefinition | undefined, next: string): { fork: string | null; known: boolean } {
  if (next === '0') return { fork: null, known: true };
  const fork = net ? forkNames(net).get(next) ?? null : null;
  return { fork, known: fork !== null };
}

/** The snapshot's and this report's `fork_ids`. */
export function forkIdsData(rows: readonly ForkIdRow[]): Record<string, unknown>[] {
  return rows.map((r) => ({ hash: `0x${r.hash}`, next: r.next, nodes: r.nodes, verdict: r.verdict, network: networkByGenesis(r.genesis)?.name ?? null }));
}

export function forkIdsSection(rows: readonly ForkIdRow[], top: number): Section {
  const judged = rows.filter((r) => r.verdict !== 'unchecked').reduce((a, r) => a + r.nodes, 0);
  const stale = rows.filter((r) => r.verdict === 'local_stale').reduce((a, r) => a + r.nodes, 0);
  const staleNote =
    stale > 0
      ? [`${stale} of ${judged} judged nodes (${Math.round((100 * stale) / judged)} %) are local_stale: they announce a fork the crawl's schedule did not know. If that is many, the schedule was out of date (see README, "Fork schedule and fork readiness").`]
      : [];
  return {
    id: 'fork-ids',
    title: 'Fork IDs announced in STATUS',
    columns: [
      { key: 'network', label: 'Network', type: 'text' },
      { key: 'hash', label: 'Fork hash', type: 'text' },
      { key: 'next', label: 'Fork next', type: 'text' },
      { key: 'next_fork', label: 'Next fork', type: 'text' },
      { key: 'verdict', label: 'Verdict', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
    ],
    chart: { type: 'bar', x: 'hash', series: ['nodes'], yLabel: 'nodes' },
    rows: rows.slice(0, Math.max(top, 20)).map((r): Row => {
      const net = networkByGenesis(r.genesis);
      const l = label(net, r.next);
      return { network: net?.name ?? 'unknown', hash: `0x${r.hash}`, next: r.next, next_fork: r.next === '0' ? 'none' : l.fork ?? 'unknown to our schedule', verdict: r.verdict, nodes: r.nodes };
    }),
    notes: [
      'Each node counted once (its latest STATUS). Verdict = what the crawl judged against its schedule: compatible, remote_stale (the peer missed a fork), local_stale (the peer announces a fork we do not know: our schedule is out of date), incompatible (another chain on our genesis), unchecked (another network).',
      ...staleNote,
    ],
  };
}

/** Merge STATUS readiness rows and decoded ENR eth entries into one table. */
export function readinessRows(status: readonly ReadinessSqlRow[], enrs: readonly EnrSqlRow[]): ReadinessRow[] {
  const byHash = networkByForkHash();
  const m = new Map<string, ReadinessRow>();
  const add = (network: string | null, next: string, client: string | null, version: string | null, source: 'status' | 'enr', nodes: number) => {
    const net = network ? NETWORKS[network as keyof typeof NETWORKS] : undefined;
    const release = releaseOf(version) ?? version ?? '';
    const key = [network, next, client, release, source].join('\u0000');
    const row = m.get(key);
    if (row) row.nodes += nodes;
    else m.set(key, { network, next, ...label(net, next), client: client ?? 'unknown', version: release, source, nodes });
  };
  for (const r of status) add(networkByGenesis(r.genesis)?.name ?? null, r.next, r.client_name, r.client_version, 'status', r.nodes);
  for (const r of enrs) {
    let eth;
    try {
      eth = decodeEnr(hexToBytes(r.raw)).eth;
    } catch {
      continue; // stored records were verified on receipt; skip one that no longer decodes
    }
    if (!eth) continue;
    add(byHash.get(Buffer.from(eth.forkHash).toString('hex')) ?? null, eth.forkNext.toString(), r.client_name, r.client_version, 'enr', 1);
  }
  return [...m.values()].sort((a, b) => b.nodes - a.nodes || a.next.localeCompare(b.next) || a.client.localeCompare(b.client) || a.version.localeCompare(b.version));
}

function readinessSection(rows: readonly ReadinessRow[]): Section {
  return {
    id: 'fork-readiness',
    title: 'Fork readiness: FORK_NEXT announced, by client release',
    columns: [
      { key: 'network', label: 'Network', type: 'text' },
      { key: 'next', label: 'Fork next', type: 'text' },
      { key: 'fork', label: 'Fork', type: 'text' },
      { key: 'client', label: 'Client', type: 'text' },
      { key: 'version', label: 'Version', type: 'text' },
      { key: 'source', label: 'Source', type: 'text' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
    ],
    rows: rows.map((r): Row => ({
      network: r.network ?? 'unknown',
      next: r.next,
      fork: r.next === '0' ? 'none announced' : r.fork ?? 'unknown to our schedule',
      client: r.client,
      version: r.version,
      source: r.source,
      nodes: r.nodes,
    })),
    notes: [
      'Each node counted once: its latest STATUS, or (nodes without a STATUS in the window) the eth entry of its latest node record. Client and version from its latest HELLO ("unknown" without one).',
      'A FORK_NEXT "unknown to our schedule" is a fork the network knows and NodeFinder does not: see README, "Fork schedule and fork readiness".',
    ],
  };
}

export async function buildForksReport(ctx: ReportContext): Promise<Report> {
  const [ids, status, enrs] = await ctx.all([
    () => loadForkIds(ctx),
    () => ctx.queryExcluding<ReadinessSqlRow>('fork-readiness'),
    () => ctx.queryExcluding<EnrSqlRow>('fork-enrs'),
  ] as const);
  const readiness = readinessRows(status, enrs);
  return {
    name: 'forks',
    title: `Fork IDs and fork readiness, ${new Date(ctx.since).toISOString()} to ${new Date(ctx.until).toISOString()}`,
    generatedAt: ctx.generatedAt,
    parameters: { ...ctx.baseParameters(), include_abusive: ctx.includeAbusive },
    sections: [forkIdsSection(ids, ctx.top), readinessSection(readiness)],
    data: { fork_ids: forkIdsData(ids), readiness },
  };
}
