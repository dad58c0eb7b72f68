/**
 * Waiting for a node's PING after we pinged it (geth v4_udp.go ensureBond waits respTimeout for it):
 * the remote then holds an endpoint proof of us and will answer FINDNODE / ENRREQUEST. Keyed by the
 * bond key (node id + IP); a wait ends on that node's PING, on its timer, on abort or on close.
 */
import type { NodeFinderError } from '../errors.js';
import type { Clock } from '../net/clock.js';
import { RequestAbortedError } from '../net/request.js';

export class PingWaiters {
  /** bond key → callbacks waiting for that node's PING */
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Resolves when `key` pings us or `ms` pass; rejects `aborted` on abort or close. */
  wait(key: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) return Promise.reject(new RequestAbortedError('bond', { cause: 'endpoint closed' }));
    if (signal?.aborted) return Promise.reject(new RequestAbortedError('bond', { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const finish = (err?: NodeFinderError) => {
        this.clock.clearTimer(timer);
        signal?.removeEventListener('abort', onAbort);
        set!.delete(wake);
        if (set!.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        if (err) reject(err);
        else if (this.closed) reject(new RequestAbortedError('bond', { cause: 'endpoint closed' }));
        else resolve();
      };
      const wake = () => finish();
      const onAbort = () => finish(new RequestAbortedError('bond', { cause: signal?.reason }));
      const timer = this.clock.setTimer(ms, wake);
      set.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `key` pinged us: every wait for it ends. */
  pinged(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const wake of [...set]) wake();
  }

  /** Every wait rejects `aborted`, and later waits too. */
  close(): void {
    this.closed = true;
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    this.waiters.clear();
  }
}
