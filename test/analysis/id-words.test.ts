import { describe, expect, it } from 'vitest';
import { compareDistance, logDistance, parityDistance } from '../../src/enode/distance.js';
import { compareDistanceWords, idsToWords, logDistanceWords, parityDistanceWords } from '../../src/analysis/id-words.js';
import { Prng } from '../../src/analysis/prng.js';

/** The word versions used by the simulation must equal src/enode/distance.ts exactly. */
describe('word-level distances agree with src/enode/distance.ts', () => {
  const check = (a: Uint8Array, b: Uint8Array, t: Uint8Array) => {
    const w = idsToWords(Uint8Array.from([...a, ...b, ...t]));
    expect(logDistanceWords(w, 0, w, 8)).toBe(logDistance(a, b));
    expect(parityDistanceWords(w, 0, w, 8)).toBe(parityDistance(a, b));
    expect(Math.sign(compareDistanceWords(w, 16, w, 0, 8))).toBe(compareDistance(t, a, b));
  };

  it('on random IDs', () => {
    const p = new Prng(5);
    for (let i = 0; i < 3000; i++) check(p.fillBytes(new Uint8Array(32)), p.fillBytes(new Uint8Array(32)), p.fillBytes(new Uint8Array(32)));
  });

  it('on IDs differing in a single bit at every position, and on equal IDs', () => {
    const p = new Prng(6);
    const base = p.fillBytes(new Uint8Array(32));
    check(base, base, base);
    for (let bit = 0; bit < 256; bit++) {
      const other = Uint8Array.from(base);
      other[bit >> 3]! ^= 0x80 >> (bit & 7);
      check(base, other, p.fillBytes(new Uint8Array(32)));
      check(other, base, base);
    }
    check(new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(0x80));
  });
});
