/**
 * `/healthz`: Prometheus text a probe or a scraper can read. 200 when the database answered, 503
 * when not; the last write's age says whether a crawl is still feeding the database.
 */
import type { ReadOnlyDb } from './read-only.js';

export interface Health {
  ok: boolean;
  text: string;
}

export async function health(db: ReadOnlyDb, now: number, startedAt: number): Promise<Health> {
  const lines = [
    '# HELP nodefinder_serve_uptime_seconds Seconds since the web view started.',
    '# TYPE nodefinder_serve_uptime_seconds gauge',
    `nodefinder_serve_uptime_seconds ${Math.max(0, Math.round((now - startedAt) / 1000))}`,
    '# HELP nodefinder_serve_database_up 1 when the database answered this probe.',
    '# TYPE nodefinder_serve_database_up gauge',
  ];
  try {
    // Not behind the admission queue: a busy view is not a database that is down (the server asks at
    // most once a second, src/serve/server.ts).
    const [row] = await db.read(
      // instance_totals: one row per crawler identity, stamped by the writer with each batch it commits.
      (tx) => tx.query<{ last_write: Date | null }>(`SELECT max(updated_at) AS last_write FROM instance_totals`),
      undefined,
      'probe',
    );
    lines.push('nodefinder_serve_database_up 1');
    lines.push(
      '# HELP nodefinder_serve_last_write_age_seconds Seconds since the latest event a crawler wrote (NaN: never).',
      '# TYPE nodefinder_serve_last_write_age_seconds gauge',
      `nodefinder_serve_last_write_age_seconds ${row?.last_write ? Math.max(0, (now - row.last_write.getTime()) / 1000).toFixed(1) : 'NaN'}`,
    );
    return { ok: true, text: `${lines.join('\n')}\n` };
  } catch {
    lines.push('nodefinder_serve_database_up 0');
    return { ok: false, text: `${lines.join('\n')}\n` };
  }
}
