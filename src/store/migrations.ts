/**
 * Forward-only, versioned migrations: sql/migrations/NNNN_name.sql, applied in order, each in its own
 * transaction together with its row in `schema_migrations` (version, name, SHA-256 of the file).
 *
 * Refuses to run (typed errors, one line) when an applied file was edited, when versions are missing,
 * or when the database is newer than this build (SchemaTooNewError): old code must not write into a
 * schema it does not understand. Concurrent migrators (several crawler processes starting at once)
 * serialise on an advisory lock.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../crypto/index.js';
import { bytesToHex, fromUtf8 } from '../util/bytes.js';
import { MigrationError, SchemaTooNewError } from './errors.js';
import type { Database, Queryable } from './database.js';

export interface Migration {
  version: number;
  name: string; // file name without .sql, e.g. 0001_initial
  sql: string;
  checksum: string; // hex SHA-256 of the file (line endings normalised)
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export interface MigrationStatus {
  /** Highest applied version (0 = empty database). */
  current: number;
  /** Highest version this build knows. */
  latest: number;
  applied: AppliedMigration[];
  pending: Migration[];
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** sql/migrations of this package, from src/store (tests) or dist/src/store (built). */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'sql', 'migrations');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new MigrationError('sql/migrations not found next to the NodeFinder installation');
}

export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  } catch (err) {
    throw new MigrationError(`cannot read migrations in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const migrations = files
    .map((file) => {
      const m = FILE_NAME.exec(file);
      if (!m) throw new MigrationError(`migration file ${file} is not named NNNN_name.sql`);
      const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
      return { version: Number(m[1]), name: file.slice(0, -4), sql, checksum: bytesToHex(sha256(fromUtf8(sql))) };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(`migrations must be numbered 0001, 0002, … without gaps: found ${m.name} at position ${i + 1}`);
    }
  });
  return migrations;
}

const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE schema_migrations IS 'Applied migrations (sql/migrations); managed by src/store/migrations.ts.';
COMMENT ON COLUMN schema_migrations.version IS 'Migration number (NNNN of the file name).';
COMMENT ON COLUMN schema_migrations.name IS 'File name without .sql.';
COMMENT ON COLUMN schema_migrations.checksum IS 'Hex SHA-256 of the file when applied; an edited file is refused.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied.';
`;

async function readApplied(q: Queryable): Promise<AppliedMigration[] | null> {
  const [exists] = await q.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists?.t) return null;
  const rows = await q.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: r.applied_at }));
}

/** Compare what the database has with what the code has; throws on any disagreement. */
function reconcile(applied: AppliedMigration[], migrations: Migration[]): MigrationStatus {
  const latest = migrations.length;
  const current = applied.reduce((max, a) => Math.max(max, a.version), 0);
  if (current > latest) throw new SchemaTooNewError(current, latest);
  applied.forEach((a, i) => {
    const m = migrations[a.version - 1];
    if (a.version !== i + 1 || !m) throw new MigrationError(`schema_migrations is inconsistent: version ${i + 1} missing`);
    if (m.name !== a.name) throw new MigrationError(`migration ${a.version} is ${a.name} in the database but ${m.name} in the code`);
    if (m.checksum !== a.checksum) {
      throw new MigrationError(`migration ${m.name} was changed after it was applied (checksum mismatch): add a new migration instead`);
    }
  });
  return { current, latest, applied, pending: migrations.slice(current) };
}

/** Read-only: applied and pending migrations. */
export async function migrationStatus(db: Database, migrations: Migration[] = loadMigrations()): Promise<MigrationStatus> {
  return reconcile((await readApplied(db)) ?? [], migrations);
}

/** Apply every pending migration; returns those applied now (empty when up to date). */
export async function migrate(db: Database, migrations: Migration[] = loadMigrations()): Promise<Migration[]> {
  const done: Migration[] = [];
  for (;;) {
    const next = await db.transaction(async (tx) => {
      // Serialise migrators of this schema across processes and hosts (released at commit).
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('nodefinder.migrate.' || current_schema()))`);
      await tx.exec(MIGRATIONS_TABLE);
      const status = reconcile((await readApplied(tx)) ?? [], migrations);
      const m = status.pending[0];
      if (!m) return null;
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      return m;
    });
    if (!next) return done;
    done.push(next);
  }
}
