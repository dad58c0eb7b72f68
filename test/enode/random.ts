/** Seeded randomness for property and fuzz tests (reproducible failures), shared by test/enode and test/discv4. */
import { ipFromBytes } from '../../src/net/ip.js';

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bool(): boolean {
    return this.next() < 0.5;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** A random unsigned integer of up to `maxBytes` bytes. */
  bigint(maxBytes: number): bigint {
    let v = 0n;
    for (const b of this.bytes(this.int(maxBytes + 1))) v = (v << 8n) | BigInt(b);
    return v;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  ipv4(): string {
    return ipFromBytes(this.bytes(4))!;
  }
  /** A random IPv6 address that is not IPv4-mapped (those canonicalise to IPv4). */
  ipv6(): string {
    const b = this.bytes(16);
    if (this.bool()) b.fill(0, 4, 4 + this.int(10)); // exercise "::" compression
    b[0] = b[0]! | 0x20;
    return ipFromBytes(b)!;
  }
}

/** One random mutation: bit flips, truncation, extension, byte overwrite, or a chunk duplicated. */
export function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  const out = Uint8Array.from(input);
  switch (rng.int(5)) {
    case 0: {
      const flips = 1 + rng.int(3);
      for (let i = 0; i < flips && out.length > 0; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return out;
    }
    case 1:
      return out.slice(0, rng.int(out.length));
    case 2:
      return Uint8Array.from([...out, ...rng.bytes(1 + rng.int(64))]);
    case 3:
      if (out.length > 0) out[rng.int(out.length)] = rng.pick([0x00, 0x7f, 0x80, 0xb7, 0xb8, 0xbf, 0xc0, 0xf7, 0xf8, 0xff]);
      return out;
    default: {
      const at = rng.int(out.length + 1);
      const len = rng.int(Math.min(32, out.length - at) + 1);
      return Uint8Array.from([...out.subarray(0, at), ...out.subarray(at, at + len), ...out.subarray(at)]);
    }
  }
}
