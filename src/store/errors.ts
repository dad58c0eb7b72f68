/**
 * Typed storage failures. Everything the adapters, the migration runner and the writer throw is a
 * NodeFinderError of kind `database` (or `internal` for events the crawler should never produce), so
 * the CLI can print one line and exit 1, and the writer can decide by class whether to retry.
 */
import { NodeFinderError } from '../errors.js';

/**
 * A query or connection failed. `sqlState` is the Postgres SQLSTATE when the server answered
 * (e.g. 23505); `transient` says whether retrying later can succeed (connection lost, server
 * restarting, deadlock) as opposed to a statement that will always fail.
 */
export class DatabaseError extends NodeFinderError {
  readonly sqlState: string | null;
  readonly transient: boolean;
  constructor(message: string, opts: { sqlState?: string | null; transient: boolean; cause?: unknown }) {
    super('database', message, { cause: opts.cause });
    this.sqlState = opts.sqlState ?? null;
    this.transient = opts.transient;
  }

  /** SQLSTATE class 22 (data exception) or 23 (integrity violation): the data, not the server, is at fault. */
  get dataError(): boolean {
    return this.sqlState !== null && (this.sqlState.startsWith('22') || this.sqlState.startsWith('23'));
  }
}

/** The database holds migrations this build does not know: running older code on it would corrupt it. */
export class SchemaTooNewError extends NodeFinderError {
  readonly databaseVersion: number;
  readonly codeVersion: number;
  constructor(databaseVersion: number, codeVersion: number) {
    super(
      'database',
      `database schema is at version ${databaseVersion} but this NodeFinder knows only up to ${codeVersion}: upgrade NodeFinder`,
    );
    this.databaseVersion = databaseVersion;
    this.codeVersion = codeVersion;
  }
}

/** Migration files and the database disagree (edited after release, missing, misnamed). */
export class MigrationError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database', message, options);
  }
}

/** The --db value names neither a postgres:// URL nor a usable directory. Exit code 2 (bad usage). */
export class DatabaseOptionError extends NodeFinderError {
  readonly exitCode = 2;
  constructor(message: string) {
    super('database', message);
  }
}

/** The embedded database directory is missing (for read-only commands) or used by another process. */
export class DatabaseUnavailableError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database', message, options);
  }
}

/** The writer's journal could not be written or read. */
export class JournalError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database', message, options);
  }
}

/** A crawler event that cannot be stored as given (a bug upstream): it is set aside, never retried. */
export class InvalidEventError extends NodeFinderError {
  constructor(message: string) {
    super('internal', message);
  }
}

/** A rollup or retention request that cannot be honoured (a day not closed, a bad range). */
export class RollupError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database', message, options);
  }
}
