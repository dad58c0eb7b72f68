/**
 * Typed errors of the discovery v5 codec, sessions and endpoint. Every one extends Discv5Error, so
 * callers (and the fuzz tests) can tell "hostile input, handled" from a bug; kinds from src/errors.ts.
 */
import { NodeFinderError, type ErrorKind } from '../errors.js';

export class Discv5Error extends NodeFinderError {
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
  }
}

/** Datagram below the 63-byte minimum, or a message packet too short for authdata + tag. */
export class PacketTooSmallError extends Discv5Error {
  constructor(size: number, min: number) {
    super('too_small', `discv5 packet of ${size} bytes is shorter than ${min}`);
  }
}

/** Datagram above 1280 bytes, received or about to be sent. */
export class PacketTooLargeError extends Discv5Error {
  constructor(size: number, max: number) {
    super('too_large', `discv5 packet of ${size} bytes exceeds ${max}`);
  }
}

/**
 * The unmasked static header is not discv5's (wrong protocol-id or version): the datagram is not a
 * discv5 packet for us (or was masked for another node ID). wire: "should not respond".
 */
export class InvalidHeaderError extends Discv5Error {
  constructor(message: string) {
    super('bad_packet', message);
  }
}

/** Header fields that do not make a packet: unknown flag, authdata size, short handshake authdata. */
export class BadPacketError extends Discv5Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_packet', message, options);
  }
}

/** Message plaintext that is not valid RLP of the message's shape. */
export class BadMessageError extends Discv5Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_packet', message, options);
  }
}

export class UnknownMessageError extends Discv5Error {
  constructor(type: number) {
    super('unknown_packet', `unknown discv5 message type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** AES-GCM authentication failed: wrong session key, or a forged/corrupted packet. */
export class DecryptError extends Discv5Error {
  constructor(message = 'discv5 message does not authenticate') {
    super('bad_mac', message);
  }
}

/** A handshake packet we cannot accept: no challenge outstanding, no or bad record, bad ephemeral key. */
export class HandshakeError extends Discv5Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('handshake_failed', message, options);
  }
}

/** The id-signature of a handshake does not verify against the sender's record key. */
export class IdSignatureError extends Discv5Error {
  constructor(message = 'discv5 id-signature does not verify') {
    super('bad_signature', message);
  }
}

/** The remote broke the protocol in answer to our request (e.g. WHOAREYOU twice, handshake without its record). */
export class ProtocolBreachError extends Discv5Error {
  constructor(message: string) {
    super('protocol_breach', message);
  }
}

/** A request we were asked to send is invalid (our caller's bug or hostile CLI input): bad distances, sizes. */
export class BadRequestError extends Discv5Error {
  constructor(message: string) {
    super('bad_packet', message);
  }
}
