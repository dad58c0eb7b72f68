/**
 * `nodefinder report <name> --db … --format table|json|csv|html [--out f] [--since/--until | --at]`:
 * one of the reports of src/report over the crawl database. The window is [since, until); --at T
 * means the 24 hours ending at T (snapshot's default: the 24 hours ending now). Without --since,
 * longitudinal spans all recorded data and the others the 24 hours ending --until.
 * Times: ISO 8601 ("2024-01-15", "2024-01-15T12:00:00Z"), "now", or a duration ago ("6h", "7d").
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { NETWORK_NAMES, type NetworkName } from '../eth/networks.js';
import { DAY_MS, ReportContext } from '../report/context.js';
import { readExternalList } from '../report/external-list.js';
import { buildReport, isReportName, REPORT_NAMES, type ReportName } from '../report/registry.js';
import { runReportQuery } from '../report/sql.js';
import { NODE_FILTER_NAMES, NodeFilterError, parseNodeFilters, type NodeFilterName, type NodeFilters } from '../report/node-filter.js';
import { addReportOutputOptions, emitReport, parseReportOutputOptions } from './report-output.js';
import type { Report } from '../report/render/model.js';
import { DEFAULT_DB } from '../store/database.js';
import type { Queryable } from '../store/database.js';
import { openMigratedDatabase } from '../store/open.js';
import { parseDuration, parseIntOption } from './durations.js';
import { UsageError } from './errors.js';

export interface ReportCliOptions {
  db: string;
  since?: string;
  until?: string;
  at?: string;
  bucket: string;
  includeAbusive?: boolean;
  abusiveMinIds: string;
  top: string;
  network?: string;
  client?: string;
  clientVersion?: string;
  country?: string;
  asn?: string;
  forkVerdict?: string;
  seenSince?: string;
  direction?: string;
  external?: string;
  maxPairNodes: string;
  releaseMinNodes: string;
  format?: string;
  out?: string;
}

/** ISO 8601 date/time, "now", or a duration before `now` ("6h", "7d"). */
export function parseTime(text: string, option: string, now: number): number {
  const t = text.trim();
  if (t === 'now') return now;
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    // A date or a time without zone is UTC (reports are in UTC).
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t.replace(' ', 'T') : `${t.replace(' ', 'T')}Z`;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms;
  } else if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(t)) {
    return now - parseDuration(t, option);
  }
  throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: use an ISO 8601 time (2024-01-15T12:00:00Z), "now", or a duration ago (6h, 7d)`);
}

export interface ResolvedWindow {
  since: number;
  until: number;
}

/** The report window from the options (longitudinal without --since asks the database). */
export async function resolveWindow(name: ReportName, opts: Pick<ReportCliOptions, 'since' | 'until' | 'at'>, now: number, db: Queryable): Promise<ResolvedWindow> {
  if (opts.at !== undefined) {
    if (opts.since !== undefined || opts.until !== undefined) throw new UsageError('--at cannot be combined with --since/--until');
    const at = parseTime(opts.at, '--at', now);
    return { since: at - DAY_MS, until: at };
  }
  const until = opts.until !== undefined ? parseTime(opts.until, '--until', now) : now;
  let since: number;
  if (opts.since !== undefined) since = parseTime(opts.since, '--since', now);
  else if (name === 'longitudinal') {
    const [range] = await runReportQuery<{ first_ms: number | null }>(db, 'data-range');
    since = range?.first_ms !== null && range?.first_ms !== undefined ? Math.min(range.first_ms, until - DAY_MS) : until - DAY_MS;
  } else since = until - DAY_MS;
  if (!(since < until)) throw new UsageError(`empty window: --since ${new Date(since).toISOString()} is not before --until ${new Date(until).toISOString()}`);
  return { since, until };
}

/** SOURCE_DATE_EPOCH (seconds; reproducible output) or now. */
function reportTime(): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env === undefined || env === '') return Date.now();
  if (!/^\d{1,12}$/.test(env)) throw new UsageError(`invalid SOURCE_DATE_EPOCH ${JSON.stringify(env)}: expected seconds since 1970`);
  return Number(env) * 1000;
}

/** `report nodes` option of each node filter: `--<name with - for _>`, except version (`--version` prints NodeFinder's). */
const FILTER_OPTION: Record<NodeFilterName, { flag: string; key: keyof ReportCliOptions }> = {
  network: { flag: '--network', key: 'network' },
  client: { flag: '--client', key: 'client' },
  version: { flag: '--client-version', key: 'clientVersion' },
  country: { flag: '--country', key: 'country' },
  asn: { flag: '--asn', key: 'asn' },
  fork_verdict: { flag: '--fork-verdict', key: 'forkVerdict' },
  seen_since: { flag: '--seen-since', key: 'seenSince' },
  direction: { flag: '--direction', key: 'direction' },
};

/** The node filters of `report nodes` (the web list's, parsed by the same code). */
export function parseReportNodeFilters(raw: ReportCliOptions, now: number): NodeFilters {
  for (const { flag, key } of Object.values(FILTER_OPTION)) {
    const v = raw[key];
    if (typeof v === 'string' && v.trim() === '') throw new UsageError(`invalid ${flag} "": give a value or leave the option out`);
  }
  try {
    return parseNodeFilters((name) => raw[FILTER_OPTION[name].key] as string | undefined, now, (name) => FILTER_OPTION[name].flag);
  } catch (err) {
    if (err instanceof NodeFilterError) throw new UsageError(err.message);
    throw err;
  }
}

/** Build one report from parsed options (the command's action, minus writing the output). */
export async function runReport(name: string, raw: ReportCliOptions): Promise<Report> {
  if (!isReportName(name)) throw new UsageError(`unknown report ${JSON.stringify(name)}: expected one of ${REPORT_NAMES.join(', ')}`);
  if (raw.bucket !== 'hour' && raw.bucket !== 'day') throw new UsageError(`invalid --bucket ${JSON.stringify(raw.bucket)}: expected hour or day`);
  for (const f of NODE_FILTER_NAMES) {
    const { flag, key } = FILTER_OPTION[f];
    if (f !== 'network' && raw[key] !== undefined && name !== 'nodes') throw new UsageError(`${flag} is an option of report nodes`);
  }
  if (raw.network !== undefined && name !== 'nodes' && !(NETWORK_NAMES as readonly string[]).includes(raw.network)) {
    throw new UsageError(`invalid --network ${JSON.stringify(raw.network.slice(0, 40))}: expected one of ${NETWORK_NAMES.join(', ')}`);
  }
  const nodeFilters = name === 'nodes' ? parseReportNodeFilters(raw, Date.now()) : undefined;
  if (raw.external !== undefined && name !== 'coverage') throw new UsageError('--external is an option of report coverage');
  const options = {
    abusiveMinIds: parseIntOption(raw.abusiveMinIds, '--abusive-min-ids', 2, 1_000_000),
    top: parseIntOption(raw.top, '--top', 1, 1000),
    maxPairNodes: parseIntOption(raw.maxPairNodes, '--max-pair-nodes', 2, 5000),
    releaseMinNodes: parseIntOption(raw.releaseMinNodes, '--release-min-nodes', 1, 1_000_000),
  };
  const external = raw.external !== undefined ? await readExternalList(raw.external) : undefined;
  const generatedAt = reportTime();
  const { db } = await openMigratedDatabase(raw.db, { mustExist: true });
  try {
    const window = await resolveWindow(name, raw, Date.now(), db);
    const ctx = new ReportContext(db, {
      ...window,
      ...options,
      generatedAt,
      bucket: raw.bucket,
      network: (raw.network !== undefined && (NETWORK_NAMES as readonly string[]).includes(raw.network) ? raw.network : 'mainnet') as NetworkName,
      nodeFilters,
      includeAbusive: raw.includeAbusive === true,
      external,
    });
    return await buildReport(name, ctx);
  } finally {
    await db.close();
  }
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description(`print a report from the crawl database: ${REPORT_NAMES.join('|')}`)
    .argument('<name>', `report: ${REPORT_NAMES.join(', ')}`)
    .option('--db <url|dir>', 'postgres:// URL, or the directory of the embedded database', DEFAULT_DB)
    .option('--since <time>', 'window start (ISO 8601, "now", or a duration ago like 7d)')
    .option('--until <time>', 'window end, exclusive (default now)')
    .option('--at <time>', 'the 24 hours ending at this time (snapshot default: now)')
    .addOption(new Option('--bucket <size>', 'longitudinal bucket').choices(['hour', 'day']).default('day'))
    .option('--include-abusive', 'count the node IDs of abusive IPs too (default: left out of network size)', false)
    .option('--abusive-min-ids <n>', 'an IP with at least this many node IDs in the window is abusive', '10')
    .option('--top <n>', 'rows shown in ranked tables and charts', '15')
    .option('--network <name|id>', `freshness: the chain (${NETWORK_NAMES.join('|')}, default mainnet); nodes: only nodes whose latest STATUS is on it (a name, or a decimal network id)`)
    .option('--client <name>', 'nodes: only nodes whose latest HELLO names this client (e.g. Geth; case-insensitive)')
    .option('--client-version <prefix>', 'nodes: only nodes whose latest HELLO client version starts with this (e.g. v1.14)')
    .option('--country <code>', 'nodes: only nodes whose latest IP is in this country (two letters, or private|reserved|unknown)')
    .option('--asn <n>', 'nodes: only nodes whose latest IP is in this AS (24940 or AS24940)')
    .option('--fork-verdict <verdict>', 'nodes: only nodes whose latest STATUS fork ID got this verdict (compatible|incompatible|remote_stale|local_stale|unchecked)')
    .option('--seen-since <time>', 'nodes: only nodes last seen at or after this (ISO 8601, or a duration ago: 30m, 6h, 7d)')
    .option('--direction <d>', 'nodes: only nodes with an inbound connection (inbound) or dialed by us (dialed) in the window')
    .option('--external <file>', 'coverage: compare with a node list (enode URLs, node IDs, or geth nodes.json)')
    .option('--max-pair-nodes <n>', 'latency: nodes whose pairwise RTT bounds are computed', '200')
    .option('--release-min-nodes <n>', 'client-age: a release counts once this many nodes announced it', '2');
  addReportOutputOptions(command).action(async (name: string, raw: ReportCliOptions) => {
    const output = parseReportOutputOptions(raw);
    await emitReport(await runReport(name, raw), output);
  });
}
