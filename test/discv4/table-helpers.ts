/** Deterministic helpers for table/lookup simulations (not a test file). */
import type { NodeRecord } from '../../src/enode/node-record.js';
import type { ManualClock } from '../../src/net/clock.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytesFrom(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** An ID at log distance `d` (1..256) from `self`: same high bits, bit d−1 flipped, random below. */
export function idAtDistance(self: Uint8Array, d: number, rand: () => number): Uint8Array {
  const id = Uint8Array.from(self);
  const bit = d - 1; // counted from the least significant bit of the 256-bit number
  const byte = 31 - (bit >> 3);
  id[byte] = id[byte]! ^ (1 << (bit & 7));
  // Randomise every lower bit.
  for (let b = 0; b < bit; b++) {
    if (rand() < 0.5) {
      const i = 31 - (b >> 3);
      id[i] = id[i]! ^ (1 << (b & 7));
    }
  }
  return id;
}

export function makeNode(id: Uint8Array, ip: string, port = 30303, rand: () => number = Math.random): NodeRecord {
  return { id, publicKey: randomBytesFrom(rand, 64), ip, udpPort: port, tcpPort: port };
}

/** XOR distance comparison (independent of the code under test). */
export function xorLess(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ target[i]!;
    const y = b[i]! ^ target[i]!;
    if (x !== y) return x - y;
  }
  return 0;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Let promise continuations (and anything queued behind them) run. */
export const flush = () => new Promise<void>((r) => setImmediate(r));

/** Advance simulated time in steps, flushing continuations after each step. */
export async function runFor(clock: ManualClock, ms: number, stepMs = 100): Promise<void> {
  let left = ms;
  while (left > 0) {
    const step = Math.min(stepMs, left);
    clock.advance(step);
    left -= step;
    await flush();
  }
}
