/**
 * Every `nodefinder report <name>`: name → builder. Builders are pure given the database: a
 * ReportContext in, a Report (render/model.ts) out.
 */
import type { Report } from './render/model.js';
import { buildAbusiveReport } from './abusive.js';
import { buildClientAgeReport } from './client-age.js';
import { buildClientsReport } from './clients.js';
import type { ReportContext } from './context.js';
import { buildCoverageReport } from './coverage.js';
import { buildDisconnectsReport } from './disconnects.js';
import { buildDiscoveryReport } from './discovery.js';
import { buildForksReport } from './forks.js';
import { buildFreshnessReport } from './freshness.js';
import { buildAsnsReport, buildCountriesReport } from './geo-report.js';
import { buildLatencyReport } from './latency.js';
import { buildLongitudinalReport } from './longitudinal.js';
import { buildNodesReport } from './nodes.js';
import { buildRebondsReport } from './rebonds.js';
import { buildSizeReport } from './size.js';
import { buildSnapshotReport } from './snapshot.js';

export const REPORT_NAMES = [
  'snapshot',
  'longitudinal',
  'clients',
  'countries',
  'asns',
  'latency',
  'freshness',
  'client-age',
  'disconnects',
  'abusive',
  'coverage',
  'size',
  'forks',
  'nodes',
  'discovery',
  'rebonds',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export function isReportName(name: string): name is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(name);
}

const BUILDERS: Record<ReportName, (ctx: ReportContext) => Promise<Report>> = {
  snapshot: buildSnapshotReport,
  longitudinal: buildLongitudinalReport,
  clients: buildClientsReport,
  countries: buildCountriesReport,
  asns: buildAsnsReport,
  latency: buildLatencyReport,
  freshness: buildFreshnessReport,
  'client-age': buildClientAgeReport,
  disconnects: buildDisconnectsReport,
  abusive: buildAbusiveReport,
  coverage: buildCoverageReport,
  size: buildSizeReport,
  forks: buildForksReport,
  nodes: buildNodesReport,
  discovery: buildDiscoveryReport,
  rebonds: buildRebondsReport,
};

export function buildReport(name: ReportName, ctx: ReportContext): Promise<Report> {
  return BUILDERS[name](ctx);
}
