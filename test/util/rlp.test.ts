/**
 * src/util/rlp.ts: the official ethereum/tests RLPTests cases (rlptest.json, invalidRLPTest.json),
 * every non-canonical form, limits (length ≥ 2^32, nesting), zero-copy views, and differential
 * property/fuzz tests against the `rlp` package (the codec we replaced) as an oracle.
 *
 * Where the package differs, on purpose (documented in src/util/rlp.ts):
 *  - it decodes empty input to an empty byte string; we reject it (invalidRLPTest "emptyEncoding");
 *  - it recurses without a depth limit (hostile nesting overflows the stack); we stop at RLP_MAX_DEPTH;
 *  - it reads "0x…" strings as hex when encoding; we encode every string as UTF-8 text.
 */
import RLP from 'rlp';
import { describe, expect, it } from 'vitest';
import { NodeFinderError } from '../../src/errors.js';
import { bytesToHex, fromUtf8, hexToBytes, uintToBytes } from '../../src/util/bytes.js';
import {
  RLP_MAX_DEPTH,
  RlpError,
  asBigInt,
  asBytes,
  asList,
  asSafeNumber,
  rlpDecode,
  rlpDecodePrefix,
  rlpEncode,
  type RlpInput,
  type RlpItem,
} from '../../src/util/rlp.js';
import { BASE_SEED, FUZZ_SCALE, Rng, fuzzDecoder, mutate } from '../devp2p/fuzz-helpers.js';

type Tree = string | Tree[];

/** Decoded item → hex tree, for deep equality that ignores views/offsets. */
function hexTree(item: RlpItem): Tree {
  return item instanceof Uint8Array ? bytesToHex(item) : item.map(hexTree);
}

/** What a decoder must return for an encoder input: integers minimal big-endian, strings UTF-8. */
function expectedTree(input: RlpInput): Tree {
  if (input instanceof Uint8Array) return bytesToHex(input);
  if (typeof input === 'number' || typeof input === 'bigint') return bytesToHex(uintToBytes(input));
  if (typeof input === 'string') return bytesToHex(fromUtf8(input));
  return input.map(expectedTree);
}

function rejects(data: Uint8Array, prefix = false): RlpError {
  try {
    if (prefix) rlpDecodePrefix(data);
    else rlpDecode(data);
  } catch (err) {
    expect(err).toBeInstanceOf(RlpError);
    expect((err as RlpError).kind).toBe('bad_rlp');
    return err as RlpError;
  }
  return expect.fail(`accepted ${bytesToHex(data).slice(0, 80)}`);
}

/** The `rlp` package's verdict: the decoded hex tree, or null if it threw. */
function oracle(data: Uint8Array): Tree | null {
  try {
    return hexTree(RLP.decode(data) as RlpItem);
  } catch {
    return null;
  }
}

function ours(data: Uint8Array): Tree | null {
  try {
    return hexTree(rlpDecode(data));
  } catch (err) {
    if (!(err instanceof RlpError)) throw err;
    return null;
  }
}

/** `depth` lists nested inside one another around an empty list (depth 1 = 0xc0), built inside out. */
function nestedLists(depth: number): Uint8Array {
  const headers: number[][] = [];
  let size = 1; // the innermost 0xc0
  for (let d = 1; d < depth; d++) {
    const len = uintToBytes(size);
    const h = size < 56 ? [0xc0 + size] : [0xf7 + len.length, ...len];
    headers.push(h);
    size += h.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = headers.length - 1; i >= 0; i--) {
    out.set(headers[i]!, at);
    at += headers[i]!.length;
  }
  out[at] = 0xc0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// ethereum/tests RLPTests/rlptest.json. In "in": "#…" is a bigint, "0x…" hex bytes, other strings
// text; the two longest cases are written compactly (their bytes are exactly the file's).

const LOREM_1024 =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit. Curabitur mauris magna, suscipit sed vehicula non, iaculis faucibus tortor. Proin suscipit ultricies malesuada. Duis tortor elit, dictum quis tristique eu, ultrices at risus. Morbi a est imperdiet mi ullamcorper aliquet suscipit nec lorem. Aenean quis leo mollis, vulputate elit varius, consequat enim. Nulla ultrices turpis justo, et posuere urna consectetur nec. Proin non convallis metus. Donec tempor ipsum in mauris congue sollicitudin. Vestibulum ante ipsum primis in faucibus orci luctus et ultrices posuere cubilia Curae; Suspendisse convallis sem vel massa faucibus, eget lacinia lacus tempor. Nulla quis ultricies purus. Proin auctor rhoncus nibh condimentum mollis. Aliquam consequat enim at metus luctus, a eleifend purus egestas. Curabitur at nibh metus. Nam bibendum, neque at auctor tristique, lorem libero aliquet arcu, non interdum tellus lectus sit amet eros. Cras rhoncus, metus ac ornare cursus, dolor justo ultrices metus, at ullamcorper volutpat';
const ASDF = ['asdf', 'qwer', 'zxcv'];
const ASDF_HEX = 'cf84617364668471776572847a786376';

type VectorIn = string | number | VectorIn[];
const VALID: Record<string, { in: VectorIn; out: string }> = {
  emptystring: { in: '', out: '80' },
  bytestring00: { in: '\u0000', out: '00' },
  bytestring01: { in: '\u0001', out: '01' },
  bytestring7F: { in: '\u007F', out: '7f' },
  shortstring: { in: 'dog', out: '83646f67' },
  shortstring2: {
    in: 'Lorem ipsum dolor sit amet, consectetur adipisicing eli',
    out: 'b74c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c69',
  },
  longstring: {
    in: 'Lorem ipsum dolor sit amet, consectetur adipisicing elit',
    out: 'b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974',
  },
  longstring2: { in: LOREM_1024, out: `b90400${Buffer.from(LOREM_1024).toString('hex')}` },
  zero: { in: 0, out: '80' },
  smallint: { in: 1, out: '01' },
  smallint2: { in: 16, out: '10' },
  smallint3: { in: 79, out: '4f' },
  smallint4: { in: 127, out: '7f' },
  mediumint1: { in: 128, out: '8180' },
  mediumint2: { in: 1000, out: '8203e8' },
  mediumint3: { in: 100000, out: '830186a0' },
  mediumint4: { in: '#83729609699884896815286331701780722', out: '8f102030405060708090a0b0c0d0e0f2' },
  mediumint5: {
    in: '#105315505618206987246253880190783558935785933862974822347068935681',
    out: '9c0100020003000400050006000700080009000a000b000c000d000e01',
  },
  emptylist: { in: [], out: 'c0' },
  stringlist: { in: ['dog', 'god', 'cat'], out: 'cc83646f6783676f6483636174' },
  multilist: { in: ['zw', [4], 1], out: 'c6827a77c10401' },
  shortListMax1: {
    in: ['asdf', 'qwer', 'zxcv', 'asdf', 'qwer', 'zxcv', 'asdf', 'qwer', 'zxcv', 'asdf', 'qwer'],
    out: 'f784617364668471776572847a78637684617364668471776572847a78637684617364668471776572847a78637684617364668471776572',
  },
  longList1: { in: [ASDF, ASDF, ASDF, ASDF], out: `f840${ASDF_HEX.repeat(4)}` },
  longList2: { in: Array.from({ length: 32 }, () => ASDF), out: `f90200${ASDF_HEX.repeat(32)}` },
  listsoflists: { in: [[[], []], []], out: 'c4c2c0c0c0' },
  listsoflists2: { in: [[], [[]], [[], [[]]]], out: 'c7c0c1c0c3c0c1c0' },
  dictTest1: {
    in: [['key1', 'val1'], ['key2', 'val2'], ['key3', 'val3'], ['key4', 'val4']],
    out: 'ecca846b6579318476616c31ca846b6579328476616c32ca846b6579338476616c33ca846b6579348476616c34',
  },
  bigint: {
    in: '#115792089237316195423570985008687907853269984665640564039457584007913129639936',
    out: 'a1010000000000000000000000000000000000000000000000000000000000000000',
  },
};

/**
 * rlptest.json "listofbinaries" is not one item: its "out" is a 4-element list (f8a7: 167 payload
 * bytes) followed by the 153 zero bytes its "in" lists as further elements — the EIP-8 auth body
 * with its padding. Strict decoders must reject it whole and can read it as a prefix.
 */
const LIST_OF_BINARIES = {
  in: [
    '0x299ca6acfd35e3d72d8ba3d1e2b60b5561d5af5218eb5bc182045769eb4226910a301acae3b369fffc4a4899d6b02531e89fd4fe36a2cf0d93607ba470b50f7800',
    '0xfda1cff674c90c9a197539fe3dfb53086ace64f83ed7c6eabec741f7f381cc803e52ab2cd55d5569bce4347107a310dfd5f88a010cd2ffd1005ca406f1842877',
    '0x7e968bba13b6c50e2c4cd7f241cc0d64d1ac25c7f5952df231ac6a2bda8ee5d6',
    '0x04',
    ...Array.from({ length: 153 }, () => '0x00'),
  ],
  out:
    'f8a7b841299ca6acfd35e3d72d8ba3d1e2b60b5561d5af5218eb5bc182045769eb4226910a301acae3b369fffc4a4899d6b02531e89fd4fe36a2cf0d93607ba470b50f7800' +
    'b840fda1cff674c90c9a197539fe3dfb53086ace64f83ed7c6eabec741f7f381cc803e52ab2cd55d5569bce4347107a310dfd5f88a010cd2ffd1005ca406f1842877' +
    'a07e968bba13b6c50e2c4cd7f241cc0d64d1ac25c7f5952df231ac6a2bda8ee5d604' +
    '00'.repeat(153),
};

/** ethereum/tests RLPTests/invalidRLPTest.json (current version, 27 cases). */
const INVALID: Record<string, string> = {
  int32Overflow: 'bf0f000000000000021111',
  int32Overflow2: 'ff0f000000000000021111',
  wrongSizeList: 'f80180',
  wrongSizeList2: 'f80100',
  incorrectLengthInArray: 'b9002100dc2b275d0f74e8a53e6f4ec61b27f24278820be3f82ea2110e582081b0565df0',
  randomRLP:
    'f861f83eb9002100dc2b275d0f74e8a53e6f4ec61b27f24278820be3f82ea2110e582081b0565df027b90015002d5ef8325ae4d034df55d4b58d0dfba64d61ddd17be00000b9001a00dae30907045a2f66fa36f2bb8aa9029cbb0b8a7b3b5c435ab331',
  bytesShouldBeSingleByte00: '8100',
  bytesShouldBeSingleByte01: '8101',
  bytesShouldBeSingleByte7F: '817F',
  leadingZerosInLongLengthArray1:
    'b90040000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  leadingZerosInLongLengthArray2: 'b800',
  leadingZerosInLongLengthList1:
    'fb00000040000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  leadingZerosInLongLengthList2: 'f800',
  nonOptimalLongLengthArray1: 'b81000112233445566778899aabbccddeeff',
  nonOptimalLongLengthArray2: 'b801ff',
  nonOptimalLongLengthList1: 'f810000102030405060708090a0b0c0d0e0f',
  nonOptimalLongLengthList2: 'f803112233',
  emptyEncoding: '',
  lessThanShortLengthArray1: '81',
  lessThanShortLengthArray2: 'a0000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e',
  lessThanShortLengthList1: 'c5010203',
  lessThanShortLengthList2: 'e201020304050607',
  lessThanLongLengthArray1: 'ba010000aabbccddeeff',
  lessThanLongLengthArray2: 'b840ffeeddccbbaa99887766554433221100',
  lessThanLongLengthList1: 'f90180',
  lessThanLongLengthList2: 'ffffffffffffffffff0001020304050607',
};

function vectorInput(v: VectorIn): RlpInput {
  if (Array.isArray(v)) return v.map(vectorInput);
  if (typeof v === 'number') return v;
  if (v.startsWith('#')) return BigInt(v.slice(1));
  if (v.startsWith('0x')) return hexToBytes(v);
  return v;
}

describe('ethereum/tests RLPTests', () => {
  it.each(Object.entries(VALID))('rlptest %s: encodes to "out" and decodes back', (_name, t) => {
    const input = vectorInput(t.in);
    expect(bytesToHex(rlpEncode(input))).toBe(t.out);
    const encoded = hexToBytes(t.out);
    expect(hexTree(rlpDecode(encoded))).toEqual(expectedTree(input));
    const { item, rest } = rlpDecodePrefix(encoded);
    expect(hexTree(item)).toEqual(expectedTree(input));
    expect(rest.length).toBe(0);
    // Re-encoding a decoded canonical item yields the same bytes.
    expect(bytesToHex(rlpEncode(rlpDecode(encoded) as RlpInput))).toBe(t.out);
  });

  it('rlptest listofbinaries: a list plus 153 padding bytes (EIP-8 auth body), not one item', () => {
    const out = hexToBytes(LIST_OF_BINARIES.out);
    expect(rejects(out).message).toMatch(/153 trailing bytes/);
    expect(oracle(out)).toBeNull();
    const { item, rest } = rlpDecodePrefix(out);
    const input = vectorInput(LIST_OF_BINARIES.in) as RlpInput[];
    expect(hexTree(item)).toEqual(expectedTree(input.slice(0, 4)));
    expect(bytesToHex(rest)).toBe('00'.repeat(153));
    // Encoding the "in" as a whole gives a 320-byte list (0x0140) with the very same body bytes.
    expect(bytesToHex(rlpEncode(input))).toBe(`f90140${LIST_OF_BINARIES.out.slice(4)}`);
  });

  it.each(Object.entries(INVALID))('invalidRLPTest %s: rejected with RlpError', (name, hex) => {
    const data = hexToBytes(hex);
    rejects(data);
    rejects(data, true);
    // The oracle agrees, except on empty input, which the package decodes to an empty string.
    if (name === 'emptyEncoding') expect(oracle(data)).toEqual('');
    else expect(oracle(data)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------

describe('decoder: canonical forms and boundaries', () => {
  const cases: [string, Uint8Array][] = [];
  for (const n of [0, 1, 2, 55, 56, 57, 255, 256, 65535, 65536, 70_000]) {
    const s = new Uint8Array(n).fill(0xab);
    cases.push([`string of ${n} bytes`, s]);
  }
  it.each(cases)('%s round-trips with the right header', (_name, s) => {
    const enc = rlpEncode(s);
    const n = s.length;
    const header = n === 1 && s[0]! < 0x80 ? 0 : n < 56 ? 1 : 1 + uintToBytes(n).length;
    expect(enc.length).toBe(header + n);
    if (n >= 56) expect(enc[0]).toBe(0xb7 + uintToBytes(n).length);
    expect(bytesToHex(rlpDecode(enc) as Uint8Array)).toBe(bytesToHex(s));
    expect(Buffer.from(enc).equals(Buffer.from(RLP.encode(s)))).toBe(true);
  });

  it('lists at the short/long boundary (55 / 56 payload bytes)', () => {
    const l55 = [new Uint8Array(54)]; // 1 + 54 = 55 payload bytes
    const l56 = [new Uint8Array(55)];
    expect(rlpEncode(l55)[0]).toBe(0xc0 + 55);
    expect(bytesToHex(rlpEncode(l56).subarray(0, 2))).toBe('f838');
    expect(hexTree(rlpDecode(rlpEncode(l56)))).toEqual(expectedTree(l56));
  });

  it('single bytes: < 0x80 stand alone, ≥ 0x80 take 0x81', () => {
    for (let b = 0; b < 256; b++) {
      const enc = rlpEncode(Uint8Array.of(b));
      expect(bytesToHex(enc)).toBe(b < 0x80 ? bytesToHex(Uint8Array.of(b)) : `81${bytesToHex(Uint8Array.of(b))}`);
      expect((rlpDecode(enc) as Uint8Array)[0]).toBe(b);
      if (b < 0x80) rejects(Uint8Array.of(0x81, b));
    }
  });

  it.each([
    ['long-form string for 55 bytes', `b837${'00'.repeat(55)}`],
    ['long-form string for 0 bytes', 'b800'],
    ['long-form list for 55 bytes', `f837${'00'.repeat(55)}`],
    ['leading zero in a 2-byte string length', `b90038${'00'.repeat(56)}`],
    ['leading zero in a 2-byte list length', `f90038${'00'.repeat(56)}`],
    ['leading zero in a 3-byte length for 256', `ba000100${'00'.repeat(256)}`],
  ])('non-canonical: %s', (_name, hex) => {
    rejects(hexToBytes(hex));
    expect(oracle(hexToBytes(hex))).toBeNull();
  });

  it.each([
    ['a 5-byte string length (2^32)', 'bc0100000000'],
    ['an 8-byte string length (2^64 - 1)', 'bfffffffffffffffff00'],
    ['a 5-byte list length', 'fc0100000000c0'],
    ['an 8-byte list length', 'ffffffffffffffffff'],
  ])('length ≥ 2^32 refused before it is read: %s', (_name, hex) => {
    expect(rejects(hexToBytes(hex)).message).toMatch(/length ≥ 2\^32/);
  });

  it.each([
    ['2^32-1 bytes claimed, 3 present', 'bbffffffff010203'],
    ['a list claiming 2^32-1 bytes', 'fbffffffffc0c0'],
    ['a string of 65535 with 1 byte', 'b9ffff00'],
    ['a length-of-length past the end', 'b9ff'],
    ['a list prefix alone', 'f9'],
  ])('absurd or truncated length: %s', (_name, hex) => {
    expect(rejects(hexToBytes(hex)).message).toMatch(/invalid RLP/);
  });

  it('an element cannot extend past its list, even when the input continues', () => {
    // c2 says 2 payload bytes, but the string inside needs 4: the rest of the input must not count.
    rejects(hexToBytes('c283616263'));
    rejects(hexToBytes('c283616263'), true);
    rejects(hexToBytes(`f839b838${'00'.repeat(57)}`)); // a list of 57 bytes holding a 58-byte item
  });

  it('rlpDecode rejects trailing bytes; rlpDecodePrefix returns them as a view', () => {
    const data = hexToBytes('c3010203deadbeef');
    expect(rejects(data).message).toMatch(/4 trailing bytes/);
    const { item, rest } = rlpDecodePrefix(data);
    expect(hexTree(item)).toEqual(['01', '02', '03']);
    expect(bytesToHex(rest)).toBe('deadbeef');
    expect(rest.buffer).toBe(data.buffer);
    expect(rest.byteOffset).toBe(4);
    expect(oracle(data)).toBeNull();
  });

  it('a failed decode leaves no state behind', () => {
    rejects(hexToBytes('c5010203'));
    expect(hexTree(rlpDecode(hexToBytes('c20102')))).toEqual(['01', '02']);
  });
});

describe('decoder: nesting limit', () => {
  it(`accepts ${RLP_MAX_DEPTH} nested lists and rejects ${RLP_MAX_DEPTH + 1}`, () => {
    let item = rlpDecode(nestedLists(RLP_MAX_DEPTH));
    for (let d = 1; d < RLP_MAX_DEPTH; d++) {
      expect(Array.isArray(item) && item.length).toBe(1);
      item = (item as RlpItem[])[0]!;
    }
    expect(item).toEqual([]);
    expect(oracle(nestedLists(RLP_MAX_DEPTH + 1))).not.toBeNull(); // the package has no limit
    expect(rejects(nestedLists(RLP_MAX_DEPTH + 1)).message).toMatch(/nested deeper than 64/);
  });

  it('hostile nesting 200 000 deep is a typed error, not a stack overflow', () => {
    const deep = nestedLists(200_000);
    expect(deep.length).toBeGreaterThan(600_000);
    rejects(deep);
    rejects(deep, true);
    // 0xc1 repeated: each list claims one byte, so the inner list overruns at the second level.
    rejects(new Uint8Array(100_000).fill(0xc1));
  });

  it('the encoder refuses the same depth with RangeError', () => {
    let deep: RlpInput = [];
    for (let d = 1; d < RLP_MAX_DEPTH; d++) deep = [deep];
    expect(bytesToHex(rlpEncode(deep))).toBe(bytesToHex(nestedLists(RLP_MAX_DEPTH)));
    expect(() => rlpEncode([deep])).toThrow(RangeError);
  });
});

describe('decoder: zero-copy views', () => {
  it('byte strings are plain Uint8Array views into the input, also for Buffer input', () => {
    const backing = new Uint8Array(64);
    const enc = rlpEncode([new Uint8Array(32).fill(7), [Uint8Array.of(1)], 'dog']);
    backing.set(enc, 10);
    const input = Buffer.from(backing.buffer, 10, enc.length);
    const [hash, inner, dog] = rlpDecode(input) as [Uint8Array, Uint8Array[], Uint8Array];
    for (const v of [hash, inner[0]!, dog]) {
      expect(Object.getPrototypeOf(v)).toBe(Uint8Array.prototype);
      expect(v.buffer).toBe(backing.buffer);
    }
    expect(hash.byteOffset).toBe(10 + 1 + 1); // list header, string header
    expect(bytesToHex(dog)).toBe('646f67');
    // Views share memory: a caller keeping data past the input's life must copy (header contract).
    backing[hash.byteOffset] = 9;
    expect(hash[0]).toBe(9);
  });
});

describe('encoder', () => {
  it.each([
    [0, '80'],
    [0n, '80'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [0xffffffff, '84ffffffff'],
    [2 ** 32, '850100000000'],
    [Number.MAX_SAFE_INTEGER, '871fffffffffffff'],
    [BigInt(Number.MAX_SAFE_INTEGER) + 1n, '8720000000000000'],
    [2n ** 64n - 1n, '88ffffffffffffffff'],
    [2n ** 256n - 1n, `a0${'ff'.repeat(32)}`],
    ['', '80'],
    ['ü', '82c3bc'],
    ['0x01', '8430783031'], // text, not hex (the package would give 0x01)
  ] as [RlpInput, string][])('%s → %s (minimal integers, UTF-8 text)', (input, hex) => {
    expect(bytesToHex(rlpEncode(input))).toBe(hex);
  });

  it.each([[-1], [-1n], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [Number.MAX_SAFE_INTEGER + 1]])(
    '%s → RangeError',
    (v) => {
      expect(() => rlpEncode(v as RlpInput)).toThrow(RangeError);
      expect(() => rlpEncode([1, [v as RlpInput]])).toThrow(RangeError);
    },
  );

  it.each([[null], [undefined], [{}], [true]])('%s → TypeError', (v) => {
    expect(() => rlpEncode(v as unknown as RlpInput)).toThrow(TypeError);
  });

  it('a long list with a multi-byte header (70 000 payload bytes)', () => {
    const items = Array.from({ length: 700 }, (_, i) => new Uint8Array(98).fill(i & 0xff));
    const enc = rlpEncode(items);
    expect(bytesToHex(enc.subarray(0, 4))).toBe('fa011170'); // 700 × (2 + 98) = 70 000 = 0x011170
    expect(Buffer.from(enc).equals(Buffer.from(RLP.encode(items)))).toBe(true);
    expect((rlpDecode(enc) as RlpItem[]).length).toBe(700);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential tests against the `rlp` package.

const LENGTHS = [0, 1, 1, 1, 2, 3, 20, 32, 33, 54, 55, 56, 57, 64, 65, 200, 255, 256, 300];

function randomInput(rng: Rng, depth: number): RlpInput {
  const kind = depth >= 5 ? rng.int(4) : rng.int(6);
  switch (kind) {
    case 0: {
      const n = rng.int(3) === 0 ? rng.int(80) : rng.pick(LENGTHS);
      const b = rng.bytes(n);
      if (n === 1 && rng.bool()) b[0] = rng.pick([0x00, 0x7f, 0x80, 0xff]);
      return b;
    }
    case 1:
      return rng.pick([0, 1, 127, 128, 255, 256, 0xffff, 0x10000, 0xffffffff, 2 ** 32, Number.MAX_SAFE_INTEGER, rng.u32(), rng.int(300)]);
    case 2:
      return rng.u64() << BigInt(rng.int(3) * 64);
    case 3: {
      // Text without a "0x" prefix (the package would read that as hex).
      const n = rng.pick([0, 1, 3, 55, 56, 80]);
      let s = '';
      for (let i = 0; i < n; i++) s += rng.pick(['a', 'z', 'ü', '€', ' ', '\u0000', '\u007f']);
      return s;
    }
    default: {
      const n = rng.int(3) === 0 ? rng.int(20) : rng.int(5);
      return Array.from({ length: n }, () => randomInput(rng, depth + 1));
    }
  }
}

describe('differential vs the rlp package', () => {
  const N = 2000 * FUZZ_SCALE;

  it(`encodes ${N} random inputs to the same bytes and decodes them to the same structure`, () => {
    const rng = new Rng(BASE_SEED + 1);
    for (let i = 0; i < N; i++) {
      const input = randomInput(rng, 0);
      const enc = rlpEncode(input);
      const theirs = RLP.encode(input as never);
      if (!Buffer.from(enc).equals(Buffer.from(theirs))) expect.fail(`seed ${BASE_SEED + 1} case ${i}: encodings differ`);
      const decoded = hexTree(rlpDecode(enc));
      expect(decoded).toEqual(expectedTree(input));
      expect(decoded).toEqual(oracle(enc));
      // Canonical: re-encoding the decoded item gives back the very bytes.
      expect(Buffer.from(rlpEncode(rlpDecode(enc) as RlpInput)).equals(Buffer.from(enc))).toBe(true);
    }
  });

  it('every strict prefix of a valid encoding is rejected by both', () => {
    const rng = new Rng(BASE_SEED + 2);
    let checked = 0;
    for (let i = 0; i < 300 * FUZZ_SCALE; i++) {
      const enc = rlpEncode(randomInput(rng, 1));
      // Every cut of short encodings; the first and last bytes plus random cuts of long ones.
      const cuts = enc.length <= 64 ? enc.keys() : [0, 1, 2, 3, enc.length - 2, enc.length - 1, ...Array.from({ length: 24 }, () => rng.int(enc.length))];
      for (const cut of cuts) {
        const part = enc.subarray(0, cut);
        if (ours(part) !== null || (cut > 0 && oracle(part) !== null)) expect.fail(`prefix ${cut}/${enc.length} of ${bytesToHex(enc).slice(0, 200)} accepted`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('random and mutated bytes: both accept (same structure) or both reject', () => {
    const rng = new Rng(BASE_SEED + 3);
    const seeds = Array.from({ length: 64 }, () => rlpEncode(randomInput(rng, 0)));
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000 * FUZZ_SCALE; i++) {
      const data = i % 5 === 0 ? rng.bytes(1 + rng.int(64)) : mutate(rng, rng.pick(seeds));
      if (data.length === 0) continue; // the package's empty-input quirk, covered above
      const a = ours(data);
      const b = oracle(data);
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        expect.fail(`seed ${BASE_SEED + 3} case ${i}: ${bytesToHex(data).slice(0, 200)} → ours ${a === null ? 'reject' : 'accept'}, rlp ${b === null ? 'reject' : 'accept'}`);
      }
      if (a === null) rejected++;
      else accepted++;
    }
    // The fuzzer must exercise both outcomes to mean anything.
    expect(accepted).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
  });
});

describe('fuzz: only RlpError escapes', () => {
  it('rlpDecode and rlpDecodePrefix on random and mutated inputs', () => {
    const rng = new Rng(BASE_SEED + 4);
    const seeds = [...Object.values(VALID).map((v) => hexToBytes(v.out)), ...Object.values(INVALID).map(hexToBytes), nestedLists(70)];
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 20_000 * FUZZ_SCALE; i++) {
      inputs.push(i % 4 === 0 ? rng.bytes(rng.int(300)) : mutate(rng, rng.pick(seeds)));
    }
    const whole = fuzzDecoder(rlpDecode, inputs, [RlpError]);
    const prefix = fuzzDecoder(rlpDecodePrefix, inputs, [RlpError]);
    expect(whole.ok).toBeGreaterThan(100);
    expect(prefix.ok).toBeGreaterThan(whole.ok);
    expect(whole.failed).toBeGreaterThan(1000);
  });
});

// ---------------------------------------------------------------------------------------------

describe('shape helpers', () => {
  const item = rlpDecode(rlpEncode([1, 'abc', [2, 3], 2n ** 64n, new Uint8Array(9)])) as RlpItem[];

  it('asList / asBytes check shape and length', () => {
    expect(asList(item, 'x', 5)).toBe(item);
    expect(() => asList(item, 'x', 6)).toThrow(RlpError);
    expect(() => asList(item[1], 'x')).toThrow(/expected a list/);
    expect(() => asList(undefined, 'x')).toThrow(RlpError);
    expect(bytesToHex(asBytes(item[1], 'x', 3))).toBe('616263');
    expect(() => asBytes(item[1], 'x', 4)).toThrow(/expected 4 bytes/);
    expect(() => asBytes(item[1], 'x', undefined, 2)).toThrow(/≤2 bytes/);
    expect(() => asBytes(item[2], 'x')).toThrow(/byte string/);
  });

  it('asSafeNumber / asBigInt decode integers with size caps', () => {
    expect(asSafeNumber(item[0], 'x')).toBe(1);
    expect(() => asSafeNumber(item[3], 'x')).toThrow(RlpError); // 9 bytes
    expect(() => asSafeNumber(rlpDecode(rlpEncode(2n ** 60n)), 'x')).toThrow(/too large/);
    expect(asBigInt(item[3], 'x')).toBe(2n ** 64n);
    expect(() => asBigInt(item[4], 'x', 8)).toThrow(RlpError);
    for (const e of [() => asSafeNumber(item[2], 'x'), () => asBigInt(undefined, 'x')]) {
      expect(e).toThrow(NodeFinderError);
    }
  });
});
