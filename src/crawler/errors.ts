/** Typed failures of the crawler's request plumbing. Classify by `kind` (src/errors.ts), never by text. */
import { NodeFinderError } from '../errors.js';

/** A request did not settle within its deadline (measured on the injected Clock). */
export class RequestTimeoutError extends NodeFinderError {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super('timeout', `${what} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired (shutdown, a lookup cancelled…) before the request settled. */
export class RequestAbortedError extends NodeFinderError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('aborted', `${what} aborted`, options);
  }
}
