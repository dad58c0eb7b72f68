/**
 * Typed errors of the DEVp2p codecs. Every decoder in src/devp2p throws only these (or the shared
 * `RlpError` from util/rlp), so the caller can record `err.kind` without looking at messages.
 */
import { NodeFinderError } from '../errors.js';
import type { DisconnectReasonName } from './disconnect-reasons.js';

/** HELLO is malformed: wrong shape, bad node key, absurd capability list. */
export class HelloError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_hello', message, options);
  }
}

/** Snappy block could not be decompressed (or its declared length exceeds the caller's limit). */
export class SnappyError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('snappy', message, options);
  }
}

/** A DEVp2p message exceeded a spec limit before or after decompression. */
export class MessageTooLargeError extends NodeFinderError {
  readonly size: number;
  readonly limit: number;
  constructor(what: string, size: number, limit: number) {
    super('too_large', `${what}: ${size} bytes exceeds the limit of ${limit}`);
    this.size = size;
    this.limit = limit;
  }
}

/** A message id outside every negotiated capability range. */
export class UnknownMessageError extends NodeFinderError {
  readonly messageId: number;
  constructor(messageId: number) {
    super('unknown_packet', `message id 0x${messageId.toString(16)} belongs to no negotiated capability`);
    this.messageId = messageId;
  }
}

/** HELLO exchange succeeded but no capability we need is shared. */
export class NoSharedCapabilityError extends NodeFinderError {
  constructor(message: string) {
    super('no_shared_capability', message);
  }
}

/** The remote ended the session with DISCONNECT (reason kept). */
export class RemoteDisconnectError extends NodeFinderError {
  constructor(readonly reason: DisconnectReasonName) {
    super('disconnected', `peer disconnected: ${reason}`);
  }
}

/** A session wait (HELLO, a capability message) ran out of time. */
export class PeerTimeoutError extends NodeFinderError {
  constructor(what: string) {
    super('timeout', `timed out waiting for ${what}`);
  }
}

/** A session wait was cut by its AbortSignal. */
export class PeerAbortedError extends NodeFinderError {
  constructor(what: string) {
    super('aborted', `${what} aborted`);
  }
}
