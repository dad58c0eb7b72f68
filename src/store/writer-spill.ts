/**
 * The writer's way to disk (writer.ts decides what goes there): events past the memory bound are
 * appended to the fsynced journal in order, one append at a time; events the database refuses are
 * appended to rejected.jsonl. Every event that cannot be written is counted as dropped.
 */
import { toNodeFinderError, type NodeFinderError } from '../errors.js';
import type { CrawlerEvent } from '../events.js';
import type { Journal, JournalBatch } from './journal.js';
import type { WriterCounters } from './writer-options.js';

export class Spill {
  /** Events bound for the journal, not yet on disk. */
  private buf: CrawlerEvent[] = [];
  private running: Promise<void> | null = null;
  /** Events taken off buf whose append has not finished yet. */
  private inFlight = 0;
  private rejectedBuf: { reason: string; event: unknown }[] = [];
  private rejectTask: Promise<void> | null = null;

  constructor(
    private readonly journal: Journal,
    private readonly s: WriterCounters,
    private readonly toBatches: (events: CrawlerEvent[]) => JournalBatch[],
    private readonly noteError: (err: NodeFinderError) => void,
  ) {}

  /** Queue events for the journal (in order) and make sure an append is under way. */
  push(events: readonly CrawlerEvent[]): void {
    for (const ev of events) this.buf.push(ev);
    this.schedule();
  }

  /** Events not yet safely in the journal. */
  get pending(): number {
    return this.buf.length + this.inFlight;
  }

  /** Something is waiting for or being appended to the journal. */
  get active(): boolean {
    return this.buf.length > 0 || this.running !== null;
  }

  /** The append under way, if any. */
  get task(): Promise<void> | null {
    return this.running;
  }

  private schedule(): void {
    if (this.running) return;
    const journal = this.journal;
    this.running = (async () => {
      while (this.buf.length > 0) {
        const events = this.buf;
        this.buf = [];
        this.inFlight = events.length;
        try {
          await journal.append(this.toBatches(events));
          this.s.spilled += events.length;
        } catch (err) {
          this.s.dropped += events.length;
          this.noteError(toNodeFinderError(err));
        } finally {
          this.inFlight = 0;
        }
      }
    })().finally(() => {
      this.running = null;
    });
  }

  /** Wait for what is being spilled now (bounded: new events may keep arriving). */
  async idle(): Promise<void> {
    for (let round = 0; round < 3 && (this.running || this.buf.length > 0); round++) {
      if (!this.running) this.schedule();
      await this.running;
    }
  }

  /** Keep a refused event in rejected.jsonl (best effort: a failure is only noted). */
  saveRejected(reason: string, event: unknown): void {
    this.rejectedBuf.push({ reason, event });
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

  /** Wait until refused events are on disk. */
  async rejectedIdle(): Promise<void> {
    await this.rejectTask;
  }
}
