/**
 * The official vectors with exact integers: JSON.parse turns 18446744073709551615 into a rounded
 * double, so integers of 16+ digits are read as bigint instead.
 */
import { readFileSync } from 'node:fs';
import type typedVectors from '../vectors/devp2p-test-vectors.json';

type Widen<T> = T extends number ? number | bigint : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;

const MARK = '#bigint#';
const text = readFileSync(new URL('../vectors/devp2p-test-vectors.json', import.meta.url), 'utf8');
export const vectors = JSON.parse(text.replace(/(:\s*)(\d{16,})(?=\s*[,}\]])/g, `$1"${MARK}$2"`), (_k, v: unknown) =>
  typeof v === 'string' && v.startsWith(MARK) ? BigInt(v.slice(MARK.length)) : v,
) as Widen<typeof typedVectors>;
