/** Typed RLPx failures. Classify by `kind` (see src/errors.ts), never by message text. */
import { NodeFinderError } from '../errors.js';

/** auth/ack could not be decrypted (ECIES tag, bad key) or decoded (shape, signature). */
export class HandshakeError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('handshake_failed', message, options);
  }
}

/** A frame header or frame body MAC did not verify. */
export class BadMacError extends NodeFinderError {
  constructor(message: string) {
    super('bad_mac', message);
  }
}

/** A size prefix or frame size above our limit; raised before anything of that size is buffered. */
export class RlpxTooLargeError extends NodeFinderError {
  constructor(message: string) {
    super('too_large', message);
  }
}

/** Well-authenticated bytes that the protocol forbids (bad frame body, message id out of range…). */
export class ProtocolBreachError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('protocol_breach', message, options);
  }
}

/** The stream ended (EOF or local close) before the handshake or a frame completed. */
export class ConnectionClosedError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('closed', message, options);
  }
}

export class HandshakeTimeoutError extends NodeFinderError {
  constructor(ms: number) {
    super('timeout', `RLPx handshake did not complete within ${ms} ms`);
  }
}

export class AbortedError extends NodeFinderError {
  constructor(message = 'aborted', options?: { cause?: unknown }) {
    super('aborted', message, options);
  }
}
