/** Typed errors of node identity parsing: enode URLs and ENR records (EIP-778). */
import { NodeFinderError } from '../errors.js';

/** An enode URL that is malformed, names a host instead of an IP, or carries an invalid key. */
export class BadEnodeError extends NodeFinderError {
  constructor(message: string) {
    super('bad_enode', message);
  }
}

/** An ENR that breaks EIP-778: structure, key order, identity scheme, field shapes. */
export class BadEnrError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_enr', message, options);
  }
}

/** An ENR (binary or text) above the 300-byte limit of EIP-778. */
export class EnrTooLargeError extends NodeFinderError {
  constructor(size: number, limit: number) {
    super('too_large', `ENR is ${size} bytes, the limit is ${limit}`);
  }
}

/** The ENR signature does not verify against its own "secp256k1" key. */
export class EnrSignatureError extends NodeFinderError {
  constructor(message: string) {
    super('bad_signature', message);
  }
}

/** A node list file (geth nodes.json, a JSON array, or one entry per line) is not readable as one. */
export class NodeListFileError extends NodeFinderError {
  /** Bad input, not a runtime failure (CLI exit code 2). */
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_enode', message, options);
  }
}
