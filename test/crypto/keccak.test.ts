import { keccak_256 } from '@noble/hashes/sha3.js';
import createKeccak from 'keccak';
import { afterEach, describe, expect, it } from 'vitest';
import { backends, keccak256, KECCAK256_WASM_CROSSOVER, randomBytes, secp256k1, setBackend } from '../../src/crypto/index.js';
import {
  createSingleBlockKeccak256,
  createWasmKeccak256,
  KECCAK256_RATE,
  KECCAK256_SINGLE_BLOCK_MAX,
  KECCAK256_WASM_MAX,
} from '../../src/crypto/keccak.js';
import { bytesToHex, fromUtf8, hexToBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const fast = createSingleBlockKeccak256();
const wasm = createWasmKeccak256();
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
  ['272 bytes (two full blocks: padding-only third block)', pattern(272), 'fdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e'],
  ['1025 bytes (NEIGHBORS-sized)', pattern(1025), '3d79417ffcc9bf5c3b70efd014fbc41251613b60c252a054cb0aec5f5c83cc22'],
  ['4096 bytes (the crossover)', pattern(4096), '1c85a3e5666494583f321cd54285cc17276acf9aea34b207d43005bfa69d0a86'],
];

/** Every length within one byte of a block boundary, 135/136/137, 271/272/273, … up to `max`. */
const boundaries = (max: number) => {
  const out: number[] = [];
  for (let k = KECCAK256_RATE; k - 1 <= max; k += KECCAK256_RATE) out.push(...[k - 1, k, k + 1].filter((n) => n <= max));
  return out;
};

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

describe('multi-block keccak256 (WebAssembly)', () => {
  it('is available; its limit is whole blocks of its one memory page, and the crossover is within it', () => {
    expect(wasm).toBeTypeOf('function');
    expect((KECCAK256_WASM_MAX + 1) % KECCAK256_RATE).toBe(0);
    expect(KECCAK256_WASM_MAX + 1 + 512).toBeLessThanOrEqual(65536);
    expect(KECCAK256_WASM_MAX + 1 + 512 + KECCAK256_RATE).toBeGreaterThan(65536);
    expect(KECCAK256_WASM_CROSSOVER).toBeLessThanOrEqual(KECCAK256_WASM_MAX);
  });

  for (const [label, input, want] of KNOWN) {
    it(`known answer: ${label}`, () => expect(bytesToHex(wasm!(input))).toBe(want));
  }

  it('agrees with @noble/hashes on a random input of every length 0..5000 (and the addon on every 7th)', () => {
    for (let n = 0; n <= 5000; n++) {
      const d = randomBytes(n);
      const got = bytesToHex(wasm!(d));
      expect(got, `length ${n}`).toBe(bytesToHex(keccak_256(d)));
      if (n % 7 === 0) expect(got, `length ${n}`).toBe(bytesToHex(addon(d)));
    }
  });

  it('agrees with @noble/hashes on both sides of every block boundary up to its limit, and at the limit', () => {
    const lengths = [...boundaries(KECCAK256_WASM_MAX), KECCAK256_WASM_MAX - 1, KECCAK256_WASM_MAX];
    expect(lengths).toContain(KECCAK256_WASM_MAX);
    const big = randomBytes(KECCAK256_WASM_MAX);
    for (const n of lengths) {
      // Fresh content per length (a rolling window of one random buffer would keep earlier blocks equal).
      const d = big.slice(0, n);
      if (n > 0) d[n - 1] = d[n - 1]! ^ (n & 0xff);
      expect(bytesToHex(wasm!(d)), `length ${n}`).toBe(bytesToHex(keccak_256(d)));
    }
  });

  it('refuses inputs beyond its limit with RangeError (callers route them elsewhere)', () => {
    expect(() => wasm!(new Uint8Array(KECCAK256_WASM_MAX + 1))).toThrow(RangeError);
  });

  it('leaves nothing behind between calls: short after long, in random order, and all-0xff blocks', () => {
    wasm!(new Uint8Array(KECCAK256_WASM_MAX).fill(0xff));
    expect(bytesToHex(wasm!(new Uint8Array()))).toBe(KNOWN[0]![2]);
    expect(bytesToHex(wasm!(pattern(136)))).toBe(KNOWN.find(([l]) => l.startsWith('136'))![2]);
    for (let i = 0; i < 1000; i++) {
      const d = randomBytes(Math.floor(Math.random() ** 3 * 6000));
      expect(bytesToHex(wasm!(d)), `length ${d.length}`).toBe(bytesToHex(keccak_256(d)));
    }
  });

  it('hashes views at any offset of a larger buffer, and Buffers', () => {
    const big = randomBytes(3000);
    for (let i = 0; i < 300; i++) {
      const off = Math.floor(Math.random() * 1000);
      const view = big.subarray(off, off + Math.floor(Math.random() * 2000));
      expect(bytesToHex(wasm!(view))).toBe(bytesToHex(keccak_256(view.slice())));
      expect(bytesToHex(wasm!(Buffer.from(view)))).toBe(bytesToHex(keccak_256(view)));
    }
  });

  it('returns a fresh 32-byte array each call, never a view of its memory', () => {
    const d = pattern(1025);
    const a = wasm!(d);
    expect(a.buffer.byteLength).toBe(32);
    a.fill(0);
    expect(bytesToHex(wasm!(d))).toBe(KNOWN.find(([l]) => l.startsWith('1025'))![2]);
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

      it('agrees with @noble/hashes around the WebAssembly crossover and limit (each side takes another path)', () => {
        setBackend(name);
        const c = KECCAK256_WASM_CROSSOVER;
        const m = KECCAK256_WASM_MAX;
        for (const n of [c - 1, c, c + 1, 8192, m - 1, m, m + 1, m + 137, 100_000]) {
          const d = randomBytes(n);
          expect(bytesToHex(keccak256(d)), `length ${n}`).toBe(bytesToHex(keccak_256(d)));
        }
      });
    });
  }
});
