/**
 * A Postgres server's memory and WAL settings against what a mainnet crawl's writer needs (README
 * "Running against mainnet", measured with bench/longitudinal.bench.ts): Postgres's defaults (128 MB
 * shared_buffers, 1 GB max_wal_size) make every upsert a read and a write through the kernel and
 * checkpoint every few seconds, each checkpoint putting full page images in the WAL again.
 */
import type { Queryable } from './database.js';

/** What the writer was measured with; docker-compose.yml runs Postgres with these. */
export const RECOMMENDED_SETTINGS = { shared_buffers: '1GB', max_wal_size: '8GB', checkpoint_timeout: '15min', wal_compression: 'lz4' } as const;

export interface ServerSettings {
  sharedBuffersBytes: number;
  maxWalSizeBytes: number;
}

const MB = 1024 * 1024;

/** Below these the writer loses ~20–30 % of its rate at mainnet volume (README). */
const MIN_SHARED_BUFFERS = 512 * MB;
const MIN_MAX_WAL_SIZE = 4096 * MB;

/** One line of advice for the crawl's log, or null when the settings are fine. */
export function settingsAdvice(s: ServerSettings): string | null {
  const low: string[] = [];
  if (s.sharedBuffersBytes < MIN_SHARED_BUFFERS) low.push(`shared_buffers ${Math.round(s.sharedBuffersBytes / MB)}MB`);
  if (s.maxWalSizeBytes < MIN_MAX_WAL_SIZE) low.push(`max_wal_size ${Math.round(s.maxWalSizeBytes / MB)}MB`);
  if (low.length === 0) return null;
  const want = Object.entries(RECOMMENDED_SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ');
  return `postgres: ${low.join(', ')} — fine for a small crawl; for mainnet volume set ${want} (README: Running against mainnet)`;
}

/** The settings of the server behind `db` (a Postgres server; PGlite has its own, src/store/pglite-adapter.ts). */
export async function readServerSettings(db: Queryable): Promise<ServerSettings> {
  // pg_settings gives each value in its unit (8 kB blocks, MB): multiply out.
  const rows = await db.query<{ name: string; bytes: string }>(
    `SELECT name, (setting::numeric * CASE unit WHEN '8kB' THEN 8192 WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576 ELSE 1 END)::text AS bytes
       FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size')`,
  );
  const get = (name: string) => Number(rows.find((r) => r.name === name)?.bytes ?? NaN);
  return { sharedBuffersBytes: get('shared_buffers'), maxWalSizeBytes: get('max_wal_size') };
}
