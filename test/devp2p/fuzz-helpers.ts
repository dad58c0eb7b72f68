/**
 * Seeded randomness for property and fuzz tests (no dependency). A failing case prints its seed;
 * set NODEFINDER_FUZZ_SEED to replay, NODEFINDER_FUZZ_SCALE to run more iterations.
 */
import { expect } from 'vitest';
import { NodeFinderError } from '../../src/errors.js';

export const FUZZ_SCALE = Number(process.env.NODEFINDER_FUZZ_SCALE ?? 1);
export const BASE_SEED = Number(process.env.NODEFINDER_FUZZ_SEED ?? 0x5eed);

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** mulberry32: uniform uint32. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 2 ** 32) * n);
  }
  bool(): boolean {
    return (this.u32() & 1) === 1;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  /** uint64 as bigint, biased towards small and boundary values. */
  u64(): bigint {
    switch (this.int(4)) {
      case 0:
        return BigInt(this.int(256));
      case 1:
        return (1n << 64n) - 1n - BigInt(this.int(3));
      default: {
        const hi = BigInt(this.u32());
        const lo = BigInt(this.u32());
        return ((hi << 32n) | lo) >> BigInt(this.int(64));
      }
    }
  }
  /** Compressible-ish data: runs, repeats and noise mixed. */
  textured(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const mode = this.int(4);
      const len = Math.min(n - i, 1 + this.int(mode === 3 ? 300 : 40));
      if (mode === 0) out.fill(this.u32() & 0xff, i, i + len);
      else if (mode === 1 && i > 0) {
        const off = 1 + this.int(Math.min(i, 70000));
        for (let k = 0; k < len; k++) out[i + k] = out[i + k - off]!;
      } else if (mode === 2) out.set(this.bytes(len), i);
      else for (let k = 0; k < len; k++) out[i + k] = 0x61 + this.int(4);
      i += len;
    }
    return out;
  }
}

/** Random structural mutation of `input`: flip, set, insert, delete, truncate, duplicate. */
export function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  const b = Array.from(input);
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(7)) {
      case 0:
        if (b.length) b[at % b.length] = b[at % b.length]! ^ (1 << rng.int(8));
        break;
      case 1:
        if (b.length) b[at % b.length] = rng.pick([0x00, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xbf, 0xc0, 0xf7, 0xf8, 0xff]);
        break;
      case 2:
        b.splice(at, 0, ...rng.bytes(1 + rng.int(4)));
        break;
      case 3:
        b.splice(at, 1 + rng.int(4));
        break;
      case 4:
        b.length = Math.min(b.length, at);
        break;
      case 5: {
        const from = rng.int(b.length + 1);
        b.splice(at, 0, ...b.slice(from, from + 1 + rng.int(16)));
        break;
      }
      default:
        if (b.length) b[at % b.length] = rng.u32() & 0xff;
    }
  }
  return Uint8Array.from(b);
}

/**
 * Feed `inputs` to `decode`: it may return or throw a NodeFinderError (optionally of the given
 * classes), nothing else. Returns how many inputs decoded, so tests can assert the fuzzer reached
 * past the first check.
 */
export function fuzzDecoder(
  decode: (input: Uint8Array) => unknown,
  inputs: Iterable<Uint8Array>,
  allowed: (abstract new (...args: never[]) => NodeFinderError)[] = [NodeFinderError],
): { ok: number; failed: number } {
  let ok = 0;
  let failed = 0;
  for (const input of inputs) {
    try {
      decode(input);
      ok++;
    } catch (err) {
      failed++;
      if (!allowed.some((cls) => err instanceof cls)) {
        expect.fail(
          `decoder threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message} for input ${Buffer.from(input).toString('hex').slice(0, 400)}`,
        );
      }
    }
  }
  return { ok, failed };
}

/** Random inputs followed by mutations of each seed input. */
export function* fuzzInputs(rng: Rng, seeds: readonly Uint8Array[], count: number): Generator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    if (seeds.length === 0 || i % 4 === 0) yield rng.bytes(rng.int(200));
    else yield mutate(rng, rng.pick(seeds));
  }
}

/** Fast byte equality for large arrays (vitest's deep equality is slow on 100 KB arrays). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (Buffer.from(actual).equals(Buffer.from(expected))) return;
  expect.fail(
    `bytes differ: got ${actual.length} bytes ${Buffer.from(actual.subarray(0, 64)).toString('hex')}…, ` +
      `want ${expected.length} bytes ${Buffer.from(expected.subarray(0, 64)).toString('hex')}…`,
  );
}
