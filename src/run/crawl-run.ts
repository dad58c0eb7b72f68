/**
 * One crawl run, start to end, as a library object: open the database (Postgres or the embedded
 * PGlite) and migrate it, open the batched writer (replaying its journal), load or create the
 * instance keys, start the Crawler with its event sinks (writer, stats, fork watch, metrics), the
 * metrics endpoint, the DNS feed and the maintenance timer — and stop all of it in order: DNS feed
 * and crawler first (dials in flight are cut short and recorded), then the metrics endpoint and
 * maintenance, then the writer is flushed, then the database closed.
 *
 * `nodefinder crawl`, `nodefinder demo`, the integration tests, the simulations (test/sim) and the
 * benchmarks all run crawls through it; signals, status lines and reports stay with the callers.
 * Sockets and time are injected (Node's and the system clock by default), so the same sequence runs
 * in a deterministic simulation on in-memory networks.
 */
import { LocalStaleWatch } from '../crawler/fork-watch.js';
import { Crawler, type CrawlOptions } from '../crawler/crawler.js';
import { enrSeqStore, loadOrCreateKey } from '../crawler/keys.js';
import { createCrawlMetrics } from '../crawler/metrics.js';
import { createCrawlDnsFeed, type CrawlDnsOptions } from '../dnsdisc/crawl-feed.js';
import type { DnsFeed } from '../dnsdisc/feed.js';
import type { CrawlerEvent } from '../events.js';
import { startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { systemClock, type Clock } from '../net/clock.js';
import { nodeSockets } from '../net/node-sockets.js';
import type { SocketFactory } from '../net/transport.js';
import { isPostgresUrl, redactUrl, type Database } from '../store/database.js';
import { readServerSettings, settingsAdvice } from '../store/server-settings.js';
import { startMaintenance, type Maintenance, type MaintenanceOptions } from '../store/maintenance.js';
import type { Migration } from '../store/migrations.js';
import { migrate } from '../store/migrations.js';
import { openMigratedDatabase } from '../store/open.js';
import { EventWriter, type WriterOptions, type WriterStats } from '../store/writer.js';
import { databaseCrawlState, defaultLeaseHolder } from './crawl-state.js';

/** Which part of start() failed, so callers can name the option to change (never by message text). */
export type CrawlRunStage = 'database' | 'writer' | 'keys' | 'metrics' | 'crawler';

export class CrawlRunStartError extends Error {
  constructor(
    readonly stage: CrawlRunStage,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'CrawlRunStartError';
  }
}

export interface CrawlRunOptions {
  /** `--db` text (postgres:// URL, directory, memory://), or an open database (migrated here too). */
  db: string | Database;
  /** Close the database in close() (default: only when the run opened it from a `--db` text). */
  closeDatabase?: boolean;
  clock?: Clock;
  sockets?: SocketFactory;
  /** The writer's journal directory (null: none, events past its memory bound are dropped). */
  journalDir: string | null;
  writer?: Omit<WriterOptions, 'clock' | 'journalDir'>;
  /** Instance keys: loaded from (or created in) a directory with their ENR seq files, or given. */
  keys: { dir: string } | { privateKeys: readonly Uint8Array[] };
  /** The crawl itself; sockets, clock, sinks, store and keys are the run's. */
  crawl: Omit<CrawlOptions, 'clock' | 'sockets' | 'sinks' | 'store' | 'privateKeys' | 'enrSeqStores'>;
  /** More event consumers (progress, test observers); the writer always comes first. */
  sinks?: ((event: CrawlerEvent) => void)[];
  /** Redial lease holder name (default host/pid). */
  leaseHolder?: string;
  /** Prometheus endpoint. */
  metrics?: { host: string; port: number };
  /** EIP-1459 DNS lists fed to the crawler; started after the crawler. */
  dns?: Omit<CrawlDnsOptions, 'clock' | 'onNodes'>;
  /** Roll-ups and retention on a timer (crawl); absent: none. */
  maintenance?: Pick<MaintenanceOptions, 'retainRawMs' | 'yieldRatio'>;
  /** Warn when many peers' fork IDs say our schedule is stale (crawl/fork-watch.ts). */
  forkWatch?: boolean;
  /** One-line progress messages (migrations, keys created, maintenance, fork watch). */
  log?: (line: string) => void;
}

/**
 * The writer's memory bound on the embedded engine (the server default is 100 000): PGlite shares
 * the crawler's process, so events waiting for it count against the same RSS. 20 000 events are
 * ~1 s of PGlite's batched ingest; a longer queue means the database is stuck, and the journal
 * (on disk) holds the rest until it is back.
 */
export const EMBEDDED_MAX_BUFFERED_EVENTS = 20_000;

export interface CrawlRunSummary {
  writer: WriterStats;
}

export class CrawlRun {
  private stopping: Promise<WriterStats> | undefined;
  private closing: Promise<CrawlRunSummary> | undefined;

  private constructor(
    readonly db: Database,
    private readonly ownsDb: boolean,
    readonly writer: EventWriter,
    readonly crawler: Crawler,
    /** Migrations applied at start. */
    readonly applied: readonly Migration[],
    /** Keys created at start (keys.dir). */
    readonly keysCreated: number,
    readonly metricsServer: MetricsServer | undefined,
    private readonly maintenance: Maintenance | undefined,
    private dnsFeed: DnsFeed | undefined,
  ) {}

  /** Open everything and start crawling. On failure everything opened so far is closed again. */
  static async start(o: CrawlRunOptions): Promise<CrawlRun> {
    const clock = o.clock ?? systemClock;
    const log = o.log ?? (() => undefined);
    let db: Database;
    let applied: Migration[];
    const ownsDb = o.closeDatabase ?? typeof o.db === 'string';
    try {
      if (typeof o.db === 'string') ({ db, applied } = await openMigratedDatabase(o.db));
      else {
        db = o.db;
        applied = await migrate(db);
      }
    } catch (err) {
      throw new CrawlRunStartError('database', err);
    }
    if (applied.length > 0) {
      const label = typeof o.db !== 'string' ? 'database' : `database ${isPostgresUrl(o.db) ? redactUrl(o.db) : o.db}`;
      log(`${label}: applied ${applied.length} migration(s)`);
    }
    if (db.engine === 'postgres') {
      // Advice only: a server that cannot answer this will fail louder below.
      const advice = await readServerSettings(db).then(settingsAdvice, () => null);
      if (advice) log(advice);
    }
    let writer: EventWriter | undefined;
    let maintenance: Maintenance | undefined;
    let metricsServer: MetricsServer | undefined;
    let crawler: Crawler | undefined;
    let stage: CrawlRunStage = 'writer';
    try {
      const embeddedBound = db.engine === 'pglite' ? { maxBufferedEvents: EMBEDDED_MAX_BUFFERED_EVENTS } : {};
      writer = await EventWriter.open(db, { ...embeddedBound, ...o.writer, clock, journalDir: o.journalDir });
      stage = 'keys';
      const { privateKeys, created, seqDir } = await loadKeys(o.keys, o.crawl.instances);
      if (created > 0 && seqDir) log(`keys: created ${created} new identity key(s) in ${seqDir}`);
      if (o.maintenance) {
        maintenance = startMaintenance(db, { ...o.maintenance, clock, log });
      }
      const w = writer;
      const sinks: ((e: CrawlerEvent) => void)[] = [(e) => w.write(e)];
      if (o.forkWatch) sinks.push(new LocalStaleWatch(o.crawl.network.name, log).consume);
      sinks.push(...(o.sinks ?? []));
      crawler = new Crawler({
        ...o.crawl,
        clock,
        sockets: o.sockets ?? nodeSockets,
        privateKeys,
        ...(seqDir ? { enrSeqStores: privateKeys.map((_, i) => enrSeqStore(seqDir, i)) } : {}),
        sinks,
        store: databaseCrawlState(db, o.leaseHolder ?? defaultLeaseHolder()),
      });
      const c = crawler;
      if (o.metrics) {
        stage = 'metrics';
        const metrics = createCrawlMetrics({
          knownNodes: () => c.shared.knownNodes,
          tableSizes: () => c.instances.map((i) => ({ instance: String(i.index), size: i.tableSize })),
          dialsInFlight: () => c.inFlight(),
          dialsQueued: () => c.queued(),
          staticNodes: () => c.staticNodes(),
          socketsInUse: () => c.budget.inUse,
          writer: () => w.stats(),
          discovery: () => c.instances.map((i) => i.discoveryCounters()),
          discoveryV5: () => c.instances.map((i) => i.discoveryV5Counters()),
        });
        sinks.push(metrics.consume);
        metricsServer = await startMetricsServer(metrics.registry, o.metrics.host, o.metrics.port);
      }
      stage = 'crawler';
      await crawler.start();
      let dnsFeed: DnsFeed | undefined;
      if (o.dns && o.dns.links.length > 0) {
        dnsFeed = createCrawlDnsFeed({ ...o.dns, clock, onNodes: (records) => c.learnFromDns(records) });
        void dnsFeed.start();
      }
      return new CrawlRun(db, ownsDb, w, c, applied, created, metricsServer, maintenance, dnsFeed);
    } catch (err) {
      await crawler?.stop();
      await metricsServer?.close();
      await maintenance?.stop();
      await writer?.close();
      if (ownsDb) await db.close();
      throw new CrawlRunStartError(stage, err);
    }
  }

  /**
   * Stop crawling and flush: DNS feed, crawler (dials in flight are recorded), metrics endpoint,
   * maintenance, then the writer. The database stays open (callers may query it). Idempotent.
   */
  stop(): Promise<WriterStats> {
    this.stopping ??= (async () => {
      await this.dnsFeed?.stop();
      await this.crawler.stop();
      await this.metricsServer?.close();
      await this.maintenance?.stop();
      return this.writer.close();
    })();
    return this.stopping;
  }

  /** stop(), then close the database if the run opened it. Idempotent. */
  close(): Promise<CrawlRunSummary> {
    this.closing ??= (async () => {
      const writer = await this.stop();
      if (this.ownsDb) await this.db.close();
      return { writer };
    })();
    return this.closing;
  }
}

async function loadKeys(
  keys: CrawlRunOptions['keys'],
  instances: number,
): Promise<{ privateKeys: Uint8Array[]; created: number; seqDir: string | undefined }> {
  if ('privateKeys' in keys) {
    if (keys.privateKeys.length !== instances) throw new RangeError('one private key per instance');
    return { privateKeys: [...keys.privateKeys], created: 0, seqDir: undefined };
  }
  const privateKeys: Uint8Array[] = [];
  let created = 0;
  for (let i = 0; i < instances; i++) {
    const k = await loadOrCreateKey(keys.dir, i);
    if (k.created) created++;
    privateKeys.push(k.privateKey);
  }
  return { privateKeys, created, seqDir: keys.dir };
}
