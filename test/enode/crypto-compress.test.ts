import { describe, expect, it } from 'vitest';
import { backends, keccak256, randomBytes, secp256k1, setBackend } from '../../src/crypto/index.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const all = [backends.noble, ...(backends.native ? [backends.native] : [])];

describe('crypto: keccak256 follows the backend', () => {
  it('native and noble keccak256 agree on views of random data around the 136-byte rate', () => {
    const prev = secp256k1().name;
    try {
      const big = randomBytes(1200);
      for (const len of [0, 1, 31, 32, 64, 135, 136, 137, 271, 272, 273, 1000]) {
        for (const off of [0, 1, 7]) {
          const view = big.subarray(off, off + len);
          setBackend('noble');
          const a = keccak256(view);
          if (backends.native) setBackend('native');
          expect(bytesToHex(keccak256(view))).toBe(bytesToHex(a));
        }
      }
      setBackend('noble');
      expect(bytesToHex(keccak256(new Uint8Array()))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    } finally {
      setBackend(prev);
    }
  });
});

describe('crypto: public key compression', () => {
  for (const b of all) {
    describe(b.name, () => {
      it('compresses the ENR vector key and decompresses it back', () => {
        const full = hexToBytes(vectors.discv4.signer_public_key_64);
        expect(bytesToHex(b.compressPublicKey(full))).toBe(vectors.enr.rlp_structure.secp256k1);
        expect(bytesToHex(b.decompressPublicKey(hexToBytes(vectors.enr.rlp_structure.secp256k1)))).toBe(
          vectors.discv4.signer_public_key_64,
        );
      });
      it('round trips random keys and agrees with the other backend', () => {
        for (let i = 0; i < 20; i++) {
          const pub = b.publicKey(randomBytes(32));
          const c = b.compressPublicKey(pub);
          expect(c.length).toBe(33);
          expect([2, 3]).toContain(c[0]);
          for (const other of all) expect(other.decompressPublicKey(c)).toEqual(pub);
        }
      });
      it('rejects invalid input with bad_signature only', () => {
        const bad = [new Uint8Array(33), new Uint8Array(32), new Uint8Array(65), Uint8Array.from([4, ...randomBytes(32)])];
        for (const x of bad) expect(() => b.decompressPublicKey(x)).toThrow(expect.objectContaining({ kind: 'bad_signature' }));
        expect(() => b.compressPublicKey(new Uint8Array(64))).toThrow(expect.objectContaining({ kind: 'bad_signature' }));
        expect(() => b.compressPublicKey(new Uint8Array(33))).toThrow(expect.objectContaining({ kind: 'bad_signature' }));
      });
    });
  }
});
