/**
 * The writer's commit of one batch (writer.ts decides which batch and when): the day partitions it
 * needs, its statements (batch.ts) in one transaction guarded by applied_batches (a replayed or
 * retried batch is applied once), and data the server refuses isolated by splitting the batch until
 * the offending event is alone and set aside. For a server, the statements are fewer (batch-combine.ts)
 * and the next batch's are built while the server works on this one's largest statement.
 */
import type { NodeFinderError } from '../errors.js';
import type { CrawlerEvent } from '../events.js';
import type { Database } from './database.js';
import { DatabaseError } from './errors.js';
import { buildBatch, type BuiltBatch } from './batch.js';
import { combineStatements } from './batch-combine.js';
import { partitionsFor } from './partitions.js';
import { RefreshCache } from './refresh-cache.js';
import type { Statement } from './statement.js';
import type { Batch, WriterCounters } from './writer-options.js';

const rowsOf = (st: Statement) => (Array.isArray(st.params[0]) ? st.params[0].length : 1);

export class BatchCommitter {
  private readonly partitions = new Set<string>();
  private readonly refresh: RefreshCache;
  private prebuilt: { first: CrawlerEvent; n: number; built: BuiltBatch } | null = null;
  /** Batches sent whose outcome we never learned (e.g. the connection died around COMMIT). */
  private readonly unsure = new Set<string>();
  /** Journal batches committed by this run, until their segment is deleted (a re-read skips them). */
  readonly replayedIds = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly s: WriterCounters,
    lastSeenRefreshMs: number,
    /** An event the database refused, alone in its batch. */
    private readonly reject: (event: unknown, err: NodeFinderError) => void,
  ) {
    this.refresh = new RefreshCache(lastSeenRefreshMs);
  }

  /**
   * Commit a batch from memory; `nextBatch` (the events that will follow, at most one batch) is
   * built meanwhile when the database is a server.
   */
  commitLive(batch: Batch, nextBatch: () => readonly CrawlerEvent[] | null): Promise<void> {
    return this.write(batch, false, this.takePrebuilt(batch), () => this.prebuild(nextBatch));
  }

  /** Commit a batch read back from the journal. */
  commitReplayed(batch: Batch): Promise<void> {
    return this.write(batch, true);
  }

  /**
   * Build the statements of the next full batch in advance, overlapping JavaScript with the server's
   * work (only for a server: PGlite runs on this thread). Decisions of the refresh cache may then miss
   * the batch in flight; that only means a redundant, harmless last_seen refresh.
   */
  private prebuild(nextBatch: () => readonly CrawlerEvent[] | null): void {
    this.prebuilt = null;
    if (this.db.engine !== 'postgres') return;
    const events = nextBatch();
    if (!events || events.length === 0) return;
    this.prebuilt = { first: events[0]!, n: events.length, built: this.build(events) };
  }

  /** A batch's statements; for a server, fewer of them (batch-combine.ts): each is a round trip. */
  private build(events: readonly CrawlerEvent[]): BuiltBatch {
    const b = buildBatch(events, this.refresh);
    return this.db.engine === 'postgres' ? { ...b, statements: combineStatements(b.statements) } : b;
  }

  /** The prebuilt statements, if they were built for exactly this batch. */
  private takePrebuilt(batch: Batch): BuiltBatch | undefined {
    const p = this.prebuilt;
    this.prebuilt = null;
    return p && batch.events[0] === p.first && batch.events.length === p.n ? p.built : undefined;
  }

  private async write(batch: Batch, fromJournal: boolean, prebuilt?: BuiltBatch, whileBusy?: () => void): Promise<void> {
    if (batch.events.length === 0) return;
    const t0 = performance.now();
    try {
      for (const key of partitionsFor(batch.events)) {
        if (this.partitions.has(key)) continue;
        const [table, day] = key.split('|') as [string, string];
        await this.db.query('SELECT ensure_day_partition($1, $2::date)', [table, day]);
        this.partitions.add(key);
      }
      const { statements, written } = prebuilt ?? this.build(batch.events);
      const triedBefore = this.unsure.has(batch.id);
      this.unsure.add(batch.id);
      const applied = await this.db.transaction(async (tx) => {
        const fresh = await tx.query(
          `INSERT INTO applied_batches (batch_id, applied_at, events) VALUES ($1, now(), $2)
           ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`,
          [batch.id, batch.events.length],
        );
        if (fresh.length === 0) return false;
        const largest = statements.reduce<Statement | null>((a, b) => (!a || rowsOf(b) > rowsOf(a) ? b : a), null);
        for (const st of statements) {
          const running = tx.query(st.sql, st.params);
          // The query is on the wire now: JavaScript work here overlaps with the server's.
          if (st === largest && whileBusy) {
            try {
              whileBusy();
            } catch {
              // an optimisation only: never let it leave `running` unawaited
            }
          }
          await running;
        }
        return true;
      });
      const ms = performance.now() - t0;
      this.s.lastFlushMs = ms;
      this.s.maxFlushMs = Math.max(this.s.maxFlushMs, ms);
      this.s.consecutiveFailures = 0;
      const n = batch.events.length;
      // Already applied: by one of our own attempts whose answer was lost (count it now), by this
      // run's earlier pass over the same segment (counted then), or by a previous run (duplicate).
      const ours = applied || (triedBefore && !this.replayedIds.has(batch.id));
      if (applied) this.s.batches++;
      this.refresh.commit(written);
      if (ours) {
        this.s.written += n;
        if (fromJournal) this.s.replayed += n;
      } else if (!this.replayedIds.has(batch.id)) {
        this.s.duplicates += n;
      }
      this.unsure.delete(batch.id);
      if (fromJournal) this.replayedIds.add(batch.id);
    } catch (err) {
      if (!(err instanceof DatabaseError && err.dataError)) throw err;
      this.unsure.delete(batch.id); // the server refused it: certainly not applied
      // The server refused the data itself (e.g. a value out of range): retrying the same batch
      // would fail forever. Split it until the offending event is alone, and set that one aside.
      if (batch.events.length === 1) {
        this.reject(batch.events[0], err);
        return;
      }
      const half = Math.ceil(batch.events.length / 2);
      await this.write({ id: `${batch.id}/0`, events: batch.events.slice(0, half) }, fromJournal);
      await this.write({ id: `${batch.id}/1`, events: batch.events.slice(half) }, fromJournal);
    }
  }
}
