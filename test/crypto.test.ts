import { describe, expect, it } from 'vitest';
import { backends, keccak256, randomBytes } from '../src/crypto/index.js';
import { bytesToHex, hexToBytes } from '../src/util/bytes.js';
import vectors from './vectors/devp2p-test-vectors.json' with { type: 'json' };

const all = [backends.noble, ...(backends.native ? [backends.native] : [])];

describe('crypto', () => {
  it('keccak256 known answer', () => {
    expect(bytesToHex(keccak256(new Uint8Array()))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
  });

  it('the native backend is available on this platform', () => {
    expect(backends.native?.name).toBe('native');
  });

  for (const b of all) {
    describe(b.name, () => {
      it('derives the EIP-8 vector public key', () => {
        const pub = b.publicKey(hexToBytes(vectors.discv4.signing_private_key));
        expect(bytesToHex(pub)).toBe(vectors.discv4.signer_public_key_64);
      });
      it('sign → recover round trip, agreeing across backends', () => {
        const priv = hexToBytes(vectors.discv4.signing_private_key);
        const digest = keccak256(randomBytes(40));
        const { signature, recovery } = b.sign(digest, priv);
        for (const other of all) expect(other.recover(digest, signature, recovery)).toEqual(b.publicKey(priv));
      });
      it('ECDH is symmetric and agrees across backends', () => {
        const a = randomBytes(32);
        const c = randomBytes(32);
        const x = b.ecdhX(b.publicKey(c), a);
        expect(x.length).toBe(32);
        for (const other of all) expect(other.ecdhX(other.publicKey(a), c)).toEqual(x);
      });
      it('rejects garbage with InvalidKeyError, never another error', () => {
        for (let i = 0; i < 200; i++) {
          const sig = randomBytes(64);
          try {
            b.recover(randomBytes(32), sig, i % 4);
          } catch (err) {
            expect((err as { kind?: string }).kind).toBe('bad_signature');
          }
          expect(() => b.ecdhX(randomBytes(64), randomBytes(32))).toThrow(
            expect.objectContaining({ kind: 'bad_signature' }),
          );
        }
        expect(b.isValidPublicKey(new Uint8Array(64))).toBe(false);
      });
    });
  }
});
