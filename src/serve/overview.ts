/**
 * The overview: the reports' own builders over the database (sql/reports via src/report), so the
 * web view and `nodefinder report` can never disagree — the snapshot of the 24 hours ending now and
 * the longitudinal report (hourly) of the last days. Built at most once per refresh interval, one
 * build at a time, and shared by every request: a crowd of viewers costs the database one build
 * per interval. Once a build exists, a stale one is served while the next is built (only the very
 * first request waits), and its JSON and HTML are rendered once per build.
 */
import type { GeoLookup } from '../geo/index.js';
import { DAY_MS, ReportContext } from '../report/context.js';
import { buildReport, isReportName, type ReportName } from '../report/registry.js';
import { toJsonObject } from '../report/render/json.js';
import type { Report } from '../report/render/model.js';
import type { ReadOnlyDb } from './read-only.js';

/**
 * Reports shown after the snapshot when this NodeFinder has them (fork readiness comes with `forks`,
 * discovery sources and their overlap with `discovery`).
 */
const OPTIONAL_REPORTS = ['forks', 'discovery'] as const;

export class Overview {
  private jsonText: string | undefined;
  private htmlText: string | undefined;
  constructor(
    readonly builtAt: number,
    readonly reports: Report[],
  ) {}

  /** The `/api/overview` body. */
  json(): string {
    this.jsonText ??= `${JSON.stringify({ built_at: new Date(this.builtAt).toISOString(), reports: this.reports.map(toJsonObject) })}\n`;
    return this.jsonText;
  }

  /** Rendered once per build by `render` (pages.ts). */
  html(render: (o: Overview) => string): string {
    this.htmlText ??= render(this);
    return this.htmlText;
  }
}

export interface OverviewOptions {
  /** Span of the longitudinal charts, ms. */
  historyMs: number;
  /** How long a built overview is fresh, ms. */
  ttlMs: number;
  /** statement_timeout of the report queries, ms: they aggregate a day of data, once per interval. */
  timeoutMs: number;
  now: () => number;
  geo?: GeoLookup;
  /** Told when a background rebuild fails (the previous overview stays in service). */
  onError?: (err: unknown) => void;
}

export class OverviewCache {
  private current: Overview | null = null;
  private building: Promise<Overview> | null = null;

  constructor(
    private readonly db: ReadOnlyDb,
    private readonly opts: OverviewOptions,
  ) {}

  get(): Promise<Overview> {
    const now = this.opts.now();
    if (this.current && now - this.current.builtAt < this.opts.ttlMs) return Promise.resolve(this.current);
    this.building ??= this.build(now).then(
      (o) => {
        this.current = o;
        this.building = null;
        return o;
      },
      (err: unknown) => {
        this.building = null;
        throw err;
      },
    );
    if (this.current) {
      this.building.catch((err: unknown) => this.opts.onError?.(err));
      return Promise.resolve(this.current);
    }
    return this.building;
  }

  private build(now: number): Promise<Overview> {
    return this.db.read(async (tx) => {
      const base = { until: now, generatedAt: now, geo: this.opts.geo, workMem: null };
      const reports: Report[] = [await buildReport('snapshot', new ReportContext(tx, { ...base, since: now - DAY_MS }))];
      for (const name of OPTIONAL_REPORTS) {
        if (isReportName(name)) reports.push(await buildReport(name as ReportName, new ReportContext(tx, { ...base, since: now - DAY_MS })));
      }
      reports.push(await buildReport('longitudinal', new ReportContext(tx, { ...base, since: now - this.opts.historyMs, bucket: 'hour' })));
      return new Overview(now, reports);
    }, this.opts.timeoutMs, 'background');
  }
}
