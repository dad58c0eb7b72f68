/** Reports: `nodefinder report <name>` builders, their context, the SQL loader and statistics. */
export { REPORT_NAMES, buildReport, isReportName, type ReportName } from './registry.js';
export { ReportContext, type ReportOptions, type Exclusion, type AbusiveIp } from './context.js';
export { loadReportQuery, runReportQuery, reportSqlDir, type ReportQuery } from './sql.js';
export { parseExternalList, readExternalList, type ExternalList } from './external-list.js';
export { ExternalListError, ReportSqlError } from './errors.js';
export * as reportStats from './stats.js';
