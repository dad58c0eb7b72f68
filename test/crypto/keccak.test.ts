import { keccak_256 } from '@noble/hashes/sha3.js';
import createKeccak from 'keccak';
import { afterEach, describe, expect, it } from 'vitest';
import { backends, keccak256, randomBytes, secp256k1, setBackend } from '../../src/crypto/index.js';
import { createSingleBlockKeccak256, KECCAK256_RATE, KECCAK256_SINGLE_BLOCK_MAX } from '../../src/crypto/keccak.js';
import { bytesToHex, fromUtf8, hexToBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const fast = createSingleBlockKeccak256();
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);
/** The `keccak` package through its public (stream) API: an oracle independent of @noble/hashes. */
const addon = (d: Uint8Array) => new Uint8Array(createKeccak('keccak256').update(Buffer.from(d)).digest());

// Empty and "abc" are the Keccak team's; the pattern digests agree in @noble/hashes and the `keccak` addon.
const KNOWN: [string, Uint8Array, string][] = [
  ['empty', new Uint8Array(), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  ['"abc"', fromUtf8('abc'), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
  ['EIP-8 signer key → node id', hexToBytes(vectors.discv4.signer_public_key_64), vectors.discv4.signer_node_id_keccak256],
  ['64 bytes 0x00..0x3f', pattern(64), '002030bde3d4cf89919649775cd71875c4d0ab1708a380e03fefc3a28aa24831'],
  ['135 bytes (last single block: both pad bits in one byte)', pattern(135), 'cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62'],
  ['136 bytes (exactly the rate: two blocks)', pattern(136), '7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e'],
  ['137 bytes', pattern(137), 'ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db'],
  ['200 bytes', pattern(200), 'bfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890'],
];

const available = (['native', 'noble'] as const).filter((n) => backends[n]);
const initial = secp256k1().name;
afterEach(() => setBackend(initial));

describe('single-block keccak256 (WebAssembly)', () => {
  it('is available and passes its known answers on this platform', () => {
    expect(fast).toBeTypeOf('function');
    expect(KECCAK256_SINGLE_BLOCK_MAX).toBe(KECCAK256_RATE - 1);
  });

  for (const [label, input, want] of KNOWN.filter(([, d]) => d.length <= KECCAK256_SINGLE_BLOCK_MAX)) {
    it(`known answer: ${label}`, () => expect(bytesToHex(fast!(input))).toBe(want));
  }

  it('agrees with @noble/hashes and the keccak addon on random inputs of every length 0..135', () => {
    for (let n = 0; n <= KECCAK256_SINGLE_BLOCK_MAX; n++) {
      for (let k = 0; k < 25; k++) {
        const d = randomBytes(n);
        const got = bytesToHex(fast!(d));
        expect(got, `length ${n}`).toBe(bytesToHex(keccak_256(d)));
        if (k === 0) expect(got, `length ${n}`).toBe(bytesToHex(addon(d)));
      }
    }
  });

  it('leaves nothing behind between calls: a short input after a long one, in random order', () => {
    const full = new Uint8Array(KECCAK256_SINGLE_BLOCK_MAX).fill(0xff);
    fast!(full);
    expect(bytesToHex(fast!(new Uint8Array()))).toBe(KNOWN[0]![2]);
    for (let i = 0; i < 2000; i++) {
      const d = randomBytes(Math.floor(Math.random() * (KECCAK256_SINGLE_BLOCK_MAX + 1)));
      expect(bytesToHex(fast!(d))).toBe(bytesToHex(keccak_256(d)));
    }
  });

  it('hashes views at any offset of a larger buffer, and Buffers', () => {
    const big = randomBytes(600);
    for (let i = 0; i < 500; i++) {
      const off = Math.floor(Math.random() * 400);
      const view = big.subarray(off, off + Math.floor(Math.random() * 136));
      expect(bytesToHex(fast!(view))).toBe(bytesToHex(keccak_256(view.slice())));
      const buf = Buffer.from(view);
      expect(bytesToHex(fast!(buf))).toBe(bytesToHex(keccak_256(view)));
    }
  });

  it('returns a fresh 32-byte array each call, never a view of its scratch memory', () => {
    const d = pattern(64);
    const a = fast!(d);
    const b = fast!(d);
    expect(a).not.toBe(b);
    expect(a.length).toBe(32);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(32);
    a.fill(0);
    fast!(pattern(10));
    expect(bytesToHex(b)).toBe(KNOWN[3]![2]);
    expect(bytesToHex(fast!(d))).toBe(KNOWN[3]![2]);
  });

  it('refuses multi-block inputs (callers route them elsewhere)', () => {
    expect(() => fast!(new Uint8Array(KECCAK256_RATE))).toThrow(RangeError);
  });
});

describe('keccak256 (src/crypto/index.ts) on every backend', () => {
  for (const name of available) {
    describe(name, () => {
      for (const [label, input, want] of KNOWN) {
        it(`known answer: ${label}`, () => {
          setBackend(name);
          expect(bytesToHex(keccak256(input))).toBe(want);
        });
      }

      it('agrees with @noble/hashes on random inputs of every length 0..300 (both sides of the block boundary)', () => {
        setBackend(name);
        for (let n = 0; n <= 300; n++) {
          for (let k = 0; k < 12; k++) {
            const d = randomBytes(n);
            expect(bytesToHex(keccak256(d)), `length ${n}`).toBe(bytesToHex(keccak_256(d)));
          }
        }
      });
    });
  }
});
