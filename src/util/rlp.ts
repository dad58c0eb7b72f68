/**
 * RLP (Yellow Paper appendix B; ethereum.org "Recursive-length prefix") — our own strict codec.
 *
 * Decoding treats every byte as hostile and accepts only the canonical encoding, as geth's `rlp`
 * package does: a single byte < 0x80 must stand alone (not 0x81 xx), lengths < 56 must use the
 * short form, long-form lengths must not start with a zero byte, no item may extend past its
 * enclosing list or the input, `rlpDecode` rejects trailing bytes, lengths ≥ 2^32 and nesting
 * deeper than RLP_MAX_DEPTH are refused. Every failure is an `RlpError` (kind `bad_rlp`). Nothing
 * is allocated from a declared length: a list's array grows one decoded element (≥ 1 input byte)
 * at a time.
 *
 * CONTRACT — decoded byte strings are zero-copy VIEWS into the input (plain Uint8Array, also for
 * Buffer input). Do not mutate them, and copy (`Uint8Array.from`) whatever outlives the input or
 * would pin a large buffer (keys and hashes kept in tables or maps, fields of a multi-MiB message).
 *
 * Encoding: byte strings, safe non-negative integer numbers and non-negative bigints (minimal
 * big-endian, 0 → empty string), strings as UTF-8 text (no "0x" hex reading, unlike the `rlp`
 * package), nested arrays. Invalid values throw RangeError/TypeError: they are our bugs, not input.
 */
import { NodeFinderError } from '../errors.js';
import { bytesToSafeNumber, bytesToBigInt } from './bytes.js';

export type RlpItem = Uint8Array | RlpItem[];
export type RlpInput = Uint8Array | number | bigint | string | RlpInput[];

/**
 * Deepest list nesting we decode or encode. The spec sets no limit; real devp2p messages nest a few
 * levels (BlockBodies: body → txs → tx → access list → keys). The cap keeps hostile input such as
 * 0xc1c1c1… from exhausting the stack.
 */
export const RLP_MAX_DEPTH = 64;

/** Long-form lengths take at most 4 bytes (< 2^32): no devp2p payload comes close (RLPx frame ≤ 16 MiB). */
export const RLP_MAX_LENGTH_BYTES = 4;

export class RlpError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_rlp', message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder. One pass over the input with module-level cursor state: decoding never calls out to
// user code, so there is no re-entrancy; every entry point resets the state first.

const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let srcBuffer: ArrayBufferLike = EMPTY.buffer;
let srcOffset = 0;
let pos = 0;

function view(start: number, length: number): Uint8Array {
  return new Uint8Array(srcBuffer, srcOffset + start, length);
}

function begin(data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) throw new RlpError('invalid RLP: input is not a byte array');
  if (data.length === 0) throw new RlpError('invalid RLP: empty input');
  src = data;
  srcBuffer = data.buffer;
  srcOffset = data.byteOffset;
  pos = 0;
}

function end(): void {
  // Drop the reference so a decoded-and-forgotten input can be collected.
  src = EMPTY;
  srcBuffer = EMPTY.buffer;
}

/** Read a long-form length of `lenOfLen` bytes after the prefix at `pos`; leaves `pos` unchanged. */
function longLength(lenOfLen: number, limit: number): number {
  const at = pos + 1;
  if (lenOfLen > limit - at) throw new RlpError(`invalid RLP: length of ${lenOfLen} bytes truncated at byte ${pos}`);
  if (src[at] === 0) throw new RlpError(`invalid RLP: non-canonical length with a leading zero at byte ${pos}`);
  if (lenOfLen > RLP_MAX_LENGTH_BYTES) throw new RlpError(`invalid RLP: length ≥ 2^32 at byte ${pos}`);
  let length = 0;
  for (let i = 0; i < lenOfLen; i++) length = length * 256 + src[at + i]!;
  if (length < 56) throw new RlpError(`invalid RLP: non-canonical long form for length ${length} at byte ${pos}`);
  return length;
}

/** Decode the item at `pos`, which must lie within [pos, limit); advances `pos` past it. */
function item(limit: number, depth: number): RlpItem {
  const b = src[pos]!;
  if (b < 0x80) return view(pos++, 1);
  let start: number;
  let length: number;
  if (b <= 0xb7) {
    start = pos + 1;
    length = b - 0x80;
    if (length > limit - start) throw new RlpError(`invalid RLP: string of ${length} bytes at byte ${pos} runs past its end`);
    if (length === 1 && src[start]! < 0x80) {
      throw new RlpError(`invalid RLP: non-canonical single byte 0x81 ${src[start]!.toString(16)} at byte ${pos}`);
    }
    pos = start + length;
    return view(start, length);
  }
  if (b <= 0xbf) {
    length = longLength(b - 0xb7, limit);
    start = pos + 1 + (b - 0xb7);
    if (length > limit - start) throw new RlpError(`invalid RLP: string of ${length} bytes at byte ${pos} runs past its end`);
    pos = start + length;
    return view(start, length);
  }
  if (b <= 0xf7) {
    start = pos + 1;
    length = b - 0xc0;
  } else {
    length = longLength(b - 0xf7, limit);
    start = pos + 1 + (b - 0xf7);
  }
  if (length > limit - start) throw new RlpError(`invalid RLP: list of ${length} bytes at byte ${pos} runs past its end`);
  if (depth >= RLP_MAX_DEPTH) throw new RlpError(`invalid RLP: lists nested deeper than ${RLP_MAX_DEPTH} at byte ${pos}`);
  const listEnd = start + length;
  const out: RlpItem[] = [];
  pos = start;
  while (pos < listEnd) out.push(item(listEnd, depth + 1));
  return out;
}

/** Decode exactly one item occupying all of `data`. Byte strings are views into `data`. */
export function rlpDecode(data: Uint8Array): RlpItem {
  begin(data);
  try {
    const result = item(data.length, 0);
    if (pos !== data.length) throw new RlpError(`invalid RLP: ${data.length - pos} trailing bytes after the item`);
    return result;
  } finally {
    end();
  }
}

/**
 * Decode the first item and return it with the bytes after it (a view). EIP-8 asks receivers to
 * ignore trailing data after the RLP list (discv4 packets, auth/ack bodies).
 */
export function rlpDecodePrefix(data: Uint8Array): { item: RlpItem; rest: Uint8Array } {
  begin(data);
  try {
    const result = item(data.length, 0);
    return { item: result, rest: view(pos, data.length - pos) };
  } finally {
    end();
  }
}

// ---------------------------------------------------------------------------------------------
// Encoder. Pass 1 flattens the input in pre-order into `ops` (byte strings, integer numbers, and
// list headers stored as -(payload length) - 1) and sums the size; pass 2 writes one buffer.

type Op = Uint8Array | number;

/** Bytes of the minimal big-endian form of a safe integer v > 0. */
function uintLength(v: number): number {
  if (v < 0x100) return 1;
  if (v < 0x10000) return 2;
  if (v < 0x1000000) return 3;
  if (v < 0x100000000) return 4;
  let n = 4;
  for (let x = Math.floor(v / 0x100000000); x > 0; x = Math.floor(x / 256)) n++;
  return n;
}

/** Size of a string/list header for a payload of `length` bytes. */
function headerLength(length: number): number {
  return length < 56 ? 1 : 1 + uintLength(length);
}

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

function bigintBytes(v: bigint): Uint8Array {
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

function flatten(input: RlpInput, ops: Op[], depth: number): number {
  if (input instanceof Uint8Array) {
    ops.push(input);
    const n = input.length;
    return n === 1 && input[0]! < 0x80 ? 1 : headerLength(n) + n;
  }
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) throw new RangeError(`rlpEncode: ${input} is not a non-negative safe integer`);
    ops.push(input);
    return input < 0x80 ? 1 : 1 + uintLength(input);
  }
  if (typeof input === 'bigint') {
    if (input < 0n) throw new RangeError(`rlpEncode: negative bigint ${input}`);
    if (input <= MAX_SAFE_BIGINT) return flatten(Number(input), ops, depth);
    return flatten(bigintBytes(input), ops, depth);
  }
  if (typeof input === 'string') return flatten(Buffer.from(input, 'utf8'), ops, depth);
  if (Array.isArray(input)) {
    if (depth >= RLP_MAX_DEPTH) throw new RangeError(`rlpEncode: lists nested deeper than ${RLP_MAX_DEPTH}`);
    const at = ops.length;
    ops.push(-1);
    let payload = 0;
    for (let i = 0; i < input.length; i++) payload += flatten(input[i]!, ops, depth + 1);
    ops[at] = -payload - 1;
    return headerLength(payload) + payload;
  }
  throw new TypeError(`rlpEncode: unsupported value of type ${input === null ? 'null' : typeof input}`);
}

/** Write the minimal big-endian form of v > 0 in `n` bytes at `at`. */
function writeUint(out: Uint8Array, at: number, v: number, n: number): void {
  for (let i = n - 1; i >= 0; i--) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

function writeHeader(out: Uint8Array, at: number, length: number, shortBase: number): number {
  if (length < 56) {
    out[at] = shortBase + length;
    return at + 1;
  }
  const n = uintLength(length);
  out[at] = shortBase + 55 + n;
  writeUint(out, at + 1, length, n);
  return at + 1 + n;
}

export function rlpEncode(input: RlpInput): Uint8Array {
  const ops: Op[] = [];
  const out = new Uint8Array(flatten(input, ops, 0));
  let at = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (typeof op === 'number') {
      if (op < 0) {
        at = writeHeader(out, at, -op - 1, 0xc0);
      } else if (op === 0) {
        out[at++] = 0x80;
      } else if (op < 0x80) {
        out[at++] = op;
      } else {
        const n = uintLength(op);
        out[at++] = 0x80 + n;
        writeUint(out, at, op, n);
        at += n;
      }
    } else if (op.length === 1 && op[0]! < 0x80) {
      out[at++] = op[0]!;
    } else {
      at = writeHeader(out, at, op.length, 0x80);
      out.set(op, at);
      at += op.length;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shape helpers: codecs check each field's shape through these, never indexing blindly.

export function asList(item: RlpItem | undefined, what: string, minLength = 0): RlpItem[] {
  if (!Array.isArray(item)) throw new RlpError(`${what}: expected a list`);
  if (item.length < minLength) throw new RlpError(`${what}: expected ≥${minLength} elements, got ${item.length}`);
  return item;
}

export function asBytes(item: RlpItem | undefined, what: string, exactLength?: number, maxLength?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new RlpError(`${what}: expected a byte string`);
  if (exactLength !== undefined && item.length !== exactLength) {
    throw new RlpError(`${what}: expected ${exactLength} bytes, got ${item.length}`);
  }
  if (maxLength !== undefined && item.length > maxLength) {
    throw new RlpError(`${what}: expected ≤${maxLength} bytes, got ${item.length}`);
  }
  return item;
}

/** A non-negative integer that fits in a JS number (ports, versions, timestamps). */
export function asSafeNumber(item: RlpItem | undefined, what: string): number {
  const bytes = asBytes(item, what, undefined, 8);
  try {
    return bytesToSafeNumber(bytes);
  } catch {
    throw new RlpError(`${what}: integer too large`);
  }
}

/** An arbitrary non-negative integer, length-capped so a hostile peer cannot make a huge bigint. */
export function asBigInt(item: RlpItem | undefined, what: string, maxBytes = 32): bigint {
  return bytesToBigInt(asBytes(item, what, undefined, maxBytes));
}
