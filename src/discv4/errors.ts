/** Typed errors of the discv4 codec and UDP endpoint (kinds from src/errors.ts). */
import { NodeFinderError } from '../errors.js';

/** Datagram shorter than hash || signature || type (98 bytes). */
export class PacketTooSmallError extends NodeFinderError {
  constructor(size: number, min: number) {
    super('too_small', `discv4 packet of ${size} bytes is shorter than the ${min}-byte header`);
  }
}

/** Datagram above the receive cap, or a packet we would send above 1280 bytes. */
export class PacketTooLargeError extends NodeFinderError {
  constructor(size: number, max: number) {
    super('too_large', `discv4 packet of ${size} bytes exceeds ${max}`);
  }
}

/** hash ≠ keccak256(signature || type || data): not a discv4 packet (or corrupted). */
export class BadHashError extends NodeFinderError {
  constructor() {
    super('bad_hash', 'discv4 packet hash mismatch');
  }
}

export class BadPacketSignatureError extends NodeFinderError {
  constructor(message: string) {
    super('bad_signature', message);
  }
}

export class UnknownPacketError extends NodeFinderError {
  constructor(type: number) {
    super('unknown_packet', `unknown discv4 packet type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** Well-formed RLP whose fields do not make a valid packet (wrong sizes, bad IP, port > 65535…). */
export class BadPacketError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_packet', message, options);
  }
}

export class ExpiredPacketError extends NodeFinderError {
  constructor(expiration: number, nowSeconds: number) {
    super('expired', `discv4 packet expired at ${expiration}, now ${nowSeconds}`);
  }
}

/** A reply that fails the request's own checks (e.g. an ENR for another node id). */
export class BadReplyError extends NodeFinderError {
  constructor(message: string) {
    super('bad_packet', message);
  }
}
