/**
 * RFC 4648 base32 (standard alphabet, upper case) without padding, as EIP-1459 uses for hashes and
 * link keys (geth: base32.StdEncoding.WithPadding(NoPadding)): only A–Z2–7 and a length a real
 * encoding can have.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decoded length of an unpadded string, or undefined for an impossible length (1, 3, 6 mod 8). */
export function base32DecodedLength(chars: number): number | undefined {
  const rem = chars % 8;
  if (rem === 1 || rem === 3 || rem === 6) return undefined;
  return Math.floor((chars * 5) / 8);
}

/**
 * Undefined when `text` is not unpadded base32. `lenient` ignores non-zero trailing bits, as Go's
 * decoder does (geth parses hashes and link keys with it, so publishers may emit such strings).
 */
export function base32Decode(text: string, lenient = false): Uint8Array | undefined {
  const n = base32DecodedLength(text.length);
  if (n === undefined) return undefined;
  const out = new Uint8Array(n);
  let buffer = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? VALUE[c]! : -1;
    if (v < 0) return undefined;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if (!lenient && (buffer & ((1 << bits) - 1)) !== 0) return undefined; // non-zero padding bits
  return out;
}
