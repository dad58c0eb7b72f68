/** `nodefinder simulate` output: the coverage table (text) or one JSON document, both deterministic. */
import type { CoverageRow, SimResult } from './driver.js';
import type { SimOptions } from './options.js';

const COLUMNS: readonly [keyof CoverageRow, string][] = [
  ['hour', 'hour'],
  ['online', 'online'],
  ['reachable', 'reachable'],
  ['discovered', 'discovered'],
  ['dialedOk', 'dialed_ok_1h'],
  ['coverage', 'coverage_%'],
  ['dials', 'dials'],
  ['staticNodes', 'static'],
  ['stale', 'stale'],
  ['expired', 'expired'],
];

export function renderCoverageTable(result: SimResult): string {
  const head = COLUMNS.map(([, h]) => h);
  const body = result.rows.map((r) => COLUMNS.map(([k]) => (k === 'coverage' ? r.coverage.toFixed(1) : String(r[k]))));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const t = result.totals;
  const c = result.churn;
  const meanSession = c.sessionsEnded ? c.sessionMsTotal / c.sessionsEnded / 3_600_000 : 0;
  return [
    line(head),
    ...body.map(line),
    '',
    `dials: ${t.dials.dynamic} dynamic + ${t.dials.static} static, ${t.succeeded} successful; lookups ${t.lookups}, tables enumerated ${t.enumerations}; events ${t.events}`,
    `churn: ${c.joins} joined, ${c.sessionsEnded} sessions ended (mean ${meanSession.toFixed(2)} h), ${c.permanentLeaves} left for good, ${c.returns} returned; ${t.nodes} node IDs in all`,
    '',
  ].join('\n');
}

export function coverageJson(options: SimOptions, result: SimResult): string {
  const { start, ...rest } = options;
  return `${JSON.stringify(
    {
      options: { ...rest, start: new Date(start).toISOString() },
      rows: result.rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      churn: result.churn,
      totals: result.totals,
    },
    null,
    2,
  )}\n`;
}
