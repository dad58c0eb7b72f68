/**
 * One small database interface, two engines: a Postgres server through `pg`, or an embedded Postgres
 * (PGlite, WebAssembly) in a directory — same migrations, same SQL.
 *
 * Both adapters return the same JavaScript types, so queries never branch on the engine:
 *   int8 → bigint (cast to int in SQL when a number is wanted), numeric → string, int4/float → number,
 *   timestamptz → Date, bytea → Uint8Array, text/enums → string, arrays → arrays, json → parsed.
 * Parameters: bigint and Uint8Array are accepted (bigint is sent as text); everything else as usual.
 * Every failure is a DatabaseError (src/store/errors.ts).
 */
import { DatabaseError } from './errors.js';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement with $1… parameters; returns its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements, no parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

export type Engine = 'postgres' | 'pglite';

export interface Database extends Queryable {
  readonly engine: Engine;
  /** Where the data lives, safe to print (passwords removed). */
  readonly description: string;
  /** Run `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Use (and create) this schema instead of `public`: tests isolate each file in its own schema.
   * Lowercase letters, digits and underscores only.
   */
  schema?: string;
  /** Embedded engine only: fail instead of creating a missing directory (read-only commands). */
  mustExist?: boolean;
  /** `pg` engine: deadlines (ms). Nothing may hang forever. */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** `pg` engine: pool size. */
  maxConnections?: number;
}

export const DEFAULT_DB = './nodefinder-data';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new DatabaseError(`invalid schema name ${JSON.stringify(schema)}`, { transient: false });
  }
  return schema;
}

/** Parameters both engines accept identically: bigint → decimal string, recursively in arrays. */
export function normalizeParams(params: readonly unknown[] | undefined): unknown[] {
  if (!params) return [];
  return params.map(normalizeParam);
}

function normalizeParam(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(normalizeParam);
  return v;
}

/** An array element Postgres reads as itself unquoted (no separator, quote, brace, space; not NULL). */
const BARE_ELEMENT = /^[A-Za-z0-9_.:+-]+$/;

/**
 * A one-dimensional array parameter as Postgres's array literal (`{a,NULL,"b c"}`), or undefined when
 * an element is not a string, number, bigint, boolean or null (the driver then serializes it). The
 * writer's batches send ~10^4 array elements per transaction; the driver quotes and escapes each one,
 * which was ~15 % of the writer's JavaScript time. Quoting follows array_in: inside double quotes
 * only `"` and `\` are escaped (https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO).
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (typeof v === 'string') {
      const bare = BARE_ELEMENT.test(v) && !(v.length === 4 && v.toUpperCase() === 'NULL');
      parts[i] = bare ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
    } else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') parts[i] = String(v);
    else return undefined;
  }
  return `{${parts.join(',')}}`;
}

/** normalizeParams for the pg driver: flat arrays go as ready-made literals (arrayLiteral). */
export function pgParams(params: readonly unknown[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((v) => (Array.isArray(v) ? (arrayLiteral(v) ?? v.map(normalizeParam)) : normalizeParam(v)));
}

/**
 * Connection-level failures (no SQLSTATE, or SQLSTATE classes 08 connection, 53 resources,
 * 57 operator intervention such as admin shutdown, 40 serialization/deadlock) are worth retrying.
 */
export function isTransientSqlState(code: string | null): boolean {
  if (code === null) return true;
  return /^(08|53|57|40|58)/.test(code) || code === '55P03' /* lock_not_available */;
}

/** Wrap whatever a driver threw into a DatabaseError (one line, SQLSTATE kept). */
export function toDatabaseError(err: unknown, what: string): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : null;
  // SQLSTATEs are 5 characters; Node errno codes (ECONNREFUSED…) mean the server was not reached.
  const sqlState = code !== null && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  const raw = typeof e?.message === 'string' && e.message ? e.message : String(err);
  const detail = raw.split('\n')[0]!.trim();
  const message = `${what}: ${detail}${sqlState ? ` (SQLSTATE ${sqlState})` : code ? ` (${code})` : ''}`;
  return new DatabaseError(message, { sqlState, transient: isTransientSqlState(sqlState), cause: err });
}

/** Remove the password from a postgres URL before printing it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

export function isPostgresUrl(option: string): boolean {
  return /^postgres(ql)?:\/\//i.test(option);
}
