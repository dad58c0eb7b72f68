/**
 * `timeRequest`: the one helper that runs an async request against the injected Clock with a
 * deadline and an AbortSignal and reports how long it took, and the two typed failures every
 * request layer (discv4, the crawler's probes) shares. Pure clock arithmetic: no sockets.
 */
import type { Clock } from './clock.js';
import { NodeFinderError, toNodeFinderError } from '../errors.js';

/** A request did not settle within its deadline (measured on the injected Clock). */
export class RequestTimeoutError extends NodeFinderError {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super('timeout', `${what}: no reply within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired (shutdown, a lookup cancelled…) before the request settled. */
export class RequestAbortedError extends NodeFinderError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('aborted', `${what}: aborted`, options);
  }
}

export interface TimedResult<T> {
  value: T;
  startedAt: number;
  endedAt: number;
  /** endedAt − startedAt on the injected clock (never negative). */
  rttMs: number;
}

export interface TimeRequestOptions {
  /** Deadline in ms on the injected clock; the request's own signal is aborted when it passes. */
  timeoutMs: number;
  /** The caller's cancellation; the request's signal follows it. */
  signal?: AbortSignal;
  /** Names the request in error messages ("ping", "dial 1.2.3.4:30303"…). */
  what?: string;
}

/**
 * Run `fn(signal)` with a deadline and the caller's AbortSignal, timing it on `clock`.
 * Settles exactly once: with the value, with fn's failure as a NodeFinderError, with
 * RequestTimeoutError when the deadline passes, or with RequestAbortedError when the caller aborts.
 * fn's signal is aborted on timeout/abort so it can release its socket; a late result is dropped.
 */
export function timeRequest<T>(
  clock: Clock,
  fn: (signal: AbortSignal) => Promise<T>,
  options: TimeRequestOptions,
): Promise<TimedResult<T>> {
  const what = options.what ?? 'request';
  const parent = options.signal;
  if (parent?.aborted) return Promise.reject(new RequestAbortedError(what, { cause: parent.reason }));
  if (!(options.timeoutMs >= 0)) return Promise.reject(new RangeError(`timeRequest: bad timeoutMs ${options.timeoutMs}`));

  const startedAt = clock.now();
  const inner = new AbortController();
  return new Promise<TimedResult<T>>((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      parent?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => {
      const err = new RequestAbortedError(what, { cause: parent?.reason });
      finish(() => reject(err));
      inner.abort(err);
    };
    const timer = clock.setTimer(options.timeoutMs, () => {
      const err = new RequestTimeoutError(what, options.timeoutMs);
      finish(() => reject(err));
      inner.abort(err);
    });
    parent?.addEventListener('abort', onAbort, { once: true });

    let pending: Promise<T>;
    try {
      pending = fn(inner.signal);
    } catch (err) {
      pending = Promise.reject(err);
    }
    Promise.resolve(pending).then(
      (value) =>
        finish(() => {
          const endedAt = clock.now();
          resolve({ value, startedAt, endedAt, rttMs: Math.max(0, endedAt - startedAt) });
        }),
      (err: unknown) => finish(() => reject(toNodeFinderError(err))),
    );
  });
}
