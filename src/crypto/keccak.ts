/**
 * keccak256 in WebAssembly for short and medium inputs: node ids (64-byte keys), FINDNODE targets,
 * and the two ~1 KB hashes every NEIGHBORS packet needs (hash check + signing digest). Short inputs
 * cost call overhead plus one permutation; a long one is copied into WASM memory with one set() and
 * all its blocks are absorbed and permuted in one call, so JS↔WASM overhead is paid once per hash.
 *
 * The permutation runs as a small WebAssembly function that this module assembles at load time: 64-bit
 * lanes make each rotation one instruction (pure JS needs 32-bit halves and ~2× the operations), and a
 * call into it costs far less than the `keccak` addon's four N-API calls and Buffer allocation.
 * bench/keccak.bench.ts has the numbers. The module is generated from the Keccak reference definition
 * (rotation offsets and round constants are computed below, not tabled), and index.ts only uses it
 * after a known-answer check, so a broken build can never hash wrongly: it falls back instead.
 *
 * Layout of the module's one memory page: bytes 0..31 the digest, bytes 256..447 the 24 round constants,
 * bytes 512.. the padded input (whole 136-byte blocks of lanes 0..16, little-endian as Keccak specifies).
 *
 * Not kept: a batched entry point hashing all of a NEIGHBORS packet's 64-byte keys in one call. The
 * permutation is ~0.4 µs of the ~0.45 µs per id, so it saved nothing measurable (CPU-time A/B, 12 ids:
 * 5.7 µs either way; decodePacket unchanged within noise).
 */

/** keccak256 rate: (1600 − 2·256) / 8 bytes (Keccak reference, keccak[c=512]). */
export const KECCAK256_RATE = 136;
/** Longest input that pads into a single block: one byte of the rate is always padding. */
export const KECCAK256_SINGLE_BLOCK_MAX = KECCAK256_RATE - 1;

const ROUNDS = 24; // keccak-f[1600]: 12 + 2·ℓ rounds, ℓ = 6
const RC_OFFSET = 256;
const INPUT_OFFSET = 512;
const PAGE = 65536;
/** Whole blocks that fit in the one memory page after the input offset. */
const MAX_BLOCKS = Math.floor((PAGE - INPUT_OFFSET) / KECCAK256_RATE);
/** Longest input the WebAssembly path can take (the padded input must fit its one page): 65 007 bytes. */
export const KECCAK256_WASM_MAX = MAX_BLOCKS * KECCAK256_RATE - 1;

/** ι round constants from the reference LFSR rc(t) (x⁸ + x⁶ + x⁵ + x⁴ + 1); bit 2^j − 1 of round i is rc(j + 7i). */
function roundConstants(): bigint[] {
  const out: bigint[] = [];
  let lfsr = 1;
  for (let i = 0; i < ROUNDS; i++) {
    let rc = 0n;
    for (let j = 0; j < 7; j++) {
      if (lfsr & 1) rc |= 1n << BigInt((1 << j) - 1);
      lfsr = lfsr & 0x80 ? ((lfsr << 1) ^ 0x71) & 0xff : (lfsr << 1) & 0xff;
    }
    out.push(rc);
  }
  return out;
}

/** ρ offsets by lane index x + 5y: walk (x, y) ← (y, 2x + 3y) from (1, 0), offset (t+1)(t+2)/2 mod 64. */
function rotationOffsets(): number[] {
  const r = new Array<number>(25).fill(0);
  let x = 1;
  let y = 0;
  for (let t = 0; t < 24; t++) {
    r[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  return r;
}

// WebAssembly opcodes used (core spec §5.4).
const OP = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i64Load: 0x29,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Ne: 0x47,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i64And: 0x83,
  i64Xor: 0x85,
  i64Rotl: 0x89,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a small int (the constants here are −1..447). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

/**
 * The body of `absorb(blocks)`: for each of `blocks` (≥ 1) padded blocks from INPUT_OFFSET on, xor
 * lanes 0..16 into the state and run 24 rounds; then store lanes 0..3 (the digest) at 0.
 */
function absorbBody(): number[] {
  const R = rotationOffsets();
  // Locals: 0 = blocks left (i32 param), 1 = round byte offset, 2 = block address (i32);
  // then i64: a[25] state, b[25] after ρ∘π, c[5], d[5].
  const BLOCKS = 0;
  const ROUND = 1;
  const PTR = 2;
  const a = (i: number) => 3 + i;
  const b = (i: number) => 28 + i;
  const c = (i: number) => 53 + i;
  const d = (i: number) => 58 + i;
  const get = (l: number) => [OP.localGet, ...uleb(l)];
  const set = (l: number) => [OP.localSet, ...uleb(l)];
  const memarg = (offset: number) => [3, ...uleb(offset)]; // align 2^3
  const code: number[] = [];
  const emit = (...ops: (number | number[])[]) => {
    for (const o of ops) typeof o === 'number' ? code.push(o) : code.push(...o);
  };
  // The state starts at zero (locals are zero-initialised); blocks only ever touch the rate, lanes 0..16.
  emit(OP.i32Const, sleb(INPUT_OFFSET), set(PTR));
  emit(OP.loop, 0x40);
  for (let i = 0; i < 17; i++) emit(get(a(i)), get(PTR), OP.i64Load, memarg(8 * i), OP.i64Xor, set(a(i)));
  emit(OP.i32Const, sleb(0), set(ROUND));
  emit(OP.loop, 0x40);
  // θ: c[x] = ⊕y a[x,y]; d[x] = c[x−1] ⊕ rot(c[x+1], 1)
  for (let x = 0; x < 5; x++) {
    emit(get(a(x)));
    for (let y = 1; y < 5; y++) emit(get(a(x + 5 * y)), OP.i64Xor);
    emit(set(c(x)));
  }
  for (let x = 0; x < 5; x++) {
    emit(get(c((x + 4) % 5)), get(c((x + 1) % 5)), OP.i64Const, sleb(1), OP.i64Rotl, OP.i64Xor, set(d(x)));
  }
  // θ applied, then ρ and π: b[y, 2x+3y] = rot(a[x,y] ⊕ d[x], r[x,y])
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      const i = x + 5 * y;
      emit(get(a(i)), get(d(x)), OP.i64Xor);
      if (R[i] !== 0) emit(OP.i64Const, sleb(R[i]!), OP.i64Rotl);
      emit(set(b(y + 5 * ((2 * x + 3 * y) % 5))));
    }
  }
  // χ: a[x,y] = b[x,y] ⊕ (¬b[x+1,y] ∧ b[x+2,y])
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      const row = 5 * y;
      emit(get(b(row + x)), get(b(row + ((x + 1) % 5))), OP.i64Const, sleb(-1), OP.i64Xor);
      emit(get(b(row + ((x + 2) % 5))), OP.i64And, OP.i64Xor, set(a(row + x)));
    }
  }
  // ι, then next round while the offset has not reached the end of the table
  emit(get(a(0)), get(ROUND), OP.i64Load, memarg(RC_OFFSET), OP.i64Xor, set(a(0)));
  emit(get(ROUND), OP.i32Const, sleb(8), OP.i32Add, set(ROUND));
  emit(get(ROUND), OP.i32Const, sleb(8 * ROUNDS), OP.i32Ne, OP.brIf, 0, OP.end);
  // next block while any are left (the caller passes ≥ 1; the rate is a multiple of 8, so loads stay aligned)
  emit(get(PTR), OP.i32Const, sleb(KECCAK256_RATE), OP.i32Add, set(PTR));
  emit(get(BLOCKS), OP.i32Const, sleb(1), OP.i32Sub, OP.localTee, uleb(BLOCKS), OP.brIf, 0, OP.end);
  for (let i = 0; i < 4; i++) emit(OP.i32Const, sleb(0), get(a(i)), OP.i64Store, memarg(8 * i));
  emit(OP.end);
  const locals = vec([
    [...uleb(2), 0x7f], // i32
    [...uleb(60), 0x7e], // i64
  ]);
  return [...locals, ...code];
}

/** The whole module: exports memory "m" and `a: (blocks: i32) → ()` (absorb the padded input, digest to 0..31). */
export function buildKeccakModule(): Uint8Array {
  const rc = roundConstants().flatMap((v) => Array.from({ length: 8 }, (_, k) => Number((v >> BigInt(8 * k)) & 0xffn)));
  const body = absorbBody();
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 0x01, 0x7f, 0x00]])), // type 0: (i32) → ()
    ...section(3, vec([[0x00]])), // func 0 has type 0
    ...section(5, vec([[0x00, 0x01]])), // memory 0: min 1 page, no max
    ...section(7, vec([
      [...name('m'), 0x02, 0x00],
      [...name('a'), 0x00, 0x00],
    ])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
    ...section(11, vec([[0x00, OP.i32Const, ...sleb(RC_OFFSET), OP.end, ...vec(rc.map((x) => [x]))]])),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/**
 * Instantiates the module and returns keccak256 for inputs of at most KECCAK256_WASM_MAX bytes
 * (longer ones throw RangeError: callers route them elsewhere), or undefined when WebAssembly is not
 * available or the result fails its known answers. Not reentrant across threads, but JS calls it from
 * one thread and it never yields.
 */
export function createWasmKeccak256(): ((data: Uint8Array) => Uint8Array) | undefined {
  let absorb: (blocks: number) => void;
  let mem: Uint8Array;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return undefined;
    const instance = new wasm.Instance(new wasm.Module(buildKeccakModule()));
    absorb = instance.exports.a as (blocks: number) => void;
    // The memory never grows, so this view stays valid.
    mem = new Uint8Array((instance.exports.m as { buffer: ArrayBuffer }).buffer, 0, PAGE);
  } catch {
    return undefined;
  }
  const hash = (data: Uint8Array): Uint8Array => {
    const n = data.length;
    if (n > KECCAK256_WASM_MAX) throw new RangeError(`WebAssembly keccak256 takes ≤ ${KECCAK256_WASM_MAX} bytes, got ${n}`);
    // pad10*1 with Keccak's domain byte 0x01 (not SHA-3's 0x06): always at least one byte of padding,
    // so n = 136·k pads to a whole extra block; when the padding is one byte both bits land in it.
    const blocks = Math.floor(n / KECCAK256_RATE) + 1;
    const end = INPUT_OFFSET + blocks * KECCAK256_RATE;
    mem.set(data, INPUT_OFFSET);
    mem.fill(0, INPUT_OFFSET + n, end);
    mem[INPUT_OFFSET + n] = 0x01;
    mem[end - 1] = mem[end - 1]! | 0x80;
    absorb(blocks);
    return mem.slice(0, 32);
  };
  return selfTest(hash) ? hash : undefined;
}

/** The same function restricted to single-block inputs (≤ 135 bytes); longer ones throw RangeError. */
export function createSingleBlockKeccak256(): ((data: Uint8Array) => Uint8Array) | undefined {
  const hash = createWasmKeccak256();
  if (hash === undefined) return undefined;
  return (data) => {
    if (data.length > KECCAK256_SINGLE_BLOCK_MAX) {
      throw new RangeError(`single-block keccak256 takes ≤ ${KECCAK256_SINGLE_BLOCK_MAX} bytes, got ${data.length}`);
    }
    return hash(data);
  };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

/**
 * Known answers (Keccak team's empty-string and "abc" digests; the 0x00,0x01,… patterns cross-checked
 * in @noble/hashes and the `keccak` addon): together they cover every lane of the block, the padding
 * bytes landing in one byte (n = 135), a padding-only last block (n = 136, 272), a multi-block input
 * with a partial last block (n = 1025), and every round constant and rotation, since any wrong one
 * changes all digests.
 */
function selfTest(hash: (data: Uint8Array) => Uint8Array): boolean {
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
    [Uint8Array.of(0x61, 0x62, 0x63), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
    [pattern(135), 'cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62'],
    [pattern(136), '7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e'],
    [pattern(272), 'fdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e'],
    [pattern(1025), '3d79417ffcc9bf5c3b70efd014fbc41251613b60c252a054cb0aec5f5c83cc22'],
  ];
  try {
    return cases.every(([input, want]) => hex(hash(input)) === want);
  } catch {
    return false;
  }
}
