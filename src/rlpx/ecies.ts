/**
 * RLPx ECIES (devp2p rlpx.md "ECIES Encryption"): secp256k1 ECDH (raw x coordinate), the NIST
 * SP 800-56 concatenation KDF over SHA-256, AES-128-CTR, and HMAC-SHA256 keyed with sha256(kM) over
 * iv || c || shared-mac-data. The EIP-8 size prefix is the shared-mac-data; legacy messages use none.
 *
 * This is not the format of the `eciesjs` package (different KDF and MAC), hence our own. Randomness
 * (ephemeral key, IV) can be injected so the handshake is reproducible in tests.
 */
import {
  aesCtr,
  ecdhX,
  generatePrivateKey,
  hmacSha256,
  publicKeyFromPrivate,
  randomBytes,
  sha256,
} from '../crypto/index.js';
import { equalBytes } from '../util/bytes.js';
import { ECIES_IV_SIZE, ECIES_OVERHEAD, ECIES_TAG_SIZE, PUBLIC_KEY_SIZE } from './constants.js';
import { HandshakeError } from './errors.js';

const EMPTY = new Uint8Array(0);
const SHA256_SIZE = 32;

export interface EciesRandomness {
  /** 32-byte secp256k1 private key for R. */
  ephemeralPrivateKey: Uint8Array;
  /** 16-byte AES-CTR IV. */
  iv: Uint8Array;
}

/** NIST SP 800-56A concatenation KDF with SHA-256, 32-bit big-endian counter from 1, empty OtherInfo. */
export function concatKdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / SHA256_SIZE) * SHA256_SIZE);
  const input = new Uint8Array(4 + z.length);
  input.set(z, 4);
  const view = new DataView(input.buffer);
  for (let counter = 1, offset = 0; offset < length; counter++, offset += SHA256_SIZE) {
    view.setUint32(0, counter);
    out.set(sha256(input), offset);
  }
  return out.subarray(0, length);
}

/** kE (AES-128 key) and kM (HMAC key = sha256 of the second half) from the ECDH x coordinate. */
function deriveKeys(sharedX: Uint8Array): { encKey: Uint8Array; macKey: Uint8Array } {
  const k = concatKdf(sharedX, 32);
  return { encKey: k.subarray(0, 16), macKey: sha256(k.subarray(16, 32)) };
}

/** Encrypt `plaintext` to `remotePublicKey` (64 bytes). Output: 0x04 || R || iv || c || tag. */
export function eciesEncrypt(
  remotePublicKey: Uint8Array,
  plaintext: Uint8Array,
  sharedMacData: Uint8Array = EMPTY,
  random?: EciesRandomness,
): Uint8Array {
  const ephemeral = random?.ephemeralPrivateKey ?? generatePrivateKey();
  const iv = random?.iv ?? randomBytes(ECIES_IV_SIZE);
  if (iv.length !== ECIES_IV_SIZE) throw new RangeError(`ECIES IV must be ${ECIES_IV_SIZE} bytes`);
  const { encKey, macKey } = deriveKeys(ecdhX(remotePublicKey, ephemeral));
  const out = new Uint8Array(ECIES_OVERHEAD + plaintext.length);
  out[0] = 0x04;
  out.set(publicKeyFromPrivate(ephemeral), 1);
  out.set(iv, 1 + PUBLIC_KEY_SIZE);
  const cStart = 1 + PUBLIC_KEY_SIZE + ECIES_IV_SIZE;
  out.set(aesCtr(encKey, iv, plaintext), cStart);
  const tagStart = cStart + plaintext.length;
  out.set(hmacSha256(macKey, out.subarray(1 + PUBLIC_KEY_SIZE, tagStart), sharedMacData), tagStart);
  return out;
}

/**
 * Decrypt a message for `privateKey`. The tag is checked before decrypting (rlpx.md: decryption must
 * not occur if authentication fails). Throws HandshakeError for every failure.
 */
export function eciesDecrypt(privateKey: Uint8Array, message: Uint8Array, sharedMacData: Uint8Array = EMPTY): Uint8Array {
  if (message.length < ECIES_OVERHEAD) {
    throw new HandshakeError(`ECIES message of ${message.length} bytes is shorter than its ${ECIES_OVERHEAD}-byte overhead`);
  }
  if (message[0] !== 0x04) throw new HandshakeError('ECIES message does not start with an uncompressed public key');
  const remote = message.subarray(1, 1 + PUBLIC_KEY_SIZE);
  let sharedX: Uint8Array;
  try {
    sharedX = ecdhX(remote, privateKey);
  } catch (err) {
    throw new HandshakeError('ECIES ephemeral public key is not on the curve', { cause: err });
  }
  const { encKey, macKey } = deriveKeys(sharedX);
  const tagStart = message.length - ECIES_TAG_SIZE;
  const ivAndC = message.subarray(1 + PUBLIC_KEY_SIZE, tagStart);
  const expected = hmacSha256(macKey, ivAndC, sharedMacData);
  if (!equalBytes(expected, message.subarray(tagStart))) throw new HandshakeError('ECIES tag mismatch');
  return aesCtr(encKey, ivAndC.subarray(0, ECIES_IV_SIZE), ivAndC.subarray(ECIES_IV_SIZE));
}
