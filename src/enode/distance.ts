/**
 * Node IDs and the two distance metrics NodeFinder studies.
 *
 * Node ID = keccak256(64-byte uncompressed public key) (discv4.md "Node Identities").
 * geth's log distance: the bit length of a XOR b (0 when equal, 1..256), p2p/enode/idutil.go.
 * Parity's pre-2.0 metric (the one the IMC 2018 paper shows is broken): the sum, over the 32 bytes
 * of a XOR b, of each byte's bit length — a near-normal value around 224 instead of a geometric one.
 */
import { keccak256 } from '../crypto/index.js';

export const NODE_ID_BYTES = 32;
export const PUBLIC_KEY_BYTES = 64;

export function nodeIdFromPublicKey(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`public key must be 64 bytes, got ${publicKey.length}`);
  return keccak256(publicKey);
}

/** Bit length of each byte value 0..255. */
const BIT_LENGTH = Uint8Array.from({ length: 256 }, (_, v) => (v === 0 ? 0 : 32 - Math.clz32(v)));

function checkIds(a: Uint8Array, b: Uint8Array): void {
  if (a.length !== NODE_ID_BYTES || b.length !== NODE_ID_BYTES) throw new RangeError('node IDs must be 32 bytes');
}

/** geth's logdist: 0 if a == b, otherwise 256 − (number of leading zero bits of a XOR b). */
export function logDistance(a: Uint8Array, b: Uint8Array): number {
  checkIds(a, b);
  for (let i = 0; i < NODE_ID_BYTES; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return (NODE_ID_BYTES - i - 1) * 8 + BIT_LENGTH[x]!;
  }
  return 0;
}

/** Parity (pre-2.0) distance: Σ bitlen(a[i] XOR b[i]) over the 32 bytes; range 0..256. */
export function parityDistance(a: Uint8Array, b: Uint8Array): number {
  checkIds(a, b);
  let sum = 0;
  for (let i = 0; i < NODE_ID_BYTES; i++) sum += BIT_LENGTH[a[i]! ^ b[i]!]!;
  return sum;
}

/** Compare the XOR distances of a and b to target: negative if a is closer (geth distcmp). */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < NODE_ID_BYTES; i++) {
    const da = a[i]! ^ target[i]!;
    const db = b[i]! ^ target[i]!;
    if (da !== db) return da < db ? -1 : 1;
  }
  return 0;
}
