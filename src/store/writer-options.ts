/** The batched writer's options, defaults and counters (writer.ts), and the batch ids it makes. */
import { randomBytes } from '../crypto/index.js';
import { bytesToHex } from '../util/bytes.js';
import type { CrawlerEvent } from '../events.js';
import type { NodeFinderError } from '../errors.js';
import type { Clock } from '../net/clock.js';

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

/** The counters the writer's parts (writer-commit.ts, writer-spill.ts) update in place. */
export type WriterCounters = Omit<WriterStats, 'buffered' | 'journalBytes' | 'state'>;

export const newCounters = (): WriterCounters => ({
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
});

/** A batch: one transaction, idempotent by its id (applied_batches). */
export interface Batch {
  id: string;
  events: CrawlerEvent[];
}

/** RFC 4122 version-4 UUID from our CSPRNG (also handy for DialEvent.dialId). */
export function uuidV4(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
