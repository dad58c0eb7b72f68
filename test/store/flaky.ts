import type { Database, Queryable, Row } from '../../src/store/database.js';
import { DatabaseError } from '../../src/store/errors.js';

/**
 * A database that can be switched off: every call fails like an unreachable server (transient), or
 * `failOn` injects a server error for chosen statements, or `lateMs` makes every call (a statement,
 * a transaction's start) wait that much wall time first, like a loaded server. Counts attempts.
 */
export class FlakyDatabase implements Database {
  down = false;
  transactions = 0;
  failOn: ((sql: string, params: readonly unknown[]) => DatabaseError | null) | null = null;
  lateMs = 0;
  readonly engine: Database['engine'];
  readonly description: string;

  constructor(readonly inner: Database) {
    this.engine = inner.engine;
    this.description = `flaky(${inner.description})`;
  }

  private async late(): Promise<void> {
    if (this.lateMs > 0) await new Promise((r) => setTimeout(r, this.lateMs));
  }

  private check(sql: string, params: readonly unknown[] = []): void {
    if (this.down) throw new DatabaseError('connect ECONNREFUSED 127.0.0.1:5432 (simulated)', { transient: true });
    const injected = this.failOn?.(sql, params);
    if (injected) throw injected;
  }

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    await this.late();
    this.check(sql, params);
    return this.inner.query<R>(sql, params);
  }

  async exec(sql: string): Promise<void> {
    await this.late();
    this.check(sql);
    return this.inner.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.transactions++;
    await this.late();
    this.check('BEGIN');
    return this.inner.transaction((tx) =>
      fn({
        query: async <R extends Row = Row>(sql: string, params?: readonly unknown[]) => {
          this.check(sql, params);
          return tx.query<R>(sql, params);
        },
        exec: async (sql: string) => {
          this.check(sql);
          return tx.exec(sql);
        },
      }),
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
