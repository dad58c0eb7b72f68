/**
 * `nodefinder simulate`: study crawl policies without a network. A simulated network (node
 * population with churn, NAT, full peers, per-node Kademlia tables; src/sim) is crawled by the real
 * dial scheduler on a simulated clock; events go through the real writer into a database (so every
 * report works on it) and a coverage table against the simulated truth goes to stdout. Nothing is
 * sent anywhere; the same --seed and --start give the same output and database contents.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { SAMPLE_MS, SimCrawl, type CoverageRow, type SimResult } from '../sim/driver.js';
import { DISCOVERY_MODES, HOUR_MS, SIM_DEFAULTS, SIM_LIMITS, steadyJoinRate, type DiscoveryMode, type SimOptions } from '../sim/options.js';
import { coverageJson, renderCoverageTable } from '../sim/output.js';
import { redactUrl, isPostgresUrl, type Database } from '../store/database.js';
import { openMigratedDatabase } from '../store/open.js';
import { EventWriter } from '../store/writer.js';
import { parseDuration, parseIntOption } from './durations.js';
import { RuntimeError, UsageError } from './errors.js';

/** Where `simulate` writes unless told otherwise: apart from a real crawl's ./nodefinder-data. */
export const DEFAULT_SIM_DB = './nodefinder-sim';

export interface SimulateCliOptions {
  nodes: string;
  hours: string;
  seed: string;
  start?: string;
  instances: string;
  redialInterval: string;
  expireAfter: string;
  maxDials: string;
  maxSockets: string;
  discovery: string;
  lookupInterval: string;
  session: string;
  downtime: string;
  leaveShare: string;
  joinRate?: string;
  unreachable: string;
  full: string;
  otherNetwork: string;
  bootnodes: string;
  db: string | false;
  format: string;
  progress: boolean;
}

const fmtDuration = (ms: number) => (ms % HOUR_MS === 0 ? `${ms / HOUR_MS}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('crawl a simulated network (churn, NAT, full peers) with the real dial policy, without sending anything; prints coverage against the simulated truth and writes a database every report reads')
    .option('--nodes <n>', 'node IDs in the network at the start', String(SIM_DEFAULTS.nodes))
    .option('--hours <n>', 'simulated hours', String(SIM_DEFAULTS.hours))
    .option('--seed <n>', 'PRNG seed (same seed and --start, same result)', String(SIM_DEFAULTS.seed))
    .option('--start <time>', 'simulated start, ISO 8601 (default: --hours before now, on the hour, so reports of the last day show it)')
    .option('--instances <n>', 'crawler identities (each with its own routing table)', String(SIM_DEFAULTS.instances))
    .option('--redial-interval <time>', 'static nodes are redialed this often', fmtDuration(SIM_DEFAULTS.redialIntervalMs))
    .option('--expire-after <time>', 'a node unseen this long leaves the static set', fmtDuration(SIM_DEFAULTS.expireAfterMs))
    .option('--max-dials <n>', 'dynamic dials in flight per instance', String(SIM_DEFAULTS.maxDials))
    .option('--max-sockets <n>', 'process-wide cap on dial sockets', String(SIM_DEFAULTS.maxSockets))
    .addOption(new Option('--discovery <mode>', 'random lookups, enumeration of every table learned, or both').choices([...DISCOVERY_MODES]).default(SIM_DEFAULTS.discovery))
    .option('--lookup-interval <time>', 'each instance runs one discovery round (lookup, enumerations) this often', fmtDuration(SIM_DEFAULTS.lookupIntervalMs))
    .option('--session <time>', 'mean online session (exponential)', fmtDuration(SIM_DEFAULTS.sessionMs))
    .option('--downtime <time>', 'mean time away before a node returns with the same ID (exponential)', fmtDuration(SIM_DEFAULTS.downtimeMs))
    .option('--leave-share <f>', 'share of sessions that end for good, 0..1', String(SIM_DEFAULTS.leaveShare))
    .option('--join-rate <n>', 'new node IDs per hour (default: as many as leave for good, a steady population)')
    .option('--unreachable <f>', 'share of nodes behind NAT (discoverable, never dialable), 0..1', String(SIM_DEFAULTS.unreachableShare))
    .option('--full <f>', 'share of dialable nodes at their peer limit (HELLO, then DISCONNECT too_many_peers), 0..1', String(SIM_DEFAULTS.fullShare))
    .option('--other-network <f>', 'share of eth nodes on sepolia/holesky/hoodi instead of mainnet, 0..1', String(SIM_DEFAULTS.otherNetworkShare))
    .option('--bootnodes <n>', 'online nodes every instance starts from', String(SIM_DEFAULTS.bootnodes))
    .option('--db <url|dir>', 'postgres:// URL, a directory for the embedded database, or memory://', DEFAULT_SIM_DB)
    .option('--no-db', 'write no database (only the coverage table)')
    .addOption(new Option('--format <format>', 'stdout format').choices(['table', 'json']).default('table'))
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (raw: SimulateCliOptions) => {
      await runSimulate(raw);
    });
}

function parseShare(text: string, option: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: expected a share in 0..1`);
  return v;
}

function parseSimDuration(text: string, option: string): number {
  const ms = parseDuration(text, option);
  if (ms < 1000 || ms > 365 * 24 * HOUR_MS) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: expected 1s..365d`);
  return ms;
}

export function parseSimulateOptions(raw: SimulateCliOptions, now: number): SimOptions {
  const nodes = parseIntOption(raw.nodes, '--nodes', 1, SIM_LIMITS.maxNodes);
  const hours = parseIntOption(raw.hours, '--hours', 1, SIM_LIMITS.maxHours);
  let start: number;
  if (raw.start !== undefined) {
    start = Date.parse(raw.start);
    if (!/^\d{4}-\d\d-\d\d/.test(raw.start.trim()) || !Number.isFinite(start)) throw new UsageError(`invalid --start ${JSON.stringify(raw.start)}: use an ISO 8601 time, e.g. 2026-01-01T00:00:00Z`);
  } else {
    start = Math.floor((now - hours * HOUR_MS) / HOUR_MS) * HOUR_MS;
  }
  const sessionMs = parseSimDuration(raw.session, '--session');
  const downtimeMs = parseSimDuration(raw.downtime, '--downtime');
  const leaveShare = parseShare(raw.leaveShare, '--leave-share');
  let joinRatePerHour: number;
  if (raw.joinRate === undefined) joinRatePerHour = steadyJoinRate(nodes, sessionMs, downtimeMs, leaveShare);
  else {
    joinRatePerHour = Number(raw.joinRate);
    if (raw.joinRate.trim() === '' || !Number.isFinite(joinRatePerHour) || joinRatePerHour < 0 || joinRatePerHour > 1_000_000) {
      throw new UsageError(`invalid --join-rate ${JSON.stringify(raw.joinRate)}: expected node IDs per hour, 0..1000000`);
    }
  }
  return {
    nodes,
    hours,
    seed: parseIntOption(raw.seed, '--seed', 0, Number.MAX_SAFE_INTEGER),
    start,
    instances: parseIntOption(raw.instances, '--instances', 1, SIM_LIMITS.maxInstances),
    redialIntervalMs: parseSimDuration(raw.redialInterval, '--redial-interval'),
    expireAfterMs: parseSimDuration(raw.expireAfter, '--expire-after'),
    maxDials: parseIntOption(raw.maxDials, '--max-dials', 1, 10_000),
    maxSockets: parseIntOption(raw.maxSockets, '--max-sockets', 1, 1_000_000),
    discovery: raw.discovery as DiscoveryMode,
    lookupIntervalMs: parseSimDuration(raw.lookupInterval, '--lookup-interval'),
    sessionMs,
    downtimeMs,
    leaveShare,
    joinRatePerHour,
    unreachableShare: parseShare(raw.unreachable, '--unreachable'),
    fullShare: parseShare(raw.full, '--full'),
    otherNetworkShare: parseShare(raw.otherNetwork, '--other-network'),
    bootnodes: parseIntOption(raw.bootnodes, '--bootnodes', 1, 1_000),
  };
}

export async function runSimulate(
  raw: SimulateCliOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<void> {
  const options = parseSimulateOptions(raw, Date.now());
  const say = (line: string) => {
    if (raw.progress !== false) io.stderr.write(`${line}\n`);
  };
  const db = raw.db === false ? undefined : (await openMigratedDatabase(raw.db)).db;
  const dbName = raw.db === false ? undefined : isPostgresUrl(raw.db) ? redactUrl(raw.db) : raw.db;
  try {
    const result = await simulate(options, db, say, dbName);
    io.stdout.write(raw.format === 'json' ? coverageJson(options, result) : renderCoverageTable(result));
  } finally {
    await db?.close();
  }
}

/**
 * The simulation's writer. Nothing waits on its latency, so it commits once per simulated hour
 * (every 6th 10-minute checkpoint, which also gives back-pressure) in batches of up to 20 000
 * events: a node is seen about once per 10-minute sighting window, and an hour's batch folds those
 * six sightings into one upsert of its nodes, addresses and node_sightings rows. Measured on the
 * 10 000-node bench, 3 simulated hours into PGlite: ~25 % less CPU than 2 000-event batches every
 * 10 minutes. The wall-clock timer is only a safety net (batches follow simulated time).
 */
export const SIM_WRITER = { batchSize: 20_000, flushEvery: HOUR_MS / SAMPLE_MS, timerMs: 3_600_000 } as const;

/** Run one simulation, writing its events into `db` (migrated) when given. */
export async function simulate(options: SimOptions, db: Database | undefined, say: (line: string) => void = () => {}, dbName = 'the database'): Promise<SimResult> {
  // Exact last_seen on every event (no 1-minute refresh cache): the contents must not depend on
  // how events happened to fall into batches, so the same seed gives the same database.
  const writer = db
    ? await EventWriter.open(db, { journalDir: null, lastSeenRefreshMs: 0, maxBufferedEvents: 1_000_000, batchSize: SIM_WRITER.batchSize, flushIntervalMs: SIM_WRITER.timerMs })
    : undefined;
  let checkpoints = 0;
  const wallStart = Date.now();
  say(
    `simulate: ${options.nodes} nodes, ${options.hours} h from ${new Date(options.start).toISOString()}, ${options.instances} instance(s), ` +
      `discovery ${options.discovery}, redial ${fmtDuration(options.redialIntervalMs)}, expire ${fmtDuration(options.expireAfterMs)} → ${db ? dbName : 'no database'}`,
  );
  const sim = new SimCrawl(options, {
    ...(writer ? { sink: (e) => writer.write(e), checkpoint: async () => void (++checkpoints % SIM_WRITER.flushEvery === 0 && (await writer.flush())) } : {}),
    onRow: (r: CoverageRow) =>
      say(`simulate: hour ${r.hour}/${options.hours}: online ${r.online}, discovered ${r.discovered}, dialed ${r.dialedOk}/${r.reachable} reachable (${r.coverage.toFixed(1)} %), ${r.dials} dials; ${((Date.now() - wallStart) / 1000).toFixed(0)} s`),
  });
  const result = await sim.run();
  if (writer) {
    const stats = await writer.close();
    if (stats.rejected > 0 || stats.dropped > 0 || stats.buffered > 0) {
      throw new RuntimeError(`${dbName} did not take every event (${stats.rejected} rejected, ${stats.dropped} dropped, ${stats.buffered} left): ${stats.lastError ?? 'see above'}`);
    }
  }
  const usage = process.resourceUsage();
  const peakRss = usage.maxRSS / 1024;
  const cpuS = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  const until = new Date(options.start + options.hours * HOUR_MS).toISOString();
  say(`simulate: done in ${((Date.now() - wallStart) / 1000).toFixed(1)} s, peak rss ${peakRss.toFixed(0)} MiB, cpu ${cpuS.toFixed(1)} s${db ? `; report with --at ${until}, e.g. nodefinder report snapshot --db ${dbName} --at ${until}` : ''}`);
  return result;
}
