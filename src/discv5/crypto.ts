/**
 * discv5's cryptography (discv5-theory.md "Handshake Steps", "Identity-Specific Cryptography"):
 * header masking (AES-128-CTR), message encryption (AES-128-GCM), key agreement (ECDH → HKDF-SHA256)
 * and the id-signature. AES from node:crypto, HKDF from @noble/hashes, secp256k1 from src/crypto.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { aesCtr, decompressPublicKey, ecdhCompressed, recoverPublicKey, sha256, signDigest } from '../crypto/index.js';
import { bytesToBigInt, concatBytes, equalBytes, fromUtf8 } from '../util/bytes.js';
import { AES_KEY_SIZE, GCM_TAG_SIZE, MASKING_IV_SIZE, NONCE_SIZE, V4_SIGNATURE_SIZE } from './constants.js';
import { DecryptError, HandshakeError, IdSignatureError } from './errors.js';

const KDF_TEXT = fromUtf8('discovery v5 key agreement');
const ID_PROOF_TEXT = fromUtf8('discovery v5 identity proof');
/** secp256k1 order / 2: a signature with a higher s is malleable; libsecp256k1's verify (geth) refuses it. */
const HALF_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n >> 1n;

/** wire "Protocol Header": masked = aesctr(dest-id[:16], masking-iv, header). Also unmasks. */
export function maskHeader(destId: Uint8Array, iv: Uint8Array, header: Uint8Array): Uint8Array {
  return aesCtr(destId.subarray(0, AES_KEY_SIZE), iv.subarray(0, MASKING_IV_SIZE), header);
}

/** AES-128-GCM with a 12-byte nonce; returns ciphertext || 16-byte tag. */
export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: GCM_TAG_SIZE });
  c.setAAD(ad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return concatBytes(body, c.getAuthTag());
}

/** Inverse of aesGcmEncrypt; DecryptError when the tag does not verify (or the input is shorter than it). */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array {
  if (key.length !== AES_KEY_SIZE || nonce.length !== NONCE_SIZE) throw new DecryptError('discv5: bad key or nonce size');
  if (ciphertext.length < GCM_TAG_SIZE) throw new DecryptError('discv5 message shorter than its GCM tag');
  const split = ciphertext.length - GCM_TAG_SIZE;
  try {
    const d = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: GCM_TAG_SIZE });
    d.setAAD(ad);
    d.setAuthTag(ciphertext.subarray(split));
    return new Uint8Array(Buffer.concat([d.update(ciphertext.subarray(0, split)), d.final()]));
  } catch {
    throw new DecryptError();
  }
}

export interface SessionKeys {
  initiatorKey: Uint8Array;
  recipientKey: Uint8Array;
}

/**
 * theory "Handshake Steps": secret = ecdh(pub, priv) as a 33-byte compressed point;
 * prk = HKDF-Extract(challenge-data, secret); key-data = HKDF-Expand(prk, "discovery v5 key agreement"
 * || node-id-A || node-id-B, 32); initiator-key = key-data[:16], recipient-key = key-data[16:].
 * `publicKey` is 64 bytes; node-id-A is always the initiator's.
 */
export function deriveKeys(
  privateKey: Uint8Array,
  publicKey: Uint8Array,
  initiatorId: Uint8Array,
  recipientId: Uint8Array,
  challengeData: Uint8Array,
): SessionKeys {
  const secret = ecdhCompressed(publicKey, privateKey);
  const keyData = hkdf(nobleSha256, secret, challengeData, concatBytes(KDF_TEXT, initiatorId, recipientId), 2 * AES_KEY_SIZE);
  return { initiatorKey: keyData.slice(0, AES_KEY_SIZE), recipientKey: keyData.slice(AES_KEY_SIZE) };
}

/** sha256("discovery v5 identity proof" || challenge-data || ephemeral-pubkey || node-id-B). */
function idSignatureDigest(challengeData: Uint8Array, ephemeralPubkey: Uint8Array, destId: Uint8Array): Uint8Array {
  return sha256(concatBytes(ID_PROOF_TEXT, challengeData, ephemeralPubkey, destId));
}

/** The "v4" id-signature: 64-byte r || s over the digest above. */
export function signIdNonce(privateKey: Uint8Array, challengeData: Uint8Array, ephemeralPubkey: Uint8Array, destId: Uint8Array): Uint8Array {
  return signDigest(idSignatureDigest(challengeData, ephemeralPubkey, destId), privateKey).signature.slice(0, V4_SIGNATURE_SIZE);
}

/** Throws IdSignatureError unless `signature` is a low-s signature by `publicKey` (64 bytes). */
export function verifyIdSignature(
  publicKey: Uint8Array,
  signature: Uint8Array,
  challengeData: Uint8Array,
  ephemeralPubkey: Uint8Array,
  destId: Uint8Array,
): void {
  if (signature.length !== V4_SIGNATURE_SIZE) throw new IdSignatureError(`discv5 id-signature must be 64 bytes, got ${signature.length}`);
  if (bytesToBigInt(signature.subarray(32)) > HALF_N) throw new IdSignatureError('discv5 id-signature has high s');
  const digest = idSignatureDigest(challengeData, ephemeralPubkey, destId);
  // The crypto module recovers rather than verifies: valid iff recovery id 0 or 1 yields the key.
  for (const recovery of [0, 1]) {
    try {
      if (equalBytes(recoverPublicKey(digest, signature, recovery), publicKey)) return;
    } catch {
      // not this recovery id
    }
  }
  throw new IdSignatureError();
}

/** 33-byte compressed ephemeral key → 64 bytes; HandshakeError when it is not a curve point. */
export function decodeEphemeralKey(compressed: Uint8Array): Uint8Array {
  try {
    return decompressPublicKey(compressed);
  } catch (err) {
    throw new HandshakeError('discv5 handshake: invalid ephemeral public key', { cause: err });
  }
}
