/**
 * The writer's spill journal: append-only JSON-lines segment files in one directory, one line per
 * batch `{"v":1,"id":…,"n":…,"events":[…]}` (bigints tagged as {"$bigint":"…"}). Every append is
 * fsynced before it counts as spilled, so a kill -9 loses at most a torn last line — detected and
 * counted on replay, never fatal.
 *
 * Segments are numbered; replay reads them in number order. `seal()` closes the current segment so
 * replay can read it while new spills go to the next one; a batch is removed only by deleting a whole
 * segment after every batch in it committed (the applied_batches table makes a repeated replay a
 * no-op). `append(…, 'head')` writes a segment numbered before all others: at shutdown the writer's
 * memory holds events older than anything already spilled.
 */
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CrawlerEvent } from '../events.js';
import { JournalError } from './errors.js';

export interface JournalBatch {
  id: string;
  events: CrawlerEvent[];
}

export type JournalEntry = { batch: JournalBatch } | { corrupt: true; lostEvents: number };

const SEGMENT = /^segment-(\d{15})\.jsonl$/;
/** First segment number: leaves room for 'head' segments numbered below it. */
const FIRST_SEGMENT = 100_000_000_000_000;
export const REJECTED_FILE = 'rejected.jsonl';
const FORMAT_VERSION = 1;

const segmentName = (seq: number) => `segment-${String(seq).padStart(15, '0')}.jsonl`;

/** JSON that round-trips bigint. */
export function encodeLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function decodeLine(line: string): unknown {
  return JSON.parse(line, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const big = (v as { $bigint?: unknown }).$bigint;
      if (typeof big === 'string' && /^-?\d{1,100}$/.test(big) && Object.keys(v).length === 1) return BigInt(big);
    }
    return v;
  });
}

export class Journal {
  private readonly sizes = new Map<number, number>();
  private active: number;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Segment an append is writing right now (not yet safe to replay). */
  private writing: number | null = null;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    existing: Map<number, number>,
  ) {
    for (const [seq, size] of existing) this.sizes.set(seq, size);
    const seqs = [...existing.keys()];
    // Segments left by a previous run are sealed: new appends start a fresh segment.
    this.active = seqs.length ? Math.max(...seqs) + 1 : FIRST_SEGMENT;
  }

  static async open(dir: string, maxBytes = 1 << 30): Promise<Journal> {
    try {
      await mkdir(dir, { recursive: true });
      const existing = new Map<number, number>();
      for (const f of await readdir(dir)) {
        const m = SEGMENT.exec(f);
        if (m) existing.set(Number(m[1]), (await stat(join(dir, f))).size);
      }
      return new Journal(dir, maxBytes, existing);
    } catch (err) {
      throw new JournalError(`cannot open journal ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Bytes in all segments on disk. */
  get bytes(): number {
    let total = 0;
    for (const s of this.sizes.values()) total += s;
    return total;
  }

  get segmentCount(): number {
    return [...this.sizes.values()].filter((s) => s > 0).length;
  }

  /** Anything to replay, on disk or being appended. */
  get hasContent(): boolean {
    return this.pending > 0 || this.bytes > 0;
  }

  /** Append batches (fsynced) at the tail, or in a new segment before all others ('head'). */
  append(batches: JournalBatch[], where: 'tail' | 'head' = 'tail'): Promise<void> {
    if (batches.length === 0) return Promise.resolve();
    this.pending++;
    const run = async () => {
      const text = batches
        .map((b) => encodeLine({ v: FORMAT_VERSION, id: b.id, n: b.events.length, events: b.events }) + '\n')
        .join('');
      const size = Buffer.byteLength(text);
      if (this.bytes + size > this.maxBytes) {
        throw new JournalError(`journal ${this.dir} is full (${this.bytes} + ${size} bytes > ${this.maxBytes})`);
      }
      const seq = where === 'head' ? Math.min(this.active, ...this.sizes.keys()) - 1 : this.active;
      const path = join(this.dir, segmentName(seq));
      this.writing = seq;
      let fh;
      try {
        fh = await open(path, 'a');
        await fh.writeFile(text);
        await fh.datasync();
      } catch (err) {
        throw new JournalError(`cannot write journal ${path}: ${(err as Error).message}`, { cause: err });
      } finally {
        await fh?.close().catch(() => {});
        this.writing = null;
      }
      this.sizes.set(seq, (this.sizes.get(seq) ?? 0) + size);
    };
    const p = this.chain.then(run).finally(() => this.pending--);
    this.chain = p.catch(() => {});
    return p;
  }

  /** Resolves when every append issued so far has finished (successfully or not). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Close the current segment; returns every segment with content, oldest first, for replay. */
  seal(): number[] {
    const seqs = [...this.sizes.entries()]
      .filter(([seq, s]) => s > 0 && seq !== this.writing)
      .map(([seq]) => seq)
      .sort((a, b) => a - b);
    if (this.sizes.has(this.active) || this.writing === this.active) this.active++;
    return seqs;
  }

  /** Stream a segment's batches; corrupt lines (a torn write) are reported with their event count. */
  async *read(seq: number): AsyncGenerator<JournalEntry> {
    const path = join(this.dir, segmentName(seq));
    const input = createReadStream(path, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        yield parseEntry(line);
      }
    } catch (err) {
      throw new JournalError(`cannot read journal ${path}: ${(err as Error).message}`, { cause: err });
    } finally {
      lines.close();
      input.destroy();
    }
  }

  async remove(seq: number): Promise<void> {
    try {
      await unlink(join(this.dir, segmentName(seq)));
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') {
        throw new JournalError(`cannot delete journal segment ${seq}: ${(err as Error).message}`, { cause: err });
      }
    }
    this.sizes.delete(seq);
  }

  /** Events that can never be stored (kept for inspection, never replayed). */
  async appendRejected(entries: { reason: string; event: unknown }[]): Promise<void> {
    if (entries.length === 0) return;
    const text = entries.map((e) => encodeLine(e) + '\n').join('');
    try {
      await appendFile(join(this.dir, REJECTED_FILE), text);
    } catch (err) {
      throw new JournalError(`cannot write ${REJECTED_FILE}: ${(err as Error).message}`, { cause: err });
    }
  }
}

export function parseEntry(line: string): JournalEntry {
  try {
    const v = decodeLine(line) as { v?: unknown; id?: unknown; n?: unknown; events?: unknown };
    if (v.v === FORMAT_VERSION && typeof v.id === 'string' && Array.isArray(v.events) && v.n === v.events.length) {
      return { batch: { id: v.id, events: v.events as CrawlerEvent[] } };
    }
  } catch {
    // fall through: torn or damaged line
  }
  // The event count is written before the events, so even a torn line says how much was lost.
  const n = /^\{"v":\d+,"id":"[^"]*","n":(\d{1,9}),/.exec(line);
  return { corrupt: true, lostEvents: n ? Number(n[1]) : 0 };
}
