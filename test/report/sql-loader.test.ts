/**
 * sql/reports: every file loads with a header that documents exactly the parameters its body uses,
 * every report module's query exists, and the loader refuses drift between header and body.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReportSqlError } from '../../src/report/errors.js';
import { loadReportQuery, parseReportQuery, reportSqlDir, runReportQuery } from '../../src/report/sql.js';

const files = readdirSync(reportSqlDir()).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort();

describe('sql/reports', () => {
  it('holds the queries the reports use', () => {
    for (const name of ['snapshot-stages', 'window-nodes', 'clients', 'client-releases', 'disconnects', 'freshness', 'abusive-ips', 'instance-captures', 'longitudinal-dials', 'coverage-external']) {
      expect(files).toContain(name);
    }
  });

  it.each(files)('%s.sql: header documents every parameter, in order, with a type', (name) => {
    const q = loadReportQuery(name);
    expect(q.summary.startsWith(`${name}:`)).toBe(true);
    q.params.forEach((p, i) => {
      expect(p.index).toBe(i + 1);
      expect(p.type.length).toBeGreaterThan(0);
      expect(p.doc.length).toBeGreaterThan(0);
    });
    // window queries agree on the names Grafana dashboards bind
    if (q.params[0]?.name === 'since') expect(q.params[1]?.name).toBe('until');
  });

  it('refuses a header that disagrees with the body', () => {
    const ok = '-- q: test\n-- $1 since (timestamptz): start\nSELECT $1';
    expect(parseReportQuery('q', ok).params.map((p) => p.name)).toEqual(['since']);
    expect(() => parseReportQuery('q', '-- q: test\nSELECT $1')).toThrow(ReportSqlError);
    expect(() => parseReportQuery('q', '-- q: test\n-- $1 a (int): x\n-- $2 b (int): y\nSELECT $1')).toThrow(/documented but not used/);
    expect(() => parseReportQuery('q', '-- q: test\n-- $2 a (int): x\nSELECT $2')).toThrow(/expected/);
    expect(() => parseReportQuery('q', 'SELECT 1')).toThrow(/no header/);
    // a $n inside a body comment does not count as used
    expect(() => parseReportQuery('q', '-- q: test\n-- $1 a (int): x\nSELECT 1 -- $1')).toThrow(/documented but not used/);
  });

  it('binds parameters by name and refuses unknown or missing ones', async () => {
    const calls: unknown[][] = [];
    const db = { query: async (_sql: string, params?: readonly unknown[]) => (calls.push([...(params ?? [])]), []), exec: async () => {} };
    await runReportQuery(db, 'abusive-ips', { min_ids: 5, until: 'U', since: 'S' });
    expect(calls[0]).toEqual(['S', 'U', 5]);
    await expect(runReportQuery(db, 'abusive-ips', { since: 'S', until: 'U' })).rejects.toThrow(/min_ids missing/);
    await expect(runReportQuery(db, 'abusive-ips', { since: 'S', until: 'U', min_ids: 1, extra: 1 })).rejects.toThrow(/no parameter extra/);
    expect(() => loadReportQuery('../etc/passwd')).toThrow(ReportSqlError);
    expect(() => loadReportQuery('no-such-query')).toThrow(/ENOENT/);
  });
});
