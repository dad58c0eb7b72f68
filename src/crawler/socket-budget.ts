/** The process-wide socket budget shared by every instance's dial scheduler and inbound listener. */
import { RequestAbortedError } from '../net/request.js';

/**
 * A counting semaphore over sockets, shared by every scheduler (and the inbound listener) of a
 * process. Waiters are woken in FIFO order, one freed slot at a time, so instances share fairly.
 */
export class SocketBudget {
  readonly capacity: number;
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SocketBudget: bad capacity ${capacity}`);
    this.capacity = capacity;
  }

  get inUse(): number {
    return this.used;
  }

  get available(): number {
    return this.capacity - this.used;
  }

  tryAcquire(): boolean {
    if (this.used >= this.capacity) return false;
    this.used++;
    return true;
  }

  release(): void {
    if (this.used <= 0) throw new RangeError('SocketBudget: release without acquire');
    this.used--;
    this.wake();
  }

  /** Call `fn` once, the next time a slot frees (it must tryAcquire itself). Returns a canceller. */
  onAvailable(fn: () => void): () => void {
    this.waiters.push(fn);
    return () => {
      const i = this.waiters.indexOf(fn);
      if (i >= 0) this.waiters.splice(i, 1);
    };
  }

  /**
   * Wait for a slot (for one-off users such as inbound connections). Resolves holding it; rejects
   * with RequestAbortedError when `signal` fires first.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new RequestAbortedError('socket budget wait', { cause: signal.reason }));
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const attempt = () => {
        if (this.tryAcquire()) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        } else {
          cancel = this.onAvailable(attempt);
        }
      };
      let cancel = this.onAvailable(attempt);
      const onAbort = () => {
        cancel();
        reject(new RequestAbortedError('socket budget wait', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(): void {
    // Only waiters present now: one that re-registers goes to the back and waits for the next slot.
    let n = this.waiters.length;
    while (n-- > 0 && this.available > 0 && this.waiters.length > 0) this.waiters.shift()!();
  }
}
