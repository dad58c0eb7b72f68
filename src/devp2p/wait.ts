/**
 * The session's one wait: a promise settled by a registered callback, by the deadline on the
 * injected Clock (PeerTimeoutError) or by the AbortSignal (PeerAbortedError), whichever comes first,
 * always unregistering.
 */
import type { NodeFinderError } from '../errors.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import { PeerAbortedError, PeerTimeoutError } from './errors.js';
import type { CapabilityMessage, WaitOptions } from './peer-types.js';

export interface Settle<T> {
  resolve: (v: T) => void;
  reject: (e: NodeFinderError) => void;
}

export interface Waiter extends Settle<CapabilityMessage> {
  match: (m: CapabilityMessage) => boolean;
}

/**
 * A promise settled by `register`'s callbacks (register returns its unregister function), by the
 * deadline (PeerTimeoutError) or by the AbortSignal (PeerAbortedError), whichever comes first.
 */
export function waitFor<T>(clock: Clock, what: string, options: WaitOptions, register: (settle: Settle<T>) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(new PeerAbortedError(what));
      return;
    }
    let settled = false;
    let unregister: (() => void) | undefined;
    let timer: TimerHandle | undefined;
    const finish = (run: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clock.clearTimer(timer);
      signal?.removeEventListener('abort', onAbort);
      unregister?.();
      run();
    };
    const onAbort = () => finish(() => reject(new PeerAbortedError(what)));
    timer = clock.setTimer(options.timeoutMs, () => finish(() => reject(new PeerTimeoutError(what))));
    signal?.addEventListener('abort', onAbort, { once: true });
    unregister = register({ resolve: (v) => finish(() => resolve(v)), reject: (e) => finish(() => reject(e)) });
    if (settled) unregister();
  });
}
