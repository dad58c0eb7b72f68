/**
 * keccak256 of inputs that fit one block (≤ 135 bytes): node ids (64-byte keys), signing digests of
 * small packets, FINDNODE targets. Every such input is one absorb, one keccak-f[1600], one squeeze,
 * so the cost is call overhead plus one permutation.
 *
 * The permutation runs as a small WebAssembly function that this module assembles at load time: 64-bit
 * lanes make each rotation one instruction (pure JS needs 32-bit halves and ~2× the operations), and a
 * call into it costs far less than the `keccak` addon's four N-API calls and Buffer allocation.
 * bench/keccak.bench.ts has the numbers. The module is generated from the Keccak reference definition
 * (rotation offsets and round constants are computed below, not tabled), and index.ts only uses it
 * after a known-answer check, so a broken build can never hash wrongly: it falls back instead.
 *
 * Layout of the module's one memory page: bytes 0..135 the padded block (lanes 0..16, little-endian as
 * Keccak specifies; the digest is written back over lanes 0..3), bytes 256..447 the 24 round constants.
 */

/** keccak256 rate: (1600 − 2·256) / 8 bytes (Keccak reference, keccak[c=512]). */
export const KECCAK256_RATE = 136;
/** Longest input that pads into a single block: one byte of the rate is always padding. */
export const KECCAK256_SINGLE_BLOCK_MAX = KECCAK256_RATE - 1;

const ROUNDS = 24; // keccak-f[1600]: 12 + 2·ℓ rounds, ℓ = 6
const RC_OFFSET = 256;

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
  i64Load: 0x29,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Ne: 0x47,
  i32Add: 0x6a,
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

/** The body of `permute()`: load lanes 0..16, 24 rounds, store lanes 0..3. */
function permuteBody(): number[] {
  const R = rotationOffsets();
  // Locals: 0 = round byte offset (i32); then i64: a[25] state, b[25] after ρ∘π, c[5], d[5].
  const a = (i: number) => 1 + i;
  const b = (i: number) => 26 + i;
  const c = (i: number) => 51 + i;
  const d = (i: number) => 56 + i;
  const get = (l: number) => [OP.localGet, ...uleb(l)];
  const set = (l: number) => [OP.localSet, ...uleb(l)];
  const memarg = (offset: number) => [3, ...uleb(offset)]; // align 2^3
  const code: number[] = [];
  const emit = (...ops: (number | number[])[]) => {
    for (const o of ops) typeof o === 'number' ? code.push(o) : code.push(...o);
  };
  // Lanes 17..24 start at zero (locals are zero-initialised): a single block only fills the rate.
  for (let i = 0; i < 17; i++) emit(OP.i32Const, sleb(0), OP.i64Load, memarg(8 * i), set(a(i)));
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
  emit(get(a(0)), get(0), OP.i64Load, memarg(RC_OFFSET), OP.i64Xor, set(a(0)));
  emit(get(0), OP.i32Const, sleb(8), OP.i32Add, set(0));
  emit(get(0), OP.i32Const, sleb(8 * ROUNDS), OP.i32Ne, OP.brIf, 0, OP.end);
  for (let i = 0; i < 4; i++) emit(OP.i32Const, sleb(0), get(a(i)), OP.i64Store, memarg(8 * i));
  emit(OP.end);
  const locals = vec([
    [...uleb(1), 0x7f], // i32
    [...uleb(60), 0x7e], // i64
  ]);
  return [...locals, ...code];
}

/** The whole module: exports memory "m" and `p: () → ()` (permute the block at 0, digest to 0..31). */
export function buildKeccakModule(): Uint8Array {
  const rc = roundConstants().flatMap((v) => Array.from({ length: 8 }, (_, k) => Number((v >> BigInt(8 * k)) & 0xffn)));
  const body = permuteBody();
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 0x00, 0x00]])), // type 0: () → ()
    ...section(3, vec([[0x00]])), // func 0 has type 0
    ...section(5, vec([[0x00, 0x01]])), // memory 0: min 1 page, no max
    ...section(7, vec([
      [...name('m'), 0x02, 0x00],
      [...name('p'), 0x00, 0x00],
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
 * Instantiates the module and returns keccak256 for inputs of at most KECCAK256_SINGLE_BLOCK_MAX bytes
 * (longer ones throw RangeError: callers route them elsewhere), or undefined when WebAssembly is not
 * available or the result fails its known answers. Not reentrant across threads, but JS calls it from one thread and it never yields.
 */
export function createSingleBlockKeccak256(): ((data: Uint8Array) => Uint8Array) | undefined {
  let permute: () => void;
  let mem: Uint8Array;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return undefined;
    const instance = new wasm.Instance(new wasm.Module(buildKeccakModule()));
    permute = instance.exports.p as () => void;
    // The memory never grows, so this view stays valid.
    mem = new Uint8Array((instance.exports.m as { buffer: ArrayBuffer }).buffer, 0, KECCAK256_RATE);
  } catch {
    return undefined;
  }
  const hash = (data: Uint8Array): Uint8Array => {
    const n = data.length;
    if (n > KECCAK256_SINGLE_BLOCK_MAX) throw new RangeError(`single-block keccak256 takes ≤ ${KECCAK256_SINGLE_BLOCK_MAX} bytes, got ${n}`);
    // pad10*1 with Keccak's domain byte 0x01 (not SHA-3's 0x06); when n = 135 both land in one byte.
    mem.set(data);
    mem.fill(0, n);
    mem[n] = 0x01;
    mem[KECCAK256_SINGLE_BLOCK_MAX] = mem[KECCAK256_SINGLE_BLOCK_MAX]! | 0x80;
    permute();
    return mem.slice(0, 32);
  };
  return selfTest(hash) ? hash : undefined;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Known answers (Keccak team's empty-string and "abc" digests; 0x00..0x86 cross-checked with two other
 * implementations): together they cover every lane of the block, the padding bytes landing in one
 * byte (n = 135), and every round constant and rotation, since any wrong one changes all digests.
 */
function selfTest(hash: (data: Uint8Array) => Uint8Array): boolean {
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
    [Uint8Array.of(0x61, 0x62, 0x63), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
    [Uint8Array.from({ length: 135 }, (_, i) => i), 'cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62'],
  ];
  try {
    return cases.every(([input, want]) => hex(hash(input)) === want);
  } catch {
    return false;
  }
}
