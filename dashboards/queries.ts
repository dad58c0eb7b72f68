/**
 * The SQL of Grafana panels, from the same files the CLI runs (DESIGN.md: sql/reports/*.sql are shared
 * by CLI and Grafana). A report query's positional parameters become Grafana expressions by name —
 * since/until → the dashboard's time range, bucket → the panel's $__interval_ms, excluded → nothing —
 * so a panel can never drift from `nodefinder report`. Panels that need a Grafana shape (a "time"
 * column, $__timeGroup) read dashboards/sql/<name>.sql, written with Grafana macros directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReportQuery, type ReportQuery } from '../src/report/sql.js';

/** Mainnet genesis (the reports' definition of a "mainnet" node uses it too). */
export const MAINNET_GENESIS_HEX = 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3';

/**
 * Grafana expression for each report parameter name. Parameters not listed here (an external node
 * list, IP lists) have no dashboard meaning: a panel on such a query fails to build.
 */
export const GRAFANA_PARAMS: Readonly<Record<string, string>> = {
  since: '$__timeFrom()',
  until: '$__timeTo()',
  // Dashboards count every node ID (like `report --include-abusive`); the abusive-IPs panel shows
  // what the CLI leaves out by default.
  excluded: "'{}'",
  // $__interval_ms, not $__interval: Postgres reads '1M' as one minute, Grafana means a month.
  bucket: "($__interval_ms * interval '1 millisecond')",
  min_ids: '$abusive_min_ids',
  genesis: `'${MAINNET_GENESIS_HEX}'`,
};

/** The repository directory holding dashboards/ (from dashboards/ in tests or dist/dashboards/ built). */
export function repoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'dashboards', 'sql')) && existsSync(join(dir, 'sql', 'reports'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('dashboards/sql not found above the generator');
}

/** Header comment lines (they document $N parameters that no longer exist after substitution). */
function body(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('--')) i++;
  return lines.slice(i).join('\n').trim().replace(/;\s*$/, '');
}

/** A report query with its parameters replaced by Grafana expressions (no trailing semicolon). */
export function reportQueryForGrafana(name: string): string {
  const q: ReportQuery = loadReportQuery(name);
  const byIndex = new Map<number, string>();
  for (const p of q.params) {
    const expr = GRAFANA_PARAMS[p.name];
    if (expr === undefined) throw new Error(`report query ${name}: parameter ${p.name} has no Grafana equivalent`);
    byIndex.set(p.index, expr);
  }
  // $10 must not be read as $1 followed by 0.
  const sql = body(q.sql).replace(/\$(\d+)(?!\d)/g, (_, n: string) => byIndex.get(Number(n))!);
  return `-- sql/reports/${name}.sql: ${q.summary}\n${sql}`;
}

/** dashboards/sql/<name>.sql: its first comment line, then the query (no trailing semicolon). */
export function dashboardQuery(name: string): string {
  const text = readFileSync(join(repoDir(), 'dashboards', 'sql', `${name}.sql`), 'utf8');
  const first = text.split('\n')[0]!;
  if (!first.startsWith('-- ')) throw new Error(`dashboards/sql/${name}.sql: no header comment`);
  return `-- dashboards/sql/${name}.sql: ${first.slice(3).replace(/^[a-z0-9-]+:\s*/, '')}\n${body(text)}`;
}

/** Wrap a query as a subquery (its WITH and ORDER BY stay inside). */
export function from(inner: string, alias = 'r'): string {
  return `(\n${inner}\n) AS ${alias}`;
}
