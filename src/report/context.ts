/**
 * What every report module gets: the database, the time window, options, and memoised shared
 * results (the abusive-IP exclusion list, the geo database) so a composite report (snapshot) runs
 * each query once.
 */
import { NO_NODE_FILTERS, type NodeFilters } from './node-filter.js';
import { packagedGeo, type GeoInfo, type GeoLookup } from '../geo/index.js';
import type { NetworkName } from '../eth/networks.js';
import type { Database, Queryable, Row } from '../store/database.js';
import { ReportSqlError } from './errors.js';
import { loadReportQuery, runReportQuery } from './sql.js';
import type { ExternalList } from './external-list.js';

export const DAY_MS = 86_400_000;

export interface ReportOptions {
  /** Window [since, until) in ms since the epoch. */
  since: number;
  until: number;
  /** Stamped on the report (SOURCE_DATE_EPOCH or now). */
  generatedAt: number;
  /** Count the node IDs of abusive IPs too (default: leave them out). */
  includeAbusive?: boolean;
  /** An IP with at least this many node IDs in the window is abusive (default 10). */
  abusiveMinIds?: number;
  /** Rows shown in ranked tables and charts before "other" (default 15). */
  top?: number;
  /** Longitudinal bucket (default day). */
  bucket?: 'hour' | 'day';
  /** Chain for freshness (default mainnet). */
  network?: NetworkName;
  /** `report nodes`: the node filters of the web list (src/report/node-filter.ts; default: every node). */
  nodeFilters?: NodeFilters;
  /** `coverage --external`. */
  external?: ExternalList;
  /** Nodes whose pairwise latency bounds are computed (default 200: ~20 000 pairs). */
  maxPairNodes?: number;
  /** A release counts for client-age when at least this many nodes announced it (default 2). */
  releaseMinNodes?: number;
  /** Geo lookup (default: the packaged database, loaded on first use). */
  geo?: GeoLookup;
  /**
   * Postgres work_mem for report queries (SET LOCAL, per query transaction): their hash aggregates
   * over a day of dials spill to disk with the 4 MB default (default '64MB'; null leaves it alone).
   */
  workMem?: string | null;
}

/** Report queries in flight at once on a Postgres server (its pool holds 4 connections by default). */
export const REPORT_CONCURRENCY = 2;

/** A work_mem value Postgres accepts: a number and a unit. */
const WORK_MEM = /^\d{1,6}(kB|MB|GB)$/;

export interface AbusiveIp {
  ip: string;
  /** Hex node IDs on the IP. */
  ids: string[];
  node_ids: number;
  new_node_ids: number;
  hello_node_ids: number;
  first_seen_ms: number | null;
  last_seen_ms: number | null;
}

export interface Exclusion {
  /** Abusive public IPs (private/reserved ones are reported but never excluded). */
  ips: AbusiveIp[];
  /** IPs over the threshold that are private or reserved (exempt). */
  exempt: AbusiveIp[];
  /** Node IDs of the abusive public IPs that are left out (empty with includeAbusive). */
  abusive: string[];
  /** Our own instances' node IDs: never counted as part of the network. */
  own: string[];
  /** Hex node IDs left out of counts: the abusive IPs' (unless includeAbusive) and our own. */
  nodeIds: string[];
}

export class ReportContext {
  readonly since: number;
  readonly until: number;
  readonly generatedAt: number;
  readonly includeAbusive: boolean;
  readonly abusiveMinIds: number;
  readonly top: number;
  readonly bucket: 'hour' | 'day';
  readonly network: NetworkName;
  readonly nodeFilters: NodeFilters;
  readonly external: ExternalList | undefined;
  readonly maxPairNodes: number;
  readonly releaseMinNodes: number;
  readonly workMem: string | null;
  private geoLookup: GeoLookup | undefined;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly db: Queryable,
    opts: ReportOptions,
  ) {
    this.since = opts.since;
    this.until = opts.until;
    this.generatedAt = opts.generatedAt;
    this.includeAbusive = opts.includeAbusive ?? false;
    this.abusiveMinIds = opts.abusiveMinIds ?? 10;
    this.top = opts.top ?? 15;
    this.bucket = opts.bucket ?? 'day';
    this.network = opts.network ?? 'mainnet';
    this.nodeFilters = opts.nodeFilters ?? NO_NODE_FILTERS;
    this.external = opts.external;
    this.maxPairNodes = opts.maxPairNodes ?? 200;
    this.releaseMinNodes = opts.releaseMinNodes ?? 2;
    this.geoLookup = opts.geo;
    this.workMem = opts.workMem === undefined ? '64MB' : opts.workMem;
    if (this.workMem !== null && !WORK_MEM.test(this.workMem)) throw new ReportSqlError(`invalid work_mem ${JSON.stringify(this.workMem)}`);
  }

  get geo(): GeoLookup {
    this.geoLookup ??= packagedGeo();
    return this.geoLookup;
  }

  private readonly geoCache = new Map<string, GeoInfo>();

  /** geo.lookup with a per-report cache (the snapshot places every IP by country and by AS). */
  locate(ip: string): GeoInfo {
    let g = this.geoCache.get(ip);
    if (!g) {
      g = this.geo.lookup(ip);
      this.geoCache.set(ip, g);
    }
    return g;
  }

  /** `since`/`until` as query arguments. */
  get window(): { since: string; until: string } {
    return { since: new Date(this.since).toISOString(), until: new Date(this.until).toISOString() };
  }

  /**
   * Run independent loads: two at a time on a Postgres server (fewer than its pool's connections, so
   * none waits for a connection), one after the other on the embedded engine (one session).
   */
  async all<T extends readonly unknown[]>(tasks: { readonly [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
    const width = (this.db as Partial<Database>).engine === 'postgres' ? REPORT_CONCURRENCY : 1;
    const out = new Array<unknown>(tasks.length);
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
    return out as unknown as T;
  }

  /** Run `fn` once per key for this context. */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Run sql/reports/<name>.sql; `since`/`until` are filled in from the window when the query takes them. */
  query<R extends Row>(name: string, args: Record<string, unknown> = {}): Promise<R[]> {
    const takes = new Set(loadReportQuery(name).params.map((p) => p.name));
    const window = Object.fromEntries(Object.entries(this.window).filter(([k]) => takes.has(k)));
    const all = { ...window, ...args };
    const db = this.db as Partial<Database>;
    const settings: string[] = [];
    if (this.workMem !== null) settings.push(`SET LOCAL work_mem = '${this.workMem}'`);
    // A misestimated plan (abusive-ips: cost ~4e8 for ~1 s of work) crosses jit_above_cost and spends
    // ~0.4 s compiling expressions that then run once over a few 100k rows: never worth it here.
    if (db.engine === 'postgres') settings.push('SET LOCAL jit = off');
    if (settings.length === 0 || typeof db.transaction !== 'function') return runReportQuery<R>(this.db, name, all);
    return db.transaction(async (tx) => {
      await tx.exec(settings.join('; '));
      return runReportQuery<R>(tx, name, all);
    });
  }

  /** A window query that takes the exclusion list as `excluded`. */
  async queryExcluding<R extends Row>(name: string, args: Record<string, unknown> = {}): Promise<R[]> {
    const { nodeIds } = await this.exclusion();
    return this.query<R>(name, { ...args, excluded: nodeIds });
  }

  /** Abusive IPs in the window and the node IDs to leave out (see abusive.ts). */
  exclusion(): Promise<Exclusion> {
    return this.once('exclusion', async () => {
      const rows = await this.query<AbusiveIp & Row>('abusive-ips', { min_ids: this.abusiveMinIds });
      const ips: AbusiveIp[] = [];
      const exempt: AbusiveIp[] = [];
      for (const r of rows) {
        const special = this.locate(r.ip).special;
        (special ? exempt : ips).push(r);
      }
      // Our instances find and dial each other; they are the crawler, not the network.
      const own = (await this.query<{ instance: string }>('instances')).map((r) => r.instance);
      const abusive = this.includeAbusive ? [] : [...new Set(ips.flatMap((r) => r.ids))].sort();
      return { ips, exempt, abusive, own, nodeIds: [...new Set([...abusive, ...own])].sort() };
    });
  }

  /** Parameters every report shows. */
  baseParameters(): Record<string, string | number | boolean | null> {
    return {
      since: new Date(this.since).toISOString(),
      until: new Date(this.until).toISOString(),
    };
  }
}

/** Share of a total as a fraction (null when the total is 0). */
export function share(n: number, total: number): number | null {
  return total > 0 ? n / total : null;
}

/** Short form of a hex ID for tables (first 8 + last 4 characters). */
export function shortId(hex: string): string {
  return hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}
