/**
 * `--db` → Database. `postgres://…` / `postgresql://…` uses the `pg` engine; `memory://` an in-RAM
 * embedded database; anything else is a directory holding an embedded database (created on demand).
 */
import { DatabaseOptionError } from './errors.js';
import { DEFAULT_DB, isPostgresUrl, type Database, type OpenOptions } from './database.js';
import { openPostgres } from './pg-adapter.js';
import { openPglite } from './pglite-adapter.js';
import { migrate, type Migration } from './migrations.js';

export async function openDatabase(option: string = DEFAULT_DB, opts: OpenOptions = {}): Promise<Database> {
  const value = option.trim();
  if (value === '') throw new DatabaseOptionError('--db is empty: give a postgres:// URL or a directory');
  if (isPostgresUrl(value)) return openPostgres(value, opts);
  if (value === 'memory://') return openPglite(value, opts);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new DatabaseOptionError(`unsupported --db ${JSON.stringify(value)}: use postgres://… or a directory`);
  }
  return openPglite(value, opts);
}

/** What `crawl` does on start: open, then apply pending migrations (a newer schema fails, typed). */
export async function openMigratedDatabase(
  option: string = DEFAULT_DB,
  opts: OpenOptions = {},
): Promise<{ db: Database; applied: Migration[] }> {
  const db = await openDatabase(option, opts);
  try {
    const applied = await migrate(db);
    return { db, applied };
  } catch (err) {
    await db.close();
    throw err;
  }
}
