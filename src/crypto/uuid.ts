/**
 * Time-ordered UUIDs (RFC 9562 version 7: 48-bit Unix ms timestamp, version, 74 random bits) for
 * client-generated row keys. The per-connection tables are keyed by (dial_id, started_at): a random
 * (v4) ID lands on a random leaf of each of their five primary-key indexes, so after every checkpoint
 * nearly every insert writes a full 8 KB page image to the WAL (measured: ~185 of 187 inserts per
 * batch, 1.2 MB of WAL per table per batch); a v7 ID appends at the right edge (~2 page images, 80 KB).
 */
import { randomBytes } from './index.js';
import { bytesToHex } from '../util/bytes.js';

export function uuidV7(ms: number, random: (n: number) => Uint8Array = randomBytes): string {
  const b = new Uint8Array(16);
  let t = Math.max(0, Math.floor(ms));
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b.set(random(10), 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
