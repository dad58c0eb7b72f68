/**
 * What Grafana's PostgreSQL data source does to a panel's rawSql before sending it: global variables
 * ($__interval, $__interval_ms), template variables, then the SQL macros — as in Grafana's
 * grafana-postgresql-datasource macros (time range as RFC 3339 literals, $__timeGroup as epoch
 * seconds). Enough to run every NodeFinder panel against a real schema in tests.
 */

export interface GrafanaContext {
  from: number; // ms
  to: number; // ms
  intervalMs: number;
  variables: Record<string, string>;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Grafana interval text ("1m", "5m", "1h", "1d") → ms. */
export function parseGrafanaInterval(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim().replace(/^'|'$/g, ''));
  if (!m) throw new Error(`unsupported interval ${JSON.stringify(text)}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Grafana writes an interval as the largest whole unit ("3600000" ms → "1h"). */
export function formatGrafanaInterval(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const rfc3339 = (ms: number) => `'${new Date(ms).toISOString().replace('.000Z', 'Z')}'`;

/** The arguments of a macro call starting at `open` (the index of "("); nested parentheses allowed. */
function macroArgs(sql: string, open: number): { args: string[]; end: number } {
  let depth = 0;
  let current = '';
  const args: string[] = [];
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (ch === ')') {
      depth--;
      if (depth === 0) {
        if (current.trim() !== '' || args.length > 0) args.push(current.trim());
        return { args, end: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  throw new Error(`unbalanced macro call at ${open}`);
}

function expandMacro(name: string, args: string[], ctx: GrafanaContext): string {
  const need = (n: number) => {
    if (args.length < n) throw new Error(`$__${name} needs ${n} argument(s)`);
  };
  switch (name) {
    case 'time':
      need(1);
      return `${args[0]} AS "time"`;
    case 'timeEpoch':
      need(1);
      return `extract(epoch from ${args[0]}) as "time"`;
    case 'timeFilter':
      need(1);
      return `${args[0]} BETWEEN ${rfc3339(ctx.from)} AND ${rfc3339(ctx.to)}`;
    case 'timeFrom':
      return rfc3339(ctx.from);
    case 'timeTo':
      return rfc3339(ctx.to);
    case 'timeGroup':
    case 'timeGroupAlias': {
      need(2);
      const seconds = parseGrafanaInterval(args[1]!) / 1000;
      const group = `floor(extract(epoch from ${args[0]})/${seconds})*${seconds}`;
      return name === 'timeGroupAlias' ? `${group} AS "time"` : group;
    }
    case 'unixEpochFilter':
      need(1);
      return `${args[0]} >= ${Math.floor(ctx.from / 1000)} AND ${args[0]} <= ${Math.floor(ctx.to / 1000)}`;
    default:
      throw new Error(`macro $__${name} is not supported by the test expander`);
  }
}

/** rawSql → the SQL Grafana would run. Throws on anything it does not know (so no panel slips by). */
export function expandGrafanaSql(rawSql: string, ctx: GrafanaContext): string {
  let sql = rawSql
    .replaceAll('$__interval_ms', String(ctx.intervalMs))
    .replaceAll('$__interval', formatGrafanaInterval(ctx.intervalMs));
  sql = sql.replace(/\$([a-z_][a-z0-9_]*)\b(?!\()/gi, (whole, name: string) => {
    if (name.startsWith('__')) return whole;
    const v = ctx.variables[name];
    if (v === undefined) throw new Error(`template variable $${name} has no value`);
    return v;
  });
  let out = '';
  let i = 0;
  for (;;) {
    const at = sql.indexOf('$__', i);
    if (at < 0) break;
    const m = /^\$__([a-zA-Z]+)\(/.exec(sql.slice(at));
    if (!m) throw new Error(`unknown Grafana variable at ${JSON.stringify(sql.slice(at, at + 30))}`);
    const { args, end } = macroArgs(sql, at + m[0].length - 1);
    out += sql.slice(i, at) + expandMacro(m[1]!, args, ctx);
    i = end;
  }
  return out + sql.slice(i);
}
