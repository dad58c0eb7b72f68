/**
 * `nodefinder crawl`: run N NodeFinder instances into the database until --duration passes or
 * Ctrl-C, with a status line on stderr. Migrates the database on start, rebuilds the static set
 * from it, replays the writer's journal, and flushes everything on the way out.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { parseEnode } from '../enode/enode-url.js';
import { isUnspecifiedIp, normalizeIp } from '../net/ip.js';
import type { NodeRecord } from '../enode/node-record.js';
import { DEFAULT_BOOTNODES } from '../eth/bootnodes.js';
import { NETWORK_NAMES, getNetwork, isNetworkName, type NetworkDefinition } from '../eth/networks.js';
import { FORK_SCHEDULE_MAX_BYTES, ForkScheduleError, parseGethChainConfig, withTimeForks } from '../eth/fork-schedule-file.js';
import { InvalidCidrError, Netrestrict } from '../net/netrestrict.js';
import { DISCOVERY_MODES, type DiscoveryMode } from '../crawler/enumerate.js';
import { MAX_DIALS, REDIAL_INTERVAL_MS, EXPIRE_AFTER_MS } from '../crawler/scheduler.js';
import { parseHostPort } from '../metrics/server.js';
import { CrawlRun, CrawlRunStartError } from '../run/crawl-run.js';
import { DEFAULT_DB, isPostgresUrl } from '../store/database.js';
import { toNodeFinderError } from '../errors.js';
import { VERSION } from '../version.js';
import { parseDuration, parseIntOption } from './durations.js';
import { dnsReportLine, parseCrawlDns } from './crawl-dns.js';
import { RuntimeError, UsageError } from './errors.js';

export interface CrawlCliOptions {
  network: string;
  bootnodes?: string;
  instances: string;
  listen: string;
  port: string;
  externalIp?: string;
  db: string;
  duration?: string;
  maxDials: string;
  maxSockets: string;
  redialInterval: string;
  expireAfter: string;
  netrestrict?: string;
  keys?: string;
  metrics?: string;
  daoCheck?: boolean;
  status: boolean;
  statusInterval: string;
  /** false with --no-discv5 */
  discv5?: boolean;
  dns?: string;
  dnsServer?: string;
  dnsInterval?: string;
  forkSchedule?: string;
  retainRaw?: string;
  discovery?: string;
}

export function registerCrawl(program: Command): void {
  program
    .command('crawl')
    .description('crawl the network with N NodeFinder instances, recording into the database')
    .addOption(new Option('--network <name>', 'network whose STATUS we send and check').choices([...NETWORK_NAMES]).default('mainnet'))
    .option('--bootnodes <enode,...>', "comma-separated enode URLs (default: the network's bootnodes)")
    .option('--instances <n>', 'number of NodeFinder identities in this process', '1')
    .option('--listen <host>', 'address to bind UDP and TCP on', '0.0.0.0')
    .option('--port <port>', 'first port; instance i uses port+i (UDP and TCP)', '30303')
    .option('--external-ip <ip>', "IP to announce in our ENR and PINGs (default: what most peers' PONGs say, else the --listen address)")
    .option('--db <url|dir>', 'postgres:// URL, or a directory for the embedded database', DEFAULT_DB)
    .option('--duration <time>', 'stop after this long (e.g. 90s, 30m, 6h, 1d); default: until Ctrl-C')
    .option('--max-dials <n>', 'dynamic dials in flight per instance', String(MAX_DIALS))
    .option('--max-sockets <n>', 'process-wide cap on dial sockets (file descriptors)', '1024')
    .option('--redial-interval <time>', 'redial every known node this often', '30m')
    .option('--expire-after <time>', 'forget addresses not seen for this long', '24h')
    .option('--netrestrict <cidr,...>', 'only ever contact addresses in these CIDRs (e.g. 127.0.0.0/8)')
    .option('--keys <dir>', 'directory of instance keys (default: <db dir>/keys, or ./nodefinder-keys with postgres)')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://host:port/metrics')
    .option('--dao-check', 'ask mainnet peers for block 1 920 000 and record their DAO-fork side', false)
    .option('--fork-schedule <file>', "replace the network's fork times with those of a geth-style chain config (genesis.json or its config object)")
    .option('--no-status', 'no status line')
    .option('--no-discv5', 'discovery v4 only (default: v4 and v5 share each instance\'s UDP port)')
    .option('--status-interval <time>', 'status line period', '5s')
    .option('--dns <enrtree,...|none>', "EIP-1459 DNS node lists to resolve and crawl (default: the network's public lists, or none when --bootnodes is given)")
    .option('--dns-server <ip[:port]>', "DNS server for --dns lookups (default: the system's resolvers)")
    .option('--dns-interval <time>', 'how often DNS tree roots are re-checked for a new sequence number', '30m')
    .addOption(
      new Option('--discovery <mode>', 'where new nodes come from: geth-style lookups, routing-table enumeration (each node\'s buckets read with FINDNODE), or both')
        .choices([...DISCOVERY_MODES])
        .default('both'),
    )
    .option('--retain-raw <time>', 'drop raw rows of rolled-up UTC days older than this (e.g. 30d); default: keep them')
    .action(async (opts: CrawlCliOptions) => {
      await runCrawl(opts);
    });
}

function parseBootnodes(list: string): NodeRecord[] {
  const out: NodeRecord[] = [];
  for (const url of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      out.push(parseEnode(url));
    } catch (err) {
      throw new UsageError(`invalid --bootnodes entry: ${(err as Error).message}`);
    }
  }
  return out;
}

export async function runCrawl(opts: CrawlCliOptions, io: { stderr: NodeJS.WritableStream } = process): Promise<void> {
  if (!isNetworkName(opts.network)) throw new UsageError(`unknown --network ${opts.network}`);
  const network = opts.forkSchedule === undefined ? getNetwork(opts.network) : loadForkSchedule(opts.forkSchedule, getNetwork(opts.network));
  const instances = parseIntOption(opts.instances, '--instances', 1, 1000);
  const port = parseIntOption(opts.port, '--port', 1, 65535);
  if (port + instances - 1 > 65535) throw new UsageError(`--port ${port} + --instances ${instances} exceeds 65535`);
  const maxDials = parseIntOption(opts.maxDials, '--max-dials', 1, 10_000);
  const maxSockets = parseIntOption(opts.maxSockets, '--max-sockets', 1, 1_000_000);
  const redialIntervalMs = parseDuration(opts.redialInterval, '--redial-interval');
  const expireAfterMs = parseDuration(opts.expireAfter, '--expire-after');
  const durationMs = opts.duration === undefined ? undefined : parseDuration(opts.duration, '--duration');
  const statusMs = parseDuration(opts.statusInterval, '--status-interval');
  const retainRawMs = opts.retainRaw === undefined ? undefined : parseDuration(opts.retainRaw, '--retain-raw');
  let netrestrict: Netrestrict;
  try {
    netrestrict = Netrestrict.parse(opts.netrestrict);
  } catch (err) {
    if (err instanceof InvalidCidrError) throw new UsageError(`invalid --netrestrict: ${err.message}`);
    throw err;
  }
  const bootnodes = parseBootnodes(opts.bootnodes ?? DEFAULT_BOOTNODES[network.name].join(','));
  const allowedBootnodes = bootnodes.filter((b) => netrestrict.allows(b.ip));
  if (bootnodes.length > 0 && allowedBootnodes.length === 0) {
    throw new UsageError(`no bootnode lies inside --netrestrict ${netrestrict}: nothing could be contacted`);
  }
  const externalIp = opts.externalIp === undefined ? undefined : normalizeIp(opts.externalIp.trim());
  if (opts.externalIp !== undefined && (externalIp === undefined || isUnspecifiedIp(externalIp))) {
    throw new UsageError(`invalid --external-ip ${JSON.stringify(opts.externalIp)}: give the public IPv4 or IPv6 address peers reach us at`);
  }
  const discovery = (opts.discovery ?? 'both') as DiscoveryMode;
  if (!DISCOVERY_MODES.includes(discovery)) throw new UsageError(`invalid --discovery ${JSON.stringify(opts.discovery)}: use ${DISCOVERY_MODES.join(', ')}`);
  const dns = parseCrawlDns(opts, network.name);
  const dnsIntervalMs = parseDuration(opts.dnsInterval ?? '30m', '--dns-interval');
  const metricsAddr = opts.metrics === undefined ? undefined : parseHostPort(opts.metrics);
  if (opts.metrics !== undefined && !metricsAddr) throw new UsageError(`invalid --metrics ${JSON.stringify(opts.metrics)}: use host:port`);

  const pg = isPostgresUrl(opts.db);
  // Keys and journal live beside an embedded database's directory; a server or memory:// has none.
  const dbDir = pg || opts.db.trim() === 'memory://' ? undefined : opts.db;
  const keysDir = resolve(opts.keys ?? (dbDir ? join(dbDir, 'keys') : 'nodefinder-keys'));
  const journalDir = dbDir ? resolve(dbDir, 'journal') : resolve('nodefinder-journal');
  const say = (line: string) => io.stderr.write(`${line}\n`);

  if (opts.forkSchedule !== undefined) {
    const last = network.timeForks.at(-1);
    say(`fork schedule: ${network.name} fork times from ${opts.forkSchedule}${last ? ` (last: ${last.name} at ${new Date(last.time * 1000).toISOString()})` : ''}`);
  }
  const run = await CrawlRun.start({
    db: opts.db,
    journalDir,
    keys: { dir: keysDir },
    log: say,
    maintenance: retainRawMs !== undefined ? { retainRawMs } : {},
    forkWatch: true,
    ...(metricsAddr ? { metrics: metricsAddr } : {}),
    ...(dns.links.length > 0
      ? {
          dns: {
            links: dns.links,
            intervalMs: dnsIntervalMs,
            ...(dns.servers ? { servers: dns.servers } : {}),
            onReport: (r, known) => {
              const line = dnsReportLine(r, known);
              if (line) say(line);
            },
          },
        }
      : {}),
    crawl: {
      network,
      bootnodes: allowedBootnodes,
      instances,
      listenHost: opts.listen,
      port,
      ...(externalIp ? { externalIp } : {}),
      netrestrict,
      maxDials,
      redialIntervalMs,
      expireAfterMs,
      maxSockets,
      clientId: `NodeFinder/v${VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`,
      codeVersion: VERSION,
      checkDaoFork: opts.daoCheck === true,
      discv5: opts.discv5 !== false,
      discovery,
      // As geth logs "New local node record": the address peers now learn, and the new seq.
      onEnrChange: (i, enr) => say(`instance ${i}: new record seq ${enr.seq}${enr.ip ? ` ip ${enr.ip}` : ''}${enr.udp ? ` udp ${enr.udp}` : ''} ${enr.toText()}`),
    },
  }).catch((err: unknown) => {
    if (!(err instanceof CrawlRunStartError)) throw err;
    if (err.stage === 'metrics') throw listenError(err.cause, `--metrics ${opts.metrics}`, '--metrics');
    if (err.stage === 'crawler') throw listenError(err.cause, `${opts.listen} port ${port}${instances > 1 ? `-${port + instances - 1}` : ''} (UDP+TCP)`, '--port');
    throw err.cause;
  });
  const c = run.crawler;
  const writer = run.writer;
  try {
    if (run.metricsServer && metricsAddr) say(`metrics: http://${metricsAddr.host}:${run.metricsServer.port}/metrics`);
    // What a node operator adds as a static or trusted peer, and what discovery hands out.
    for (const instance of c.instances) {
      const enr = instance.enr;
      say(`instance ${instance.index}: ${instance.enode ?? '?'}${enr ? ` seq ${enr.seq} ${enr.toText()}` : ''}`);
    }
    say(
      `crawling ${network.name} with ${instances} instance(s) on ${opts.listen}:${port}${instances > 1 ? `-${port + instances - 1}` : ''}` +
        `${netrestrict.restricted ? `, netrestrict ${netrestrict}` : ''}; discovery: ${discovery}; ${c.restoredStatic} static node(s) restored` +
        `${durationMs !== undefined ? `; stopping after ${opts.duration}` : '; Ctrl-C stops'}`,
    );
    if (dns.links.length > 0) {
      say(`dns: resolving ${dns.links.length} tree(s)${dns.servers ? ` via ${dns.servers.join(',')}` : ''}, re-checked every ${opts.dnsInterval ?? '30m'}`);
    }

    const startedAt = Date.now();
    const statusLine = () => {
      const w = writer.stats();
      const s = c.stats;
      return (
        `[${formatElapsed(Date.now() - startedAt)}] nodes ${c.shared.knownNodes} | dials ${c.inFlight()} in flight, ${c.queued()} queued, ${s.dials} done, ${s.inbound} inbound` +
        ` | hello ${s.distinctHello} status ${s.distinctStatus} too_many_peers ${s.tooManyPeers}` +
        ` | errors ${s.errors}${s.errors ? ` (${s.topErrors(2)})` : ''} | writer q ${w.buffered}${w.spilled ? ` spilled ${w.spilled}` : ''}${w.state !== 'ok' ? ` ${w.state}` : ''}`
      );
    };
    const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
    const statusTimer =
      opts.status === false
        ? undefined
        : setInterval(() => (tty ? io.stderr.write(`\r\x1b[2K${statusLine()}`) : say(statusLine())), tty ? statusMs : Math.max(statusMs, 30_000));

    await new Promise<void>((resolveStop) => {
      const stop = () => {
        if (timer) clearTimeout(timer);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolveStop();
      };
      const onSignal = () => {
        // A second Ctrl-C during shutdown exits at once (the journal keeps what was not written).
        process.once('SIGINT', forceExit);
        stop();
      };
      const timer = durationMs !== undefined ? setTimeout(stop, durationMs) : undefined;
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    if (statusTimer) clearInterval(statusTimer);
    if (tty && opts.status !== false) io.stderr.write('\n');
    say('stopping: closing sockets and flushing the writer…');
  } finally {
    const { writer: w } = await run.close();
    process.off('SIGINT', forceExit);
    const s = c.stats;
    say(
      `done: ${s.dials} dials, ${s.inbound} inbound, ${s.distinctHello} nodes with HELLO, ${s.distinctStatus} with STATUS, ` +
        `${s.tooManyPeers} too_many_peers; written ${w.written} events${w.spilled ? `, ${w.spilled} in the journal` : ''}${w.dropped ? `, ${w.dropped} DROPPED` : ''}`,
    );
  }
}

/** --fork-schedule: the network with the fork times of a geth-style chain config (exit 2 if malformed). */
export function loadForkSchedule(file: string, base: NetworkDefinition): NetworkDefinition {
  try {
    const size = statSync(file).size;
    if (size > FORK_SCHEDULE_MAX_BYTES) throw new ForkScheduleError(`larger than ${FORK_SCHEDULE_MAX_BYTES} bytes`);
    return withTimeForks(base, parseGethChainConfig(readFileSync(file, 'utf8'), base.chainId));
  } catch (err) {
    const reason = err instanceof ForkScheduleError ? err.message : `cannot read it (${(err as { code?: string }).code ?? 'error'})`;
    throw new UsageError(`--fork-schedule ${file}: ${reason}`);
  }
}

function forceExit(): never {
  process.exit(130);
}

/** A bind failure as one actionable line (the OS message alone says neither which option nor what to do). */
function listenError(err: unknown, where: string, option: string): unknown {
  const kind = toNodeFinderError(err).kind;
  if (kind === 'address_in_use') return new RuntimeError(`cannot listen on ${where}: address in use (another crawler or node?); choose another ${option}`);
  if (kind === 'host_unreachable') return new RuntimeError(`cannot listen on ${where}: not an address of this machine; check --listen / ${option}`);
  return err;
}

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}h` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}m${String(s % 60).padStart(2, '0')}s`;
}
