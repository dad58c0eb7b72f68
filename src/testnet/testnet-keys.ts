/**
 * Testnet peer keys derived from the seed (keccak256 of a label, the seed and the index): public
 * knowledge by design, fine for a loopback testnet and never to be used elsewhere.
 */
import { keccak256, secp256k1 } from '../crypto/index.js';
import { concatBytes, fromUtf8 } from '../util/bytes.js';

const KEY_LABEL = fromUtf8('nodefinder-testnet-key');

function u32(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v >>> 0);
  return out;
}

/** The private key of peer `index` for `seed` (retrying the ~2^-128 chance of an invalid scalar). */
export function testnetPrivateKey(seed: number, index: number): Uint8Array {
  const seedBytes = new Uint8Array(8);
  new DataView(seedBytes.buffer).setBigUint64(0, BigInt(seed));
  for (let attempt = 0; ; attempt++) {
    const key = keccak256(concatBytes(KEY_LABEL, seedBytes, u32(index), u32(attempt)));
    if (secp256k1().isValidPrivateKey(key)) return key;
  }
}
