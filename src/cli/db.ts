/**
 * `nodefinder db migrate|status --db <url|dir>`: apply pending migrations, or list applied and
 * pending ones. `crawl` migrates on start by itself; these are for operators (and for checking that a
 * database is not newer than the installed NodeFinder: that fails with a one-line error, exit 1).
 */
import type { Command } from 'commander';
import { DEFAULT_DB, isPostgresUrl, redactUrl } from '../store/database.js';
import { DatabaseUnavailableError } from '../store/errors.js';
import { loadMigrations, migrate, migrationStatus } from '../store/migrations.js';
import { openDatabase } from '../store/open.js';
import { registerDbMaintenance } from './db-maintenance.js';

export interface DbIo {
  stdout: { write(s: string): unknown };
}

interface DbOptions {
  db: string;
}

const where = (db: string) => (isPostgresUrl(db) ? redactUrl(db) : db);

export async function runDbMigrate(opts: DbOptions, io: DbIo = process): Promise<void> {
  const db = await openDatabase(opts.db);
  try {
    const applied = await migrate(db);
    const status = await migrationStatus(db);
    if (applied.length === 0) io.stdout.write(`${where(opts.db)}: up to date (schema version ${status.current})\n`);
    for (const m of applied) io.stdout.write(`applied ${m.name}\n`);
    if (applied.length > 0) io.stdout.write(`${where(opts.db)}: schema version ${status.current}\n`);
  } finally {
    await db.close();
  }
}

export async function runDbStatus(opts: DbOptions, io: DbIo = process): Promise<void> {
  let db;
  try {
    // Status never creates an embedded database that does not exist yet.
    db = await openDatabase(opts.db, { mustExist: true });
  } catch (err) {
    if (!(err instanceof DatabaseUnavailableError) || isPostgresUrl(opts.db) || !/^no embedded database/.test(err.message)) throw err;
    const all = loadMigrations();
    io.stdout.write(`${where(opts.db)}: no database yet (schema version 0 of ${all.length})\n`);
    for (const m of all) io.stdout.write(`pending ${m.name}\n`);
    return;
  }
  try {
    const status = await migrationStatus(db);
    io.stdout.write(`${where(opts.db)}: schema version ${status.current} of ${status.latest}\n`);
    for (const a of status.applied) io.stdout.write(`applied ${a.name}  ${a.appliedAt.toISOString()}\n`);
    for (const p of status.pending) io.stdout.write(`pending ${p.name}\n`);
  } finally {
    await db.close();
  }
}

export function registerDb(program: Command): void {
  const db = program.command('db').description('manage the database: schema (forward-only, versioned migrations), rollups and retention');
  db.command('migrate')
    .description('apply pending migrations')
    .option('--db <url|dir>', 'postgres:// URL, or a directory for the embedded database', DEFAULT_DB)
    .action((opts: DbOptions) => runDbMigrate(opts));
  db.command('status')
    .description('list applied and pending migrations')
    .option('--db <url|dir>', 'postgres:// URL, or a directory for the embedded database', DEFAULT_DB)
    .action((opts: DbOptions) => runDbStatus(opts));
  registerDbMaintenance(db);
}
