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
 */
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import { systemClock, type Clock, type TimerHandle } from '../net/clock.js';
import { randomBytes } from '../crypto/index.js';
import { bytesToHex } from '../util/bytes.js';
import type { CrawlerEvent } from '../events.js';
import type { Database } from './database.js';
import { DatabaseError, InvalidEventError } from './errors.js';
import { buildBatch, type BuiltBatch } from './batch.js';
import { partitionsFor } from './partitions.js';
import { RefreshCache } from './refresh-cache.js';
import type { Statement } from './statement.js';
import { Journal, type JournalBatch } from './journal.js';
import { validateEvent } from './validate.js';

export interface WriterOptions {
  clock?: Clock;
  /** Events per transaction. */
  batchSize?: number;
  /** Longest time an event waits in memory before a flush starts. */
  flushIntervalMs?: number;
  /** Memory bound (events) before spilling to the journal. */
  maxBufferedEvents?: number;
  /** Journal directory; null disables spilling (events past the memory bound are then dropped). */
  journalDir?: string | null;
  maxJournalBytes?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long close() tries to commit before it spills what is left to the journal. */
  closeTimeoutMs?: number;
  /**
   * nodes.last_seen / addresses.last_seen are rewritten at most this often per node and address
   * (every node_seen still counts in node_sightings); 0 = on every event. See RefreshCache.
   */
  lastSeenRefreshMs?: number;
  /** Called for every failed attempt and set-aside event (for logs; the writer handles them). */
  onError?: (err: NodeFinderError) => void;
}

export const WRITER_DEFAULTS = {
  batchSize: 2000,
  flushIntervalMs: 1000,
  maxBufferedEvents: 100_000,
  maxJournalBytes: 1 << 30,
  retryInitialMs: 250,
  retryMaxMs: 30_000,
  closeTimeoutMs: 10_000,
  lastSeenRefreshMs: 60_000,
} as const;

export type WriterState = 'ok' | 'retrying' | 'closed';

export interface WriterStats {
  /** Valid events handed to write(). */
  accepted: number;
  /** Events committed by this writer (live and replayed). */
  written: number;
  /** Of `written`, those that came back from the journal. */
  replayed: number;
  /** Journal events found already committed (a replay repeated after a crash): skipped. */
  duplicates: number;
  /** Events appended to the journal. */
  spilled: number;
  /** Events lost: journal disabled/full/unwritable, torn journal lines, write() after close(). */
  dropped: number;
  /** Events refused: invalid on write(), or data Postgres rejects (saved to rejected.jsonl). */
  rejected: number;
  /** Events only in memory now: neither committed nor safely in the journal. */
  buffered: number;
  journalBytes: number;
  /** Committed transactions. */
  batches: number;
  /** Failed attempts (total) and the current streak. */
  failures: number;
  consecutiveFailures: number;
  lastFlushMs: number;
  maxFlushMs: number;
  state: WriterState;
  lastError: string | null;
}

interface Batch {
  id: string;
  events: CrawlerEvent[];
}

const rowsOf = (st: Statement) => (Array.isArray(st.params[0]) ? st.params[0].length : 1);

/** RFC 4122 version-4 UUID from our CSPRNG (also handy for DialEvent.dialId). */
export function uuidV4(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

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
  /** Events bound for the journal, not yet on disk. */
  private spillBuf: CrawlerEvent[] = [];
  private spillTask: Promise<void> | null = null;
  /** Events taken off spillBuf whose append has not finished yet. */
  private spilling = 0;
  private rejectedBuf: { reason: string; event: unknown }[] = [];
  private rejectTask: Promise<void> | null = null;

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
  private readonly partitions = new Set<string>();
  private readonly refresh: RefreshCache;
  private prebuilt: { first: CrawlerEvent; n: number; built: BuiltBatch } | null = null;
  /** Batches sent whose outcome we never learned (e.g. the connection died around COMMIT). */
  private readonly unsure = new Set<string>();
  /** Journal batches committed by this run, until their segment is deleted (a re-read skips them). */
  private readonly replayedIds = new Set<string>();

  private readonly s: Omit<WriterStats, 'buffered' | 'journalBytes' | 'state'> = {
    accepted: 0,
    written: 0,
    replayed: 0,
    duplicates: 0,
    spilled: 0,
    dropped: 0,
    rejected: 0,
    batches: 0,
    failures: 0,
    consecutiveFailures: 0,
    lastFlushMs: 0,
    maxFlushMs: 0,
    lastError: null,
  };

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
    this.refresh = new RefreshCache(opts.lastSeenRefreshMs ?? WRITER_DEFAULTS.lastSeenRefreshMs);
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
      if (!this.journal) {
        this.s.dropped++;
        return;
      }
      if (this.draining) {
        // Memory overflowed during the hand-over: its events are newer than the journal's and
        // older than this one, so they go to the journal first, in order.
        this.draining = false;
        this.spillBuf.push(...this.queue);
        this.queue = [];
      }
      this.spillBuf.push(ev);
      this.scheduleSpill();
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
      await this.spillIdle();
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
      await this.spillIdle();
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
    await this.rejectTask;
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
        await this.writeBatch(this.inflight, false, this.takePrebuilt(this.inflight), () => this.prebuild());
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
      await (this.spillTask ?? journal.idle());
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
        await this.writeBatch({ id: entry.batch.id, events }, true);
      }
      await journal.remove(seq);
      this.replayedIds.clear();
    }
    this.draining = true;
  }

  /**
   * Build the statements of the next full batch in advance, overlapping JavaScript with the server's
   * work (only for a server: PGlite runs on this thread). Decisions of the refresh cache may then miss
   * the batch in flight; that only means a redundant, harmless last_seen refresh.
   */
  private prebuild(): void {
    this.prebuilt = null;
    if (this.db.engine !== 'postgres' || this.draining || this.queue.length < this.batchSize) return;
    const events = this.queue.slice(0, this.batchSize);
    this.prebuilt = { first: events[0]!, n: events.length, built: buildBatch(events, this.refresh) };
  }

  /** The prebuilt statements, if they were built for exactly this batch. */
  private takePrebuilt(batch: Batch): BuiltBatch | undefined {
    const p = this.prebuilt;
    this.prebuilt = null;
    return p && batch.events[0] === p.first && batch.events.length === p.n ? p.built : undefined;
  }

  private async writeBatch(batch: Batch, fromJournal: boolean, prebuilt?: BuiltBatch, whileBusy?: () => void): Promise<void> {
    if (batch.events.length === 0) return;
    const t0 = performance.now();
    try {
      for (const key of partitionsFor(batch.events)) {
        if (this.partitions.has(key)) continue;
        const [table, day] = key.split('|') as [string, string];
        await this.db.query('SELECT ensure_day_partition($1, $2::date)', [table, day]);
        this.partitions.add(key);
      }
      const { statements, written } = prebuilt ?? buildBatch(batch.events, this.refresh);
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
      await this.writeBatch({ id: `${batch.id}/0`, events: batch.events.slice(0, half) }, fromJournal);
      await this.writeBatch({ id: `${batch.id}/1`, events: batch.events.slice(half) }, fromJournal);
    }
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

  private scheduleSpill(): void {
    if (this.spillTask || !this.journal) return;
    const journal = this.journal;
    this.spillTask = (async () => {
      while (this.spillBuf.length > 0) {
        const events = this.spillBuf;
        this.spillBuf = [];
        this.spilling = events.length;
        try {
          await journal.append(this.toBatches(events));
          this.s.spilled += events.length;
        } catch (err) {
          this.s.dropped += events.length;
          this.noteError(toNodeFinderError(err));
        } finally {
          this.spilling = 0;
        }
      }
    })().finally(() => {
      this.spillTask = null;
    });
  }

  /** Wait for what is being spilled now (bounded: new events may keep arriving). */
  private async spillIdle(): Promise<void> {
    for (let round = 0; round < 3 && (this.spillTask || this.spillBuf.length > 0); round++) {
      if (!this.spillTask) this.scheduleSpill();
      await this.spillTask;
    }
  }


  private reject(event: unknown, err: NodeFinderError): void {
    this.s.rejected++;
    this.noteError(err instanceof InvalidEventError ? err : new InvalidEventError(`event set aside: ${err.message}`));
    if (!this.journal) return;
    this.rejectedBuf.push({ reason: err.message, event });
    if (this.rejectTask) return;
    const journal = this.journal;
    this.rejectTask = (async () => {
      while (this.rejectedBuf.length > 0) {
        const entries = this.rejectedBuf;
        this.rejectedBuf = [];
        await journal.appendRejected(entries).catch((e: unknown) => this.noteError(toNodeFinderError(e)));
      }
    })().finally(() => {
      this.rejectTask = null;
    });
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
    return this.journal !== null && (this.spillBuf.length > 0 || this.spillTask !== null || this.journal.hasContent);
  }

  private bufferedCount(): number {
    return this.queue.length + (this.inflight?.events.length ?? 0) + this.spillBuf.length + this.spilling;
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
