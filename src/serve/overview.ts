/**
 * The overview: the reports' own builders over the database (sql/reports via src/report), so the
 * web view and `nodefinder report` can never disagree — the snapshot of the 24 hours ending now and
 * the longitudinal report (hourly) of the last days. Built at most once per refresh interval and
 * shared by every request in between (one build in flight at a time), so a crowd of viewers costs
 * the database one report per interval.
 */
import type { GeoLookup } from '../geo/index.js';
import { DAY_MS, ReportContext } from '../report/context.js';
import { buildReport, isReportName, type ReportName } from '../report/registry.js';
import type { Report } from '../report/render/model.js';
import type { ReadOnlyDb } from './read-only.js';

/** Reports shown after the snapshot when this NodeFinder has them (fork readiness comes with `forks`). */
const OPTIONAL_REPORTS = ['forks'] as const;

export interface Overview {
  builtAt: number;
  reports: Report[];
}

export interface OverviewOptions {
  /** Span of the longitudinal charts, ms. */
  historyMs: number;
  /** How long a built overview is served before the next build, ms. */
  ttlMs: number;
  now: () => number;
  geo?: GeoLookup;
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
      return { builtAt: now, reports };
    });
  }
}
