/**
 * Snappy block format (github.com/google/snappy format_description.txt), our own implementation.
 * DEVp2p compresses every message after HELLO when both sides speak p2p version ≥ 5 (EIP-706,
 * rlpx.md "Message Snappy Compression").
 *
 * Decompression treats input as hostile: the declared length is checked against a caller-given
 * maximum before anything is allocated, and every tag is bounds-checked; failures are SnappyError.
 */
import { SnappyError } from './errors.js';

/**
 * rlpx.md "Message Snappy Compression": the uncompressed size of a message must not exceed the
 * 24-bit frame size, 16 MiB; receivers check the declared length before decompressing.
 */
export const SNAPPY_MAX_UNCOMPRESSED = 16 * 1024 * 1024;

/** The varint length prefix is at most 5 bytes for a 32-bit length (format_description.txt §1). */
const MAX_VARINT_BYTES = 5;

/** Compression works on independent 64 KiB fragments, so every copy offset fits in 16 bits. */
const FRAGMENT_SIZE = 1 << 16;
const HASH_BITS = 14;
const MIN_MATCH = 4;

const TAG_LITERAL = 0;
const TAG_COPY1 = 1;
const TAG_COPY2 = 2; // 3 is copy-4: a 4-byte offset

/**
 * Read the declared uncompressed length without decompressing. Throws SnappyError on a truncated or
 * over-long varint (more than 32 bits).
 */
export function snappyUncompressedLength(input: Uint8Array): { length: number; headerBytes: number } {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (i >= input.length) throw new SnappyError('truncated length varint');
    const b = input[i]!;
    // 5th byte may only carry the top 4 bits of a 32-bit value.
    if (i === MAX_VARINT_BYTES - 1 && b > 0x0f) throw new SnappyError('length varint overflows 32 bits');
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { length: result, headerBytes: i + 1 };
    shift += 7;
  }
  throw new SnappyError('length varint overflows 32 bits');
}

/**
 * Decompress one snappy block. `maxLength` (default 16 MiB) bounds the declared length and is
 * enforced before allocation.
 */
export function snappyDecompress(input: Uint8Array, maxLength: number = SNAPPY_MAX_UNCOMPRESSED): Uint8Array {
  const { length, headerBytes } = snappyUncompressedLength(input);
  if (length > maxLength) {
    throw new SnappyError(`declared uncompressed length ${length} exceeds the limit of ${maxLength}`);
  }
  const out = new Uint8Array(length);
  let ip = headerBytes;
  let op = 0;
  const end = input.length;

  while (ip < end) {
    const tag = input[ip++]!;
    const kind = tag & 3;
    if (kind === TAG_LITERAL) {
      let len = tag >>> 2;
      if (len >= 60) {
        // 60..63: the literal length - 1 follows in 1..4 little-endian bytes.
        const extra = len - 59;
        if (ip + extra > end) throw new SnappyError('truncated literal length');
        len = 0;
        for (let i = 0; i < extra; i++) len += input[ip + i]! * 2 ** (8 * i);
        ip += extra;
      }
      len += 1;
      if (len > end - ip) throw new SnappyError('literal runs past the end of the input');
      if (len > length - op) throw new SnappyError('literal runs past the declared length');
      out.set(input.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }

    let len: number;
    let offset: number;
    if (kind === TAG_COPY1) {
      if (ip + 1 > end) throw new SnappyError('truncated copy-1 tag');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | input[ip]!;
      ip += 1;
    } else if (kind === TAG_COPY2) {
      if (ip + 2 > end) throw new SnappyError('truncated copy-2 tag');
      len = (tag >>> 2) + 1;
      offset = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
    } else {
      // Copy-4: never emitted for 64 KiB fragments, but valid input.
      if (ip + 4 > end) throw new SnappyError('truncated copy-4 tag');
      len = (tag >>> 2) + 1;
      offset = (input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16) | (input[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0) throw new SnappyError('copy with offset 0');
    if (offset > op) throw new SnappyError(`copy offset ${offset} points before the start of the output`);
    if (len > length - op) throw new SnappyError('copy runs past the declared length');
    // Copies may overlap their own output (offset < len repeats a pattern): go byte by byte then.
    let src = op - offset;
    if (offset >= len) {
      out.copyWithin(op, src, src + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++) out[op++] = out[src++]!;
    }
  }
  if (op !== length) throw new SnappyError(`decompressed ${op} bytes, declared ${length}`);
  return out;
}

/** Worst-case output size of `snappyCompress` for n input bytes (format_description.txt bound). */
export function snappyMaxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/** Compress into one snappy block (greedy hash matching per 64 KiB fragment, like the reference). */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(snappyMaxCompressedLength(input.length));
  let op = 0;
  // Length varint.
  let n = input.length;
  while (n >= 0x80) {
    out[op++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[op++] = n;

  // Small inputs get a small hash table: clearing 64 KiB per 100-byte message would dominate.
  let bits = 8;
  while (bits < HASH_BITS && 1 << bits < input.length) bits++;
  const table = new Int32Array(1 << bits);
  for (let start = 0; start < input.length; start += FRAGMENT_SIZE) {
    const fragEnd = Math.min(start + FRAGMENT_SIZE, input.length);
    op = compressFragment(input, start, fragEnd, out, op, table, bits);
  }
  return out.slice(0, op);
}

function load32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function hash32(v: number, bits: number): number {
  return Math.imul(v, 0x1e35a7bd) >>> (32 - bits);
}

function compressFragment(
  input: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  op: number,
  table: Int32Array,
  bits: number,
): number {
  table.fill(-1);
  let literalStart = start;
  let ip = start;
  // Positions within the last 4 bytes cannot start a match.
  const matchLimit = end - MIN_MATCH;
  while (ip <= matchLimit) {
    const v = load32(input, ip);
    const h = hash32(v, bits);
    const candidate = table[h]!;
    table[h] = ip;
    if (candidate < 0 || load32(input, candidate) !== v) {
      ip++;
      continue;
    }
    // Extend the match forward.
    let len = MIN_MATCH;
    while (ip + len < end && input[candidate + len] === input[ip + len]) len++;
    op = emitLiteral(input, literalStart, ip, out, op);
    op = emitCopy(ip - candidate, len, out, op);
    ip += len;
    literalStart = ip;
  }
  return emitLiteral(input, literalStart, end, out, op);
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const len = to - from;
  if (len === 0) return op;
  const n = len - 1;
  if (n < 60) {
    out[op++] = (n << 2) | TAG_LITERAL;
  } else if (n < 1 << 8) {
    out[op++] = (60 << 2) | TAG_LITERAL;
    out[op++] = n;
  } else if (n < 1 << 16) {
    out[op++] = (61 << 2) | TAG_LITERAL;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else if (n < 1 << 24) {
    out[op++] = (62 << 2) | TAG_LITERAL;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  } else {
    out[op++] = (63 << 2) | TAG_LITERAL;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = (n >>> 16) & 0xff;
    out[op++] = n >>> 24;
  }
  out.set(input.subarray(from, to), op);
  return op + len;
}

function emitCopy(offset: number, len: number, out: Uint8Array, op: number): number {
  // A copy-2 carries at most 64 bytes; keep ≥4 bytes for the tail so it stays encodable.
  while (len >= 68) {
    op = emitCopy2(offset, 64, out, op);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopy2(offset, 60, out, op);
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    out[op++] = ((offset >>> 8) << 5) | ((len - 4) << 2) | TAG_COPY1;
    out[op++] = offset & 0xff;
    return op;
  }
  return emitCopy2(offset, len, out, op);
}

function emitCopy2(offset: number, len: number, out: Uint8Array, op: number): number {
  out[op++] = ((len - 1) << 2) | TAG_COPY2;
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  return op;
}
