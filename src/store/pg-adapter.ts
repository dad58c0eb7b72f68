/** The `pg` engine: a Postgres server reached through a small connection pool. */
import pg from 'pg';
import { NodeFinderError } from '../errors.js';
import { DatabaseError } from './errors.js';
import {
  checkSchemaName,
  pgParams,
  redactUrl,
  toDatabaseError,
  type Database,
  type OpenOptions,
  type Queryable,
  type Row,
} from './database.js';

const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;

/** Per-pool type parsers (never the global ones: other code may use pg too). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (v: string) => BigInt(v);
    if (oid === INT8_ARRAY_OID) {
      const parseArray = (pg.types.getTypeParser as (oid: number) => unknown)(1009 /* text[] */) as (v: string) => (string | null)[];
      return (v: string) => parseArray(v).map((x) => (x === null ? null : BigInt(x)));
    }
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

/**
 * Statements run in transactions that repeat (the writer's batch statements, the rollup's steps) are
 * sent as named prepared statements from their second use on: each connection then parses them once
 * and Postgres may keep a generic plan, instead of parsing and planning every batch again (pgjdbc's
 * prepareThreshold does the same). Bounded: past this many distinct texts, new ones go unnamed.
 */
const MAX_NAMED_STATEMENTS = 200;

export const PG_DEFAULTS = {
  connectTimeoutMs: 10_000,
  /** One batch commits in well under a second; a minute means the server or the network is stuck. */
  queryTimeoutMs: 60_000,
  maxConnections: 4,
} as const;

export async function openPostgres(url: string, opts: OpenOptions = {}): Promise<Database> {
  const schema = opts.schema === undefined ? undefined : checkSchemaName(opts.schema);
  const config: pg.PoolConfig = {
    connectionString: url,
    max: opts.maxConnections ?? PG_DEFAULTS.maxConnections,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? PG_DEFAULTS.connectTimeoutMs,
    query_timeout: opts.queryTimeoutMs ?? PG_DEFAULTS.queryTimeoutMs,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    application_name: 'nodefinder',
    types,
  };
  if (schema) {
    // Create the schema once over a plain connection, then pin every pooled connection to it.
    const boot = new PgDatabase(new pg.Pool({ ...config, max: 1 }), url);
    try {
      await boot.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await boot.close();
    }
    config.options = `-c search_path=${schema}`;
  }
  const db = new PgDatabase(new pg.Pool(config), url);
  // Fail fast on a bad URL, wrong password or unreachable server, in one line naming the server.
  try {
    await db.query('SELECT 1');
  } catch (err) {
    await db.close().catch(() => {});
    throw connectError(url, err);
  }
  return db;
}

function connectError(url: string, err: unknown): DatabaseError {
  const e = err instanceof DatabaseError ? err : toDatabaseError(err, 'connect');
  const cause = (e.cause ?? err) as { code?: unknown; message?: unknown };
  const code = typeof cause.code === 'string' ? cause.code : '';
  const detail = String(cause.message ?? e.message).split('\n')[0]!.trim();
  const why =
    code === 'ECONNREFUSED' ? 'connection refused (is Postgres running there, and the port right?)'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'unknown host'
    : code === '3D000' ? `${detail} (create it first, e.g. createdb)`
    : /timeout/i.test(detail) ? 'no answer before the connect timeout'
    : detail;
  return new DatabaseError(`cannot connect to ${redactUrl(url)}: ${why}`, { sqlState: e.sqlState, transient: e.transient, cause: err });
}

class PgDatabase implements Database {
  readonly engine = 'postgres' as const;
  readonly description: string;
  private closed = false;
  /** SQL text → prepared statement name (null: seen once). */
  private readonly named = new Map<string, string | null>();
  private namedCount = 0;

  constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    this.description = redactUrl(url);
    // An idle pooled connection that dies (server restart, network cut) emits 'error' on the pool;
    // unhandled, that would crash the process. The pool drops the client; the next query reconnects.
    this.pool.on('error', () => {});
  }

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    try {
      const res = await this.pool.query(sql, pgParams(params));
      return res.rows as R[];
    } catch (err) {
      throw toDatabaseError(err, 'postgres query failed');
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (err) {
      throw toDatabaseError(err, 'postgres statement failed');
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw toDatabaseError(err, 'postgres connect failed');
    }
    // A connection that failed mid-transaction is destroyed rather than returned to the pool.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    const tx: Queryable = {
      query: async <R extends Row = Row>(sql: string, params?: readonly unknown[]) => {
        try {
          const name = this.nameFor(sql);
          const values = pgParams(params);
          return (await (name ? client.query({ name, text: sql, values }) : client.query(sql, values))).rows as R[];
        } catch (err) {
          throw toDatabaseError(err, 'postgres query failed');
        }
      },
      exec: async (sql: string) => {
        try {
          await client.query(sql);
        } catch (err) {
          throw toDatabaseError(err, 'postgres statement failed');
        }
      },
    };
    try {
      await tx.exec('BEGIN');
      const result = await fn(tx);
      await tx.exec('COMMIT');
      return result;
    } catch (err) {
      // Errors of `fn` itself (already typed) pass through; driver errors become DatabaseError.
      const typed = err instanceof NodeFinderError ? err : toDatabaseError(err, 'postgres transaction failed');
      const serverAnswered = typed instanceof DatabaseError && typed.sqlState !== null;
      if (broken || (typed instanceof DatabaseError && !serverAnswered)) {
        // The connection is gone or unusable: ROLLBACK could only wait for a timeout.
        broken ??= typed;
      } else {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      }
      throw typed;
    } finally {
      client.off('error', onError);
      client.release(broken ?? false);
    }
  }

  private nameFor(sql: string): string | undefined {
    const name = this.named.get(sql);
    if (name) return name;
    if (name === null) {
      const n = `nf_tx_${this.namedCount++}`;
      this.named.set(sql, n);
      return n;
    }
    if (this.named.size < MAX_NAMED_STATEMENTS) this.named.set(sql, null);
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => {});
  }
}
