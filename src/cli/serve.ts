/**
 * `nodefinder serve --db <url|dir> --listen 127.0.0.1:8080`: the read-only web view (src/serve).
 * On Postgres it runs beside crawlers writing to the same database; an embedded (PGlite) directory is
 * held by the crawl that writes it, so serve it after the crawl or serve a copy of the directory.
 * Never migrates, never writes: a schema that is not this build's is refused with what to do.
 */
import type { Command } from 'commander';
import { parseHostPort } from '../metrics/server.js';
import { DEFAULTS, startWebServer, type WebServer } from '../serve/server.js';
import { DEFAULT_DB } from '../store/database.js';
import { migrationStatus } from '../store/migrations.js';
import { openDatabase } from '../store/open.js';
import { parseDuration, parseIntOption } from './durations.js';
import { RuntimeError, UsageError } from './errors.js';
import { parseTime } from './report.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';

interface ServeRawOptions {
  db: string;
  listen: string;
  queryTimeout: string;
  overviewTimeout: string;
  maxQueries: string;
  maxQueue: string;
  cpuShare?: string;
  refresh: string;
  history: string;
  at?: string;
  duration?: string;
}

function bounded(text: string, option: string, min: number, max: number, range: string): number {
  const ms = parseDuration(text, option);
  if (ms < min || ms > max) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: expected ${range}`);
  return Math.round(ms);
}

/** `--cpu-share`: a fraction of one core, 0.01..64 (two decimals at most), or `off`. */
export function parseCpuShare(text: string): number | null {
  if (text === 'off') return null;
  const share = /^\d{1,2}(?:\.\d{1,2})?$/.test(text) ? Number(text) : NaN;
  if (!(share >= 0.01 && share <= 64)) throw new UsageError(`invalid --cpu-share ${JSON.stringify(text.slice(0, 40))}: expected a fraction of one core, 0.01..64 (e.g. 0.25), or off`);
  return share;
}

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === 'localhost';
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('read-only web view of the crawl database: overview, node list, node pages, JSON API under /api/, /healthz')
    .option('--db <url|dir>', 'postgres:// URL (live while crawls write), or an embedded database directory (after the crawl, or a copy: the crawl holds it while it runs)', DEFAULT_DB)
    .option('--listen <host:port>', 'address to serve on (loopback by default; anything else exposes the database to whoever reaches it)', DEFAULT_LISTEN)
    .option('--query-timeout <time>', 'statement_timeout of every query (Postgres)', '5s')
    .option('--overview-timeout <time>', 'statement_timeout of the overview\'s report queries (built once per --refresh, shared)', '60s')
    .option('--cpu-share <fraction>', `CPU the view may spend, in cores, its database reads included; past it requests wait, so a crawl on the same machine keeps its CPU (default: ${DEFAULTS.cpuShare} on Postgres, off on an embedded database); off: no limit`)
    .option('--max-queries <n>', 'requests reading the database at once; the rest wait their turn (bounds the load on a crawl\'s database)', String(DEFAULTS.maxQueries))
    .option('--max-queue <n>', 'requests waiting for their turn at most (CPU budget or database); more are answered 503 busy with Retry-After', String(DEFAULTS.maxQueue))
    .option('--refresh <time>', 'how often pages refresh and the overview is rebuilt', '30s')
    .option('--history <time>', 'span of the overview charts over time', '7d')
    .option('--at <time>', 'show the database as of this time instead of now (ISO 8601; for a copy of an old crawl)')
    .option('--duration <time>', 'stop after this long; default: until Ctrl-C')
    .action(async (raw: ServeRawOptions) => {
      const listen = parseHostPort(raw.listen);
      if (!listen) throw new UsageError(`invalid --listen ${JSON.stringify(raw.listen)}: expected host:port, e.g. ${DEFAULT_LISTEN} or [::1]:8080`);
      const queryTimeoutMs = bounded(raw.queryTimeout, '--query-timeout', 100, 300_000, '100ms..5m');
      const overviewTimeoutMs = bounded(raw.overviewTimeout, '--overview-timeout', 100, 3_600_000, '100ms..1h');
      const maxQueries = parseIntOption(raw.maxQueries, '--max-queries', 1, 64);
      const maxQueue = parseIntOption(raw.maxQueue, '--max-queue', 0, 10_000);
      const cpuShare = raw.cpuShare === undefined ? undefined : parseCpuShare(raw.cpuShare);
      const refreshMs = bounded(raw.refresh, '--refresh', 1000, 3_600_000, '1s..1h');
      const historyMs = bounded(raw.history, '--history', 3_600_000, 366 * 86_400_000, '1h..366d');
      const at = raw.at === undefined ? undefined : parseTime(raw.at, '--at', Date.now());
      const durationMs = raw.duration === undefined ? undefined : bounded(raw.duration, '--duration', 100, 2_147_483_647, '100ms..24d');
      // Postgres: a connection per concurrent read, plus one for the overview's build.
      const db = await openDatabase(raw.db, { mustExist: true, maxConnections: maxQueries + 1, queryTimeoutMs: Math.max(queryTimeoutMs, overviewTimeoutMs) + 5000 });
      let server: WebServer | undefined;
      try {
        const status = await migrationStatus(db);
        if (status.current === 0) throw new UsageError(`no NodeFinder data in ${db.description}: crawl into it first (nodefinder crawl --db …)`);
        if (status.pending.length > 0) {
          throw new UsageError(`database schema is at version ${status.current} but this NodeFinder expects ${status.latest}: run nodefinder db migrate --db … (serve never writes)`);
        }
        try {
          server = await startWebServer({ db, host: listen.host, port: listen.port, queryTimeoutMs, overviewTimeoutMs, maxQueries, maxQueue, cpuShare, refreshSeconds: Math.round(refreshMs / 1000), historyMs, now: at === undefined ? Date.now : () => at });
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'EADDRINUSE') throw new RuntimeError(`cannot listen on ${raw.listen}: address in use; choose another --listen`);
          if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new RuntimeError(`cannot listen on ${raw.listen}: ${code}; choose another --listen`);
          throw err;
        }
        if (!isLoopback(listen.host)) process.stderr.write(`nodefinder serve: listening on ${listen.host}, not loopback: anyone who reaches it can read the crawl database\n`);
        process.stdout.write(`nodefinder serve: ${server.url}/ (read-only view of ${db.description}); Ctrl-C stops\n`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            if (timer) clearTimeout(timer);
            resolve();
          };
          const timer = durationMs === undefined ? undefined : setTimeout(stop, durationMs);
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      } finally {
        await server?.close();
        await db.close();
      }
    });
}
