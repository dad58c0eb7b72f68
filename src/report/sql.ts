/**
 * Loader of sql/reports/*.sql — the one place report SQL lives, shared with Grafana. Each file's
 * header documents its parameters ("-- $N name (type): meaning"); the loader checks that the body uses
 * exactly $1..$N, and callers pass parameters by name, so a reordered header cannot silently swap them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable, Row } from '../store/database.js';
import { ReportSqlError } from './errors.js';

export interface ReportQueryParam {
  index: number;
  name: string;
  type: string;
  doc: string;
}

export interface ReportQuery {
  name: string;
  /** First header line (what the query answers). */
  summary: string;
  params: ReportQueryParam[];
  sql: string;
}

const PARAM_LINE = /^--\s*\$(\d+)\s+([a-z_][a-z0-9_]*)\s+\(([^)]+)\):\s*(.*)$/;
const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** sql/reports of this package, from src/report (tests) or dist/src/report (built). */
export function reportSqlDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'sql', 'reports');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new ReportSqlError('sql/reports not found next to the NodeFinder installation');
}

/** Parse one query file's text (exported for tests). */
export function parseReportQuery(name: string, text: string): ReportQuery {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const header: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('--')) break;
    header.push(line);
  }
  if (header.length === 0) throw new ReportSqlError(`report query ${name}: no header comment`);
  const params: ReportQueryParam[] = [];
  for (const line of header) {
    const m = PARAM_LINE.exec(line);
    if (m) params.push({ index: Number(m[1]), name: m[2]!, type: m[3]!.trim(), doc: m[4]!.trim() });
  }
  params.forEach((p, i) => {
    if (p.index !== i + 1) throw new ReportSqlError(`report query ${name}: header documents $${p.index} where $${i + 1} was expected`);
  });
  if (new Set(params.map((p) => p.name)).size !== params.length) throw new ReportSqlError(`report query ${name}: duplicate parameter names`);
  const body = lines
    .slice(header.length)
    .map((l) => l.replace(/--.*$/, ''))
    .join('\n');
  const used = new Set([...body.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  const documented = new Set(params.map((p) => p.index));
  for (const n of used) if (!documented.has(n)) throw new ReportSqlError(`report query ${name}: $${n} is used but not documented`);
  for (const n of documented) if (!used.has(n)) throw new ReportSqlError(`report query ${name}: $${n} is documented but not used`);
  const summary = header[0]!.replace(/^--\s*/, '');
  return { name, summary, params, sql: text };
}

const cache = new Map<string, ReportQuery>();

export function loadReportQuery(name: string): ReportQuery {
  if (!NAME.test(name)) throw new ReportSqlError(`invalid report query name ${JSON.stringify(name)}`);
  const hit = cache.get(name);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(join(reportSqlDir(), `${name}.sql`), 'utf8');
  } catch (err) {
    throw new ReportSqlError(`report query ${name}.sql: ${(err as { code?: string }).code ?? (err as Error).message}`, { cause: err });
  }
  const q = parseReportQuery(name, text);
  cache.set(name, q);
  return q;
}

/** Run a report query with named parameters (every documented one must be given, no others). */
export async function runReportQuery<R extends Row = Row>(db: Queryable, name: string, args: Readonly<Record<string, unknown>> = {}): Promise<R[]> {
  const q = loadReportQuery(name);
  const known = new Set(q.params.map((p) => p.name));
  for (const key of Object.keys(args)) {
    if (!known.has(key)) throw new ReportSqlError(`report query ${name} has no parameter ${key}`);
  }
  const values = q.params.map((p) => {
    if (!(p.name in args) || args[p.name] === undefined) throw new ReportSqlError(`report query ${name}: parameter ${p.name} missing`);
    return args[p.name];
  });
  return db.query<R>(q.sql, values);
}
