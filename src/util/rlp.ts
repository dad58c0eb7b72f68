/**
 * RLP through the `rlp` package, with hostile-input hygiene: every decode failure becomes a typed
 * `RlpError` (kind `bad_rlp`), and helpers check field shapes so codecs never index blindly.
 * The package decodes by subarray views, so no allocation is sized by an untrusted length.
 */
import RLP from 'rlp';
import { NodeFinderError } from '../errors.js';
import { bytesToSafeNumber, bytesToBigInt } from './bytes.js';

export type RlpItem = Uint8Array | RlpItem[];
export type RlpInput = Uint8Array | number | bigint | string | RlpInput[];

export class RlpError extends NodeFinderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_rlp', message, options);
  }
}

export function rlpEncode(input: RlpInput): Uint8Array {
  return RLP.encode(input as never);
}

/** Decode exactly one item occupying all of `data`. */
export function rlpDecode(data: Uint8Array): RlpItem {
  try {
    return RLP.decode(data) as RlpItem;
  } catch (err) {
    throw new RlpError(`invalid RLP: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Decode the first item and return it with the bytes after it. EIP-8 asks receivers to ignore
 * trailing data after the RLP list (discv4 packets, auth/ack bodies).
 */
export function rlpDecodePrefix(data: Uint8Array): { item: RlpItem; rest: Uint8Array } {
  try {
    const { data: item, remainder } = RLP.decode(data, true) as unknown as {
      data: RlpItem;
      remainder: Uint8Array;
    };
    return { item, rest: remainder };
  } catch (err) {
    throw new RlpError(`invalid RLP: ${(err as Error).message}`, { cause: err });
  }
}

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
