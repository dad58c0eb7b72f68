/**
 * Seeded pseudo-random numbers for reproducible studies (never for keys: those come from
 * src/crypto). xoshiro128** (Blackman & Vigna, 2018): 128-bit state, 32-bit outputs, fast with
 * Math.imul. The state is expanded from a 64-bit seed with splitmix64, as the authors recommend,
 * so nearby seeds give unrelated streams.
 */
import { AnalysisParameterError } from './errors.js';

const MASK64 = (1n << 64n) - 1n;

/** splitmix64 (Steele, Lea & Flood 2014): returns [nextState, output]. */
export function splitmix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seed with a non-negative safe integer or a bigint below 2^64. */
  constructor(seed: number | bigint) {
    const big = typeof seed === 'bigint' ? seed : Number.isSafeInteger(seed) && seed >= 0 ? BigInt(seed) : -1n;
    if (big < 0n || big > MASK64) throw new AnalysisParameterError(`seed must be an integer in 0..2^64-1, got ${seed}`);
    const [st1, a] = splitmix64(big);
    const [, b] = splitmix64(st1);
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    // The all-zero state is the one fixed point of xoshiro; splitmix64 practically never yields it.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with an explicit state (for known-answer tests). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Prng {
    const p = new Prng(0);
    p.s0 = s0 | 0;
    p.s1 = s1 | 0;
    p.s2 = s2 | 0;
    p.s3 = s3 | 0;
    if ((p.s0 | p.s1 | p.s2 | p.s3) === 0) throw new AnalysisParameterError('xoshiro128** state must not be all zero');
    return p;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection of the short final range). */
  nextBelow(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1 || n > 0x100000000) {
      throw new AnalysisParameterError(`nextBelow: n must be an integer in 1..2^32, got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Fill `out` with random bytes. */
  fillBytes(out: Uint8Array): Uint8Array {
    let i = 0;
    for (; i + 4 <= out.length; i += 4) {
      const x = this.nextU32();
      out[i] = x >>> 24;
      out[i + 1] = (x >>> 16) & 0xff;
      out[i + 2] = (x >>> 8) & 0xff;
      out[i + 3] = x & 0xff;
    }
    if (i < out.length) {
      let x = this.nextU32();
      for (; i < out.length; i++, x >>>= 8) out[i] = x & 0xff;
    }
    return out;
  }

  /** Shuffle in place (Fisher–Yates). */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextBelow(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}
