/**
 * The one batched writer all instances feed: `write(event)` never blocks and never throws; batches
 * are committed at least every `flushIntervalMs` (and as soon as `batchSize` events wait), each in
 * one transaction of multi-row statements (src/store/batch.ts).
 *
 * When the database fails the crawler keeps crawling: the failed batch is retried with exponential
 * backoff; new events wait in memory up to `maxBufferedEvents`; beyond that they are spilled to an
 * fsynced journal (src/store/journal.ts). Once anything is in the journal, newer events go there too,
 * so memory always holds the oldest events and the journal the newer ones: recovery writes memory
 * first, then replays the journal in order, then returns to memory. At start-up a journal left by a
 * previous run (crash, kill -9, outage at shutdown) is replayed before anything newer.
 *
 * No event disappears silently: every accepted event ends up written, in the journal, `dropped`
 * (journal disabled, full or unwritable) or `rejected` (data Postgres refuses, isolated by splitting
 * the batch, saved to rejected.jsonl) — all counted in stats().
 *
 * This file is the queue and its pump (intake, memory bound, hand-over to and from the journal,
 * retries, flush and close); writer-commit.ts commits one batch, writer-spill.ts appends to the
 * journal, writer-options.ts holds the options, defaults and counters.
 */
import { toNodeFinderError, type NodeFinderError } from '../errors.js';
import { systemClock, type Clock, type TimerHandle } from '../net/clock.js';
import type { CrawlerEvent } from '../events.js';
import type { Database } from './database.js';
import { DatabaseError, InvalidEventError } from './errors.js';
import { Journal, type JournalBatch } from './journal.js';
import { validateEvent } from './validate.js';
import { BatchCommitter } from './writer-commit.js';
import { newCounters, uuidV4, WRITER_DEFAULTS, type Batch, type WriterCounters, type WriterOptions, type WriterStats } from './writer-options.js';
import { Spill } from './writer-spill.js';

export { uuidV4, WRITER_DEFAULTS, type WriterOptions, type WriterState, type WriterStats } from './writer-options.js';

export class EventWriter {
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly onError: (err: NodeFinderError) => void;

  private queue: CrawlerEvent[] = [];
  private inflight: Batch | null = null;
  /** The journal's writer (null without a journal). */
  private readonly spill: Spill | null;
  private readonly committer: BatchCommitter;

  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private retryTimer: TimerHandle | null = null;
  private flushTimer: TimerHandle | null = null;
  private closing = false;
  /**
   * Hand-over from the journal back to memory: the journal holds only a last stretch of older
   * events, so new events go to memory (newer) and the pump replays the journal before them.
   */
  private draining = false;
  /** After close() gave up on the database: nothing may be written or retried any more. */
  private halted = false;
  private readonly s: WriterCounters = newCounters();

  private constructor(
    private readonly db: Database,
    private readonly journal: Journal | null,
    opts: WriterOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.batchSize = opts.batchSize ?? WRITER_DEFAULTS.batchSize;
    this.flushIntervalMs = opts.flushIntervalMs ?? WRITER_DEFAULTS.flushIntervalMs;
    this.maxBuffered = Math.max(opts.maxBufferedEvents ?? WRITER_DEFAULTS.maxBufferedEvents, 2 * this.batchSize);
    this.retryInitialMs = opts.retryInitialMs ?? WRITER_DEFAULTS.retryInitialMs;
    this.retryMaxMs = opts.retryMaxMs ?? WRITER_DEFAULTS.retryMaxMs;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? WRITER_DEFAULTS.closeTimeoutMs;
    this.onError = opts.onError ?? (() => {});
    const noteError = (err: NodeFinderError) => this.noteError(err);
    this.spill = journal ? new Spill(journal, this.s, (events) => this.toBatches(events), noteError) : null;
    const reject = (event: unknown, err: NodeFinderError) => this.reject(event, err);
    this.committer = new BatchCommitter(db, this.s, opts.lastSeenRefreshMs ?? WRITER_DEFAULTS.lastSeenRefreshMs, reject);
  }

  /** Open the journal (replaying what a previous run left, in the background) and start flushing. */
  static async open(db: Database, opts: WriterOptions = {}): Promise<EventWriter> {
    const journal =
      opts.journalDir === undefined || opts.journalDir === null
        ? null
        : await Journal.open(opts.journalDir, opts.maxJournalBytes ?? WRITER_DEFAULTS.maxJournalBytes);
    const w = new EventWriter(db, journal, opts);
    // Idempotency records older than any plausible replay are not needed (best effort).
    await db.query(`DELETE FROM applied_batches WHERE applied_at < now() - interval '30 days'`).catch(() => {});
    w.armFlushTimer();
    w.kick();
    return w;
  }

  // ---------------------------------------------------------------------------------------------
  // Intake
  // ---------------------------------------------------------------------------------------------

  write(event: CrawlerEvent): void {
    if (this.closing) {
      this.s.dropped++;
      return;
    }
    let ev: CrawlerEvent;
    try {
      ev = validateEvent(event);
    } catch (err) {
      this.reject(event, toNodeFinderError(err));
      return;
    }
    this.s.accepted++;
    const overflow = this.bufferedCount() >= this.maxBuffered;
    if (overflow || (this.journalActive() && !this.draining)) {
      if (!this.spill) {
        this.s.dropped++;
        return;
      }
      if (this.draining) {
        // Memory overflowed during the hand-over: its events are newer than the journal's and
        // older than this one, so they go to the journal first, in order.
        this.draining = false;
        this.queue.push(ev);
        this.spill.push(this.queue);
        this.queue = [];
      } else this.spill.push([ev]);
      return;
    }
    this.queue.push(ev);
    if (this.queue.length >= this.batchSize && !this.retryTimer) this.kick();
  }

  writeMany(events: Iterable<CrawlerEvent>): void {
    for (const ev of events) this.write(ev);
  }

  stats(): WriterStats {
    return {
      ...this.s,
      buffered: this.bufferedCount(),
      journalBytes: this.journal?.bytes ?? 0,
      state: this.halted || this.closing ? 'closed' : this.retryTimer ? 'retrying' : 'ok',
    };
  }

  /**
   * Commit everything buffered now (retrying at once if a backoff was pending). Resolves true when
   * memory and journal are empty, false when the database failed (the writer keeps retrying).
   */
  async flush(): Promise<boolean> {
    for (let round = 0; round < 1_000; round++) {
      if (this.halted) return false;
      // A pump already under way finishes first; only a failure of the attempt we start counts.
      if (this.pumping) await this.pumping;
      if (this.retryTimer) {
        this.clock.clearTimer(this.retryTimer);
        this.retryTimer = null;
      }
      const failuresBefore = this.s.failures;
      this.kick();
      await this.pumping;
      await this.spill?.idle();
      if (this.s.failures > failuresBefore) return false;
      if (this.drained()) return true;
    }
    return this.drained();
  }

  /**
   * Stop accepting events, commit what is left; if the database does not take it within
   * closeTimeoutMs, put it in the journal (replayed by the next run). Does not close the database.
   */
  async close(): Promise<WriterStats> {
    if (this.closing) return this.stats();
    this.closing = true;
    if (this.flushTimer) this.clock.clearTimer(this.flushTimer);
    this.flushTimer = null;
    let timer: TimerHandle | null = null;
    const deadline = new Promise<false>((resolve) => {
      timer = this.clock.setTimer(this.closeTimeoutMs, () => resolve(false));
    });
    const drained = await Promise.race([this.flush(), deadline]);
    if (timer) this.clock.clearTimer(timer);
    if (!drained) {
      this.halted = true;
      if (this.retryTimer) this.clock.clearTimer(this.retryTimer);
      this.retryTimer = null;
      await this.spill?.idle();
      // Memory holds the oldest events (they go in front of anything already spilled), except
      // during a hand-over, when it holds the newest.
      const where = this.draining ? 'tail' : 'head';
      const memory: JournalBatch[] = [];
      if (this.inflight) memory.push(this.inflight);
      memory.push(...this.toBatches(this.queue));
      const n = memory.reduce((sum, b) => sum + b.events.length, 0);
      this.inflight = null;
      this.queue = [];
      if (n > 0) {
        if (!this.journal) this.s.dropped += n;
        else {
          try {
            await this.journal.append(memory, where);
            this.s.spilled += n;
          } catch (err) {
            this.s.dropped += n;
            this.noteError(toNodeFinderError(err));
          }
        }
      }
    }
    await this.spill?.rejectedIdle();
    return this.stats();
  }

  // ---------------------------------------------------------------------------------------------
  // Pump: memory first, then the journal
  // ---------------------------------------------------------------------------------------------

  private kick(): void {
    if (this.halted) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumpAgain = false;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.pumpAgain && !this.retryTimer && !this.halted) this.kick();
    });
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        if (this.halted) return;
        if (this.draining && !this.journalActive()) this.draining = false;
        if (!this.inflight) {
          // Outside a hand-over memory holds the oldest events; during one, the journal does.
          if (this.queue.length > 0 && !this.draining) this.inflight = this.takeBatch();
          else if (this.journalActive()) {
            await this.replayJournal();
            continue;
          } else if (this.queue.length > 0) this.inflight = this.takeBatch();
          else return;
        }
        // While the server works on this batch's largest statement, prepare the next batch.
        await this.committer.commitLive(this.inflight, () => (this.draining || this.queue.length < this.batchSize ? null : this.queue.slice(0, this.batchSize)));
        this.inflight = null;
      }
    } catch (err) {
      this.failed(toNodeFinderError(err));
    }
  }

  /**
   * Replay every sealed segment, oldest first. New spills meanwhile go to a newer segment; once a
   * round is done the writer hands over to memory (draining) and the next round picks up the rest.
   */
  private async replayJournal(): Promise<void> {
    const journal = this.journal!;
    const sealed = journal.seal();
    if (sealed.length === 0) {
      // Only an append in progress: let it land (real I/O, never a busy loop), then look again.
      this.draining = true;
      await (this.spill?.task ?? journal.idle());
      return;
    }
    for (const seq of sealed) {
      for await (const entry of journal.read(seq)) {
        if (this.halted) return;
        if ('corrupt' in entry) {
          this.s.dropped += entry.lostEvents;
          this.noteError(new DatabaseError(`journal segment ${seq}: a damaged line (${entry.lostEvents} events) was skipped`, { transient: false }));
          continue;
        }
        const events: CrawlerEvent[] = [];
        for (const raw of entry.batch.events) {
          try {
            events.push(validateEvent(raw));
          } catch (err) {
            this.reject(raw, toNodeFinderError(err));
          }
        }
        await this.committer.commitReplayed({ id: entry.batch.id, events });
      }
      await journal.remove(seq);
      this.committer.replayedIds.clear();
    }
    this.draining = true;
  }

  private failed(err: NodeFinderError): void {
    this.s.failures++;
    this.s.consecutiveFailures++;
    this.noteError(err);
    if (this.halted) return;
    const delay = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(this.s.consecutiveFailures - 1, 30));
    if (this.retryTimer) this.clock.clearTimer(this.retryTimer);
    this.retryTimer = this.clock.setTimer(delay, () => {
      this.retryTimer = null;
      this.kick();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Spill and reject
  // ---------------------------------------------------------------------------------------------

  private reject(event: unknown, err: NodeFinderError): void {
    this.s.rejected++;
    this.noteError(err instanceof InvalidEventError ? err : new InvalidEventError(`event set aside: ${err.message}`));
    this.spill?.saveRejected(err.message, event);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------------

  private takeBatch(): Batch {
    return { id: uuidV4(), events: this.queue.splice(0, this.batchSize) };
  }

  private toBatches(events: CrawlerEvent[]): JournalBatch[] {
    const out: JournalBatch[] = [];
    for (let i = 0; i < events.length; i += this.batchSize) out.push({ id: uuidV4(), events: events.slice(i, i + this.batchSize) });
    return out;
  }

  private journalActive(): boolean {
    return this.spill !== null && (this.spill.active || this.journal!.hasContent);
  }

  private bufferedCount(): number {
    return this.queue.length + (this.inflight?.events.length ?? 0) + (this.spill?.pending ?? 0);
  }

  private drained(): boolean {
    return this.queue.length === 0 && this.inflight === null && !this.journalActive();
  }

  private armFlushTimer(): void {
    this.flushTimer = this.clock.setTimer(this.flushIntervalMs, () => {
      this.flushTimer = null;
      if (this.closing) return;
      if (!this.retryTimer) this.kick();
      this.armFlushTimer();
    });
  }

  private noteError(err: NodeFinderError): void {
    this.s.lastError = err.message;
    try {
      this.onError(err);
    } catch {
      // a logging callback must not break the writer
    }
  }
}
