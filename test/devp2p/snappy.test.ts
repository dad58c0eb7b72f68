import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SnappyError } from '../../src/devp2p/errors.js';
import {
  SNAPPY_MAX_UNCOMPRESSED,
  snappyCompress,
  snappyDecompress,
  snappyMaxCompressedLength,
  snappyUncompressedLength,
} from '../../src/devp2p/snappy.js';
import { hexToBytes } from '../../src/util/bytes.js';
import { BASE_SEED, FUZZ_SCALE, Rng, expectSameBytes, fuzzDecoder, mutate } from './fuzz-helpers.js';

// snappyjs (a dependency of @ethereumjs/devp2p) is an independent implementation: tests only.
const snappyjs = createRequire(import.meta.url)('snappyjs') as {
  compress(data: Uint8Array): Uint8Array;
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
};

const enc = (s: string) => new TextEncoder().encode(s);

describe('snappy known streams', () => {
  it('decodes hand-assembled blocks', () => {
    expect(snappyDecompress(hexToBytes('00'))).toEqual(new Uint8Array());
    // varint 5, literal tag (len-1)<<2 = 0x10, "hello"
    expect(snappyDecompress(hexToBytes('051068656c6c6f'))).toEqual(enc('hello'));
    // 12 bytes: literal "abcd", copy-1 length 8 offset 4 (overlapping copy)
    expect(snappyDecompress(hexToBytes('0c0c61626364' + '1104'))).toEqual(enc('abcdabcdabcd'));
    // copy-2 of length 5 offset 3 after "xyz"
    expect(snappyDecompress(hexToBytes('08' + '0878797a' + '120300'))).toEqual(enc('xyzxyzxy'));
    // copy-4 of length 3 offset 2 after "ab"
    expect(snappyDecompress(hexToBytes('05' + '046162' + '0b02000000'))).toEqual(enc('ababa'));
    // literal with a 1-byte length extension (tag 60): 61 bytes of 'q'
    const lit = snappyDecompress(hexToBytes('3d' + 'f03c' + '71'.repeat(61)));
    expect(lit).toEqual(new Uint8Array(61).fill(0x71));
  });

  it('encodes the empty input and short literals like the reference', () => {
    expect(snappyCompress(new Uint8Array())).toEqual(hexToBytes('00'));
    expect(snappyCompress(enc('hello'))).toEqual(hexToBytes('051068656c6c6f'));
    expect(snappyCompress(enc('hello'))).toEqual(Uint8Array.from(snappyjs.compress(enc('hello'))));
  });

  it('the length varint reads multi-byte values', () => {
    expect(snappyUncompressedLength(hexToBytes('fe7f'))).toEqual({ length: 16382, headerBytes: 2 });
    expect(snappyUncompressedLength(hexToBytes('ffffffff0f'))).toEqual({ length: 2 ** 32 - 1, headerBytes: 5 });
  });
});

describe('snappy cross-check with snappyjs', () => {
  const rng = new Rng(BASE_SEED);
  const sizes = [0, 1, 3, 4, 5, 17, 60, 61, 255, 256, 257, 1000, 65535, 65536, 65537, 200_000];

  it('our output decompresses with snappyjs and vice versa (random, textured, repeated data)', () => {
    const inputs: Uint8Array[] = [];
    for (const n of sizes) inputs.push(rng.bytes(n), rng.textured(n), new Uint8Array(n), enc('devp2p '.repeat(n / 7 + 1)).slice(0, n));
    for (let i = 0; i < 40 * FUZZ_SCALE; i++) inputs.push(rng.textured(rng.int(5000)));
    for (const input of inputs) {
      const ours = snappyCompress(input);
      expect(ours.length).toBeLessThanOrEqual(snappyMaxCompressedLength(input.length));
      expectSameBytes(snappyjs.uncompress(ours), input);
      expectSameBytes(snappyDecompress(ours), input);
      expectSameBytes(snappyDecompress(snappyjs.compress(input)), input);
    }
  });

  it('actually compresses: repetitive data shrinks about as much as with snappyjs', () => {
    for (const input of [new Uint8Array(100_000), enc('0123456789abcdef'.repeat(5000)), rng.textured(50_000)]) {
      const ours = snappyCompress(input).length;
      const theirs = snappyjs.compress(input).length;
      expect(ours).toBeLessThan(input.length * 0.8);
      expect(ours).toBeLessThanOrEqual(Math.ceil(theirs * 1.25) + 16);
    }
  });
});

describe('snappy rejects malformed input with SnappyError', () => {
  const bad: [string, string][] = [
    ['empty input (no varint)', ''],
    ['truncated varint', '80'],
    ['varint beyond 32 bits', 'ffffffff1f'],
    ['6-byte varint', 'ffffffffff01'],
    ['copy with offset 0', '09' + '0c61626364' + '0500'],
    ['copy before start of output', '08' + '0c61626364' + '0508'],
    ['copy-2 offset beyond output', '08' + '0c61626364' + '0e1000'],
    ['copy-4 offset beyond output', '08' + '0c61626364' + '0f10000000'],
    ['literal past end of input', '0a' + '2461626364'],
    ['literal past declared length', '02' + '08616263'],
    ['copy past declared length', '06' + '0c61626364' + '1104'],
    ['output shorter than declared', '0a' + '0c61626364'],
    ['truncated literal length extension', '40' + 'f0'],
    ['truncated copy-1', '08' + '0c61626364' + '05'],
    ['truncated copy-2', '08' + '0c61626364' + '0e01'],
    ['truncated copy-4', '08' + '0c61626364' + '0f010000'],
    ['copy into empty output', '04' + '0501'],
  ];
  for (const [name, hex] of bad) {
    it(name, () => {
      expect(() => snappyDecompress(hexToBytes(hex))).toThrow(SnappyError);
    });
  }

  it('checks the declared length against the limit before allocating', () => {
    // Declares 4 GiB - 1 in 6 bytes: must fail on the limit, not on allocation.
    expect(() => snappyDecompress(hexToBytes('ffffffff0f00'))).toThrow(/exceeds the limit/);
    const justOver = SNAPPY_MAX_UNCOMPRESSED + 1;
    const varint = [justOver & 0x7f | 0x80, (justOver >>> 7) & 0x7f | 0x80, (justOver >>> 14) & 0x7f | 0x80, justOver >>> 21];
    expect(() => snappyDecompress(Uint8Array.from([...varint, 0]))).toThrow(SnappyError);
    expect(() => snappyDecompress(snappyCompress(new Uint8Array(100)), 99)).toThrow(/exceeds the limit/);
    expect(snappyDecompress(snappyCompress(new Uint8Array(100)), 100)).toEqual(new Uint8Array(100));
  });
});

describe('snappy fuzz', () => {
  it('random and mutated streams: only SnappyError; when both decoders accept, outputs agree', () => {
    const rng = new Rng(BASE_SEED + 1);
    const seeds = [rng.textured(300), rng.textured(3000), enc('hello hello hello hello'), rng.bytes(100)].map(snappyCompress);
    let agreed = 0;
    const n = 20_000 * FUZZ_SCALE;
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < n; i++) inputs.push(i % 5 === 0 ? rng.bytes(rng.int(64)) : mutate(rng, rng.pick(seeds)));
    const { ok } = fuzzDecoder(
      (input) => {
        const ours = snappyDecompress(input, 1 << 20);
        let theirs: Uint8Array | undefined;
        try {
          theirs = snappyjs.uncompress(input, 1 << 20);
        } catch {
          theirs = undefined;
        }
        if (theirs) {
          expectSameBytes(ours, theirs);
          agreed++;
        }
      },
      inputs,
      [SnappyError],
    );
    // The fuzzer must reach the decoder's inner paths, not only fail on the header.
    expect(ok).toBeGreaterThan(n / 50);
    expect(agreed).toBeGreaterThan(0);
  });
});
