/**
 * Sorted IP range tables with binary search, built from the `*-num.csv` files of the
 * @ip-location-db packages ("start,end,value…", addresses as decimal integers, inclusive bounds).
 *
 * Keys are big-endian 32-bit words: one per IPv4 address, four per IPv6 address (no BigInt: about
 * 1.1 M ranges are parsed per process). The files are sorted by start, but ranges may nest (a /29
 * carved out of a /22 with another value): each range remembers its enclosing range (`parent`), so a
 * lookup finds the last range starting at or before the address and climbs out until one contains
 * it — the most specific range wins.
 */

/** Parsed rows, flat: row i's start is starts[i*words … i*words+words-1]. */
export interface RangeRows {
  words: 1 | 4;
  starts: number[];
  ends: number[];
  values: number[];
}

export class RangeTable {
  readonly words: 1 | 4;
  readonly size: number;
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  private readonly values: Uint32Array;
  private readonly parent: Int32Array;

  constructor(rows: RangeRows) {
    const w = (this.words = rows.words);
    const n = (this.size = rows.values.length);
    const order = sortedOrder(rows);
    this.starts = new Uint32Array(n * w);
    this.ends = new Uint32Array(n * w);
    this.values = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      const i = order === null ? k : order[k]!;
      for (let j = 0; j < w; j++) {
        this.starts[k * w + j] = rows.starts[i * w + j]!;
        this.ends[k * w + j] = rows.ends[i * w + j]!;
      }
      this.values[k] = rows.values[i]!;
    }
    this.parent = new Int32Array(n);
    const stack: number[] = [];
    for (let i = 0; i < n; i++) {
      while (stack.length > 0 && compare(this.ends, stack[stack.length - 1]!, this.starts, i, w) < 0) stack.pop();
      this.parent[i] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      stack.push(i);
    }
  }

  /** Index of the most specific range containing `key` (`words` big-endian words), or -1. */
  indexOf(key: ArrayLike<number>): number {
    const w = this.words;
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKey(this.starts, mid, key, w) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let i = found;
    while (i >= 0 && compareKey(this.ends, i, key, w) < 0) i = this.parent[i]!;
    return i;
  }

  get(key: ArrayLike<number>): number | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  /** get() for a one-word (IPv4) table without allocating a key. */
  getWord(x: number): number | undefined {
    let lo = 0;
    let hi = this.size - 1;
    let i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= x) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (i >= 0 && this.ends[i]! < x) i = this.parent[i]!;
    return i < 0 ? undefined : this.values[i];
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.starts.byteLength + this.ends.byteLength + this.values.byteLength + this.parent.byteLength;
  }
}

function compare(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, w: number): number {
  for (let k = 0; k < w; k++) {
    const x = a[i * w + k]!;
    const y = b[j * w + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function compareKey(a: ArrayLike<number>, i: number, key: ArrayLike<number>, w: number): number {
  for (let k = 0; k < w; k++) {
    const x = a[i * w + k]!;
    const y = key[k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** null when rows are already by start ascending (outer before inner on equal starts), else a permutation. */
function sortedOrder(rows: RangeRows): number[] | null {
  const w = rows.words;
  const n = rows.values.length;
  const before = (i: number, j: number) => compare(rows.starts, i, rows.starts, j, w) || -compare(rows.ends, i, rows.ends, j, w);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (before(i - 1, i) > 0) sorted = false;
  if (sorted) return null;
  return Array.from({ length: n }, (_, i) => i).sort(before);
}

/**
 * Parse "start,end,field[,field…]" lines. `value` maps the rest of the line (text[from, to), after
 * the second comma) to a number, or null to skip the line. Malformed lines are skipped: the files are
 * our own packaged data, and one bad line must not cost the whole table.
 */
export function parseNumCsv(text: string, words: 1 | 4, value: (text: string, from: number, to: number) => number | null): RangeRows {
  const rows: RangeRows = { words, starts: [], ends: [], values: [] };
  const start = new Array<number>(words);
  const end = new Array<number>(words);
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    const c1 = text.indexOf(',', pos);
    const c2 = c1 < 0 || c1 >= eol ? -1 : text.indexOf(',', c1 + 1);
    if (c2 > 0 && c2 < eol && decimalWords(text, pos, c1, start) && decimalWords(text, c1 + 1, c2, end)) {
      const v = value(text, c2 + 1, text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol);
      if (v !== null && compare(start, 0, end, 0, words) <= 0) {
        for (let k = 0; k < words; k++) {
          rows.starts.push(start[k]!);
          rows.ends.push(end[k]!);
        }
        rows.values.push(v);
      }
    }
    pos = eol + 1;
  }
  return rows;
}

const TWO_32 = 0x1_0000_0000;

/**
 * Decimal text[from, to) → out.length big-endian 32-bit words; false if not digits or too large.
 * Four digits at a time: word × 10^4 + carry stays below 2^53, so plain numbers are exact.
 */
export function decimalWords(text: string, from: number, to: number, out: number[]): boolean {
  const w = out.length;
  if (to <= from || to - from > 10 * w) return false;
  out.fill(0);
  for (let i = from; i < to; ) {
    const j = Math.min(to, i + 4);
    let chunk = 0;
    let scale = 1;
    for (let k = i; k < j; k++) {
      const d = text.charCodeAt(k) - 48;
      if (d < 0 || d > 9) return false;
      chunk = chunk * 10 + d;
      scale *= 10;
    }
    let carry = chunk;
    for (let k = w - 1; k >= 0; k--) {
      const x = out[k]! * scale + carry;
      carry = Math.floor(x / TWO_32);
      out[k] = x - carry * TWO_32;
    }
    if (carry !== 0) return false; // overflow
    i = j;
  }
  return true;
}

/** Decimal digits in text[from, to) as a number (exact up to 2^53), or null. */
export function decimalNumber(text: string, from: number, to: number, maxDigits: number): number | null {
  if (to <= from || to - from > maxDigits) return null;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return v;
}

/** "US" → 0x5553; anything but two ASCII letters → null. */
export function countryValue(text: string, from: number, to: number): number | null {
  if (to - from !== 2) return null;
  const a = text.charCodeAt(from) & ~0x20;
  const b = text.charCodeAt(from + 1) & ~0x20;
  if (a < 65 || a > 90 || b < 65 || b > 90) return null;
  return (a << 8) | b;
}

export function countryCode(value: number): string {
  return String.fromCharCode(value >> 8, value & 0xff);
}

/** One CSV field (RFC 4180 quoting): `"LLC ""SPUTNIK"""` → `LLC "SPUTNIK"`. */
export function unquoteCsv(field: string): string {
  const f = field.trim();
  if (f.length >= 2 && f.startsWith('"') && f.endsWith('"')) return f.slice(1, -1).replace(/""/g, '"');
  return f;
}

/** 4 or 16 address bytes → big-endian words. */
export function bytesToWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  return out;
}
