/**
 * Typed errors of the eth codecs and checks. Decoders in src/eth throw only these (or the shared
 * `RlpError` from util/rlp for malformed header/request shapes).
 */
import { NodeFinderError } from '../errors.js';
import type { ForkIdVerdict } from './fork-id.js';

/** STATUS is malformed, too large, or its version differs from the negotiated one. */
export class StatusError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_status', message, options);
  }
}

/** STATUS from another network id or genesis. */
export class NetworkMismatchError extends NodeFinderError {
  constructor(message: string) {
    super('network_mismatch', message);
  }
}

/** EIP-2124 fork ID rejected; `verdict` says which rule failed. */
export class ForkMismatchError extends NodeFinderError {
  readonly verdict: Exclude<ForkIdVerdict, 'compatible'>;
  constructor(verdict: Exclude<ForkIdVerdict, 'compatible'>, message: string) {
    super('fork_mismatch', message);
    this.verdict = verdict;
  }
}

/** An eth message exceeded a limit (message size, header count, header size). */
export class EthTooLargeError extends NodeFinderError {
  constructor(what: string, size: number, limit: number) {
    super('too_large', `${what}: ${size} exceeds the limit of ${limit}`);
  }
}
