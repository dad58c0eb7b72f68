import { NodeFinderError } from '../errors.js';

/** A public key, signature or secret that is not a valid secp256k1 value. */
export class InvalidKeyError extends NodeFinderError {
  constructor(message: string) {
    super('bad_signature', message);
  }
}
