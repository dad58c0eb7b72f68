/**
 * Every request reads inside one READ ONLY transaction with a statement timeout: the web view cannot
 * write even if a query were wrong, and no query outlives --query-timeout on a Postgres server.
 * The embedded engine (PGlite, one WebAssembly session) honours READ ONLY but has no timer to cancel
 * a statement, so there every query is bounded by its shape instead (keyset pages, scan limits).
 */
import type { Database, Queryable, Row } from '../store/database.js';
import { DatabaseError } from '../store/errors.js';
import { backendCpuMs } from './backend-cpu.js';
import type { CpuBudget } from './cpu-budget.js';
import { HttpError } from './errors.js';

/** Postgres SQLSTATE 57014 query_canceled: statement_timeout fired. */
const QUERY_CANCELED = '57014';

export interface ReadOnlyOptions {
  /** statement_timeout per statement, ms (`read` may give another). */
  queryTimeoutMs: number;
  /** Reads in flight at once (≤ the connection pool, so none waits inside the driver); default 4. */
  maxConcurrent?: number;
  /** Longest wait for a turn before answering `busy`, ms; default 30 s. */
  maxWaitMs?: number;
  /** Reads waiting for a turn at most; one more is answered `busy` at once (default 64). */
  maxQueue?: number;
  /** Paces each statement and is charged its CPU (cpu-budget.ts); none: unpaced. */
  budget?: CpuBudget | null;
  /** The same for `background` reads (the overview's build), so their debt never stalls requests. */
  backgroundBudget?: CpuBudget | null;
  /** Monotonic ms, for the wall time charged when the backend's CPU cannot be read. */
  monotonic?: () => number;
}

/**
 * `request`: a request's read — queued at the gate (--max-queries), each statement paced by the budget.
 * `background`: the overview's build, one at a time by itself — not gated, each statement paced.
 * `probe`: /healthz — neither (a busy view is not a database that is down), only charged.
 */
export type ReadKind = 'request' | 'background' | 'probe';

/**
 * Admission: at most `max` reads run, at most `maxQueue` wait in order (up to `maxWaitMs`), and any
 * more are refused at once with `busy` (HTTP 503 with Retry-After): under a burst the database does
 * a bounded amount of work and the server holds a bounded backlog instead of piling requests up.
 */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly max: number,
    private readonly maxWaitMs: number,
    private readonly maxQueue: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.maxQueue) throw new HttpError('busy', 'the server is busy; try again shortly');
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const i = this.waiting.indexOf(turn);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new HttpError('busy', 'too many requests are waiting for the database; try again shortly'));
        }, this.maxWaitMs);
        this.waiting.push(turn);
      });
    } else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes to the next waiter directly (running stays the same).
      if (next) next();
      else this.running--;
    }
  }
}

export class ReadOnlyDb {
  private readonly gate: Gate;
  constructor(
    readonly db: Database,
    private readonly opts: ReadOnlyOptions,
  ) {
    this.gate = new Gate(opts.maxConcurrent ?? 4, opts.maxWaitMs ?? 30_000, opts.maxQueue ?? 64);
  }

  get engine(): Database['engine'] {
    return this.db.engine;
  }

  /** Run `fn` in a read-only transaction; database failures become HttpErrors (no detail leaks). */
  async read<T>(fn: (tx: Queryable) => Promise<T>, timeoutMs = this.opts.queryTimeoutMs, kind: ReadKind = 'request'): Promise<T> {
    const run = () => this.db.transaction(async (tx) => {
        // First statement of the transaction, as SET TRANSACTION requires.
        await tx.exec('SET TRANSACTION READ ONLY');
        const settings: [string, string][] = [['statement_timeout', String(Math.round(timeoutMs))]];
        // Report queries hash-aggregate a day of dials (see src/report/context.ts): same settings for
        // the overview; a request's read is a keyset page or one node, small sorts only.
        if (this.db.engine === 'postgres') settings.push(['work_mem', kind === 'background' ? '64MB' : '4MB'], ['jit', 'off']);
        const select = settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
        // The backend's pid, when it runs on this machine (loopback or Unix socket), to charge its CPU.
        const budget = kind === 'background' ? this.opts.backgroundBudget : this.opts.budget;
        if (this.db.engine === 'postgres' && budget) select.push(`CASE WHEN coalesce(inet_server_addr() << inet '127.0.0.0/8' OR inet_server_addr() = inet '::1', true) THEN pg_backend_pid() END AS nf_pid`);
        const [row] = await tx.query<{ nf_pid?: number | null }>(`SELECT ${select.join(', ')}`, settings.flat());
        return await fn(budget ? this.paced(tx, budget, row?.nf_pid ?? null, kind) : tx);
      });
    try {
      return await (kind === 'request' ? this.gate.run(run) : run());
    } catch (err) {
      throw toHttpError(err);
    }
  }

  /**
   * `tx` whose statements wait for the budget and are charged what they cost: the backend's CPU when
   * it is on this machine, nothing on the embedded engine (its CPU is this process's, already
   * metered), else the statement's wall time (an upper bound).
   */
  private paced(tx: Queryable, budget: CpuBudget, pid: number | null, kind: ReadKind): Queryable {
    const clock = this.opts.monotonic ?? (() => performance.now());
    const local = this.db.engine !== 'postgres';
    const measured = async <R>(step: () => Promise<R>): Promise<R> => {
      if (kind !== 'probe') await budget.admit('work');
      const cpu0 = pid === null ? null : backendCpuMs(pid);
      const t0 = clock();
      try {
        return await step();
      } finally {
        const cpu1 = cpu0 === null ? null : backendCpuMs(pid!);
        if (!local) budget.charge(cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : clock() - t0);
      }
    };
    return {
      query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => measured(() => tx.query<R>(sql, params)),
      exec: (sql: string) => measured(() => tx.exec(sql)),
    };
  }
}

export function toHttpError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  if (err instanceof DatabaseError) {
    if (err.sqlState === QUERY_CANCELED) return new HttpError('timeout', 'the query took longer than the server allows; narrow the filters');
    if (err.transient) return new HttpError('database_unavailable', 'the database is not reachable right now; try again');
  }
  return err;
}
