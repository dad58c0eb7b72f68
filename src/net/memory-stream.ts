/**
 * An in-memory ByteStream pair for tests and benchmarks. Writes are queued and delivered to the other
 * side asynchronously (setImmediate), in chunks whose sizes a `chunkSize` function chooses from the
 * bytes waiting — so one write can arrive split in many reads and several writes can arrive coalesced
 * in one, as on TCP. `end()` delivers what was written, then closes both sides cleanly; `destroy()`
 * closes this side at once (the peer still receives what was already written, then EOF).
 */
import type { ByteStream } from './transport.js';
import { Rng } from '../util/rng.js';

export interface MemoryStreamOptions {
  /** Given the number of bytes waiting, how many to deliver in the next read (clamped to 1..available). Default: all. */
  chunkSize?: (available: number) => number;
  /** Addresses reported by the two ends (each end reports the other's). */
  addresses?: [{ address: string; port: number }, { address: string; port: number }];
  /** Called with the size of every read delivered, and with 0 when an end closes (simulations detect quiescence). */
  onDeliver?: (bytes: number) => void;
}

/** A deterministic chunk-size chooser (mulberry32): reads of 1..maxChunk bytes. */
export function randomChunks(seed: number, maxChunk = 64): (available: number) => number {
  const rng = new Rng(seed);
  return (available) => Math.min(available, 1 + rng.int(maxChunk));
}

export class MemoryStream implements ByteStream {
  peer!: MemoryStream;
  private readonly incoming: Uint8Array[] = [];
  private incomingBytes = 0;
  private dataHandler: ((data: Uint8Array) => void) | undefined;
  private readonly closeHandlers: ((error?: Error) => void)[] = [];
  private scheduled = false;
  /** No more writes from this side (end or destroy called). */
  private writable = true;
  /** The peer will send nothing more: EOF once `incoming` drains. */
  private eof = false;
  private closed = false;
  private closeError: Error | undefined;
  /** Total bytes written by this side (tests can assert on traffic). */
  bytesWritten = 0;

  constructor(
    private readonly chunkSize: (available: number) => number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly onDeliver?: (bytes: number) => void,
  ) {}

  write(data: Uint8Array): void {
    if (!this.writable || data.length === 0) return;
    this.bytesWritten += data.length;
    this.peer.enqueue(Uint8Array.from(data)); // copy: callers may reuse their buffer
  }

  onData(handler: (data: Uint8Array) => void): void {
    this.dataHandler = handler;
    this.schedule();
  }

  onClose(handler: (error?: Error) => void): void {
    if (this.closed) {
      const err = this.closeError;
      setImmediate(() => handler(err));
      return;
    }
    this.closeHandlers.push(handler);
  }

  end(): void {
    if (!this.writable) return;
    this.writable = false;
    this.peer.finishInput();
  }

  destroy(error?: Error): void {
    if (this.closed) return;
    if (this.writable) {
      this.writable = false;
      this.peer.finishInput();
    }
    this.incoming.length = 0;
    this.incomingBytes = 0;
    this.close(error);
  }

  private enqueue(data: Uint8Array): void {
    if (this.closed) return;
    this.incoming.push(data);
    this.incomingBytes += data.length;
    this.schedule();
  }

  private finishInput(): void {
    this.eof = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.deliver();
    });
  }

  /** Deliver one read, then reschedule: other work can interleave between reads, as on a socket. */
  private deliver(): void {
    if (this.closed) return;
    if (this.incomingBytes > 0 && this.dataHandler) {
      const want = Math.max(1, Math.min(this.incomingBytes, Math.floor(this.chunkSize(this.incomingBytes))));
      const out = new Uint8Array(want);
      let filled = 0;
      while (filled < want) {
        const head = this.incoming[0]!;
        const n = Math.min(want - filled, head.length);
        out.set(head.subarray(0, n), filled);
        filled += n;
        if (n === head.length) this.incoming.shift();
        else this.incoming[0] = head.subarray(n);
      }
      this.incomingBytes -= want;
      this.onDeliver?.(want);
      this.dataHandler(out);
      if (this.incomingBytes > 0 || this.eof) this.schedule();
      return;
    }
    if (this.eof && this.incomingBytes === 0) {
      // Like a Node socket without allowHalfOpen: EOF from the peer ends our side too.
      if (this.writable) {
        this.writable = false;
        this.peer.finishInput();
      }
      this.close(undefined);
    }
  }

  private close(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    this.onDeliver?.(0);
    for (const h of this.closeHandlers.splice(0)) h(error);
  }
}

/** Two connected ends: what one writes, the other reads. */
export function createMemoryStreamPair(options: MemoryStreamOptions = {}): [MemoryStream, MemoryStream] {
  const chunk = options.chunkSize ?? ((n: number) => n);
  const [a, b] = options.addresses ?? [
    { address: '127.0.0.1', port: 30303 },
    { address: '127.0.0.1', port: 30304 },
  ];
  const left = new MemoryStream(chunk, b.address, b.port, options.onDeliver);
  const right = new MemoryStream(chunk, a.address, a.port, options.onDeliver);
  left.peer = right;
  right.peer = left;
  return [left, right];
}
