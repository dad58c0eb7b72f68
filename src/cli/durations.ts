import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parse "90s", "30m", "6h", "1d", "500ms" (or a bare number of seconds) into milliseconds. */
export function parseDuration(text: string, option = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: use e.g. 90s, 30m, 6h, 1d`);
  const value = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (!Number.isFinite(value)) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}`);
  return value;
}

export function parseIntOption(text: string, option: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`invalid ${option} ${JSON.stringify(text)}: expected an integer`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`invalid ${option} ${n}: expected ${min}..${max}`);
  return n;
}
