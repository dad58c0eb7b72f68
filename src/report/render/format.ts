/**
 * Cell formatting shared by the renderers. Display formats (table, HTML) are for people and fixed to
 * the en-US locale so output is reproducible; machine formats (CSV, JSON) keep full precision.
 */
import { cellValue, type Cell, type Column, type Row } from './model.js';

export const DEFAULT_DIGITS = { number: 2, percent: 1, ms: 1 } as const;
/** What people see for a null cell. */
export const EMPTY_CELL = '–';

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** ISO 8601 in UTC without milliseconds: 2024-05-01T12:00:00Z. */
export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Human formatting of one cell. */
export function formatCell(row: Row, column: Column): string {
  const v = cellValue(row, column);
  return formatValue(v, column);
}

export function formatValue(v: Cell, column: Column): string {
  if (v === null) return EMPTY_CELL;
  if (typeof v === 'string') return v;
  switch (column.type) {
    case 'text':
      return String(v);
    case 'integer':
      return fixed(Math.round(v), 0);
    case 'number':
      return fixed(v, column.digits ?? DEFAULT_DIGITS.number);
    case 'percent':
      return `${fixed(v * 100, column.digits ?? DEFAULT_DIGITS.percent)}%`;
    case 'ms':
      return `${fixed(v, column.digits ?? DEFAULT_DIGITS.ms)} ms`;
    case 'timestamp':
      return isNaN(new Date(v).getTime()) ? EMPTY_CELL : isoTimestamp(v).replace('T', ' ');
  }
}

/** Machine formatting for CSV: full precision numbers, ISO timestamps, empty for null. */
export function machineCell(row: Row, column: Column): string {
  const v = cellValue(row, column);
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (column.type === 'timestamp') return isNaN(new Date(v).getTime()) ? '' : new Date(v).toISOString();
  return String(v);
}

/** Machine value for JSON: numbers stay numbers, timestamps become ISO strings, null stays null. */
export function jsonCell(row: Row, column: Column): string | number | null {
  const v = cellValue(row, column);
  if (v === null || typeof v === 'string') return v;
  if (column.type === 'timestamp') return isNaN(new Date(v).getTime()) ? null : new Date(v).toISOString();
  return v;
}

/**
 * Remove what a terminal would interpret: C0/C1 controls (ESC sequences can rewrite the screen or
 * the clipboard) and bidirectional overrides (which can reorder what a reader sees). Hostile peers
 * choose their client IDs; the table renderer prints them.
 */
export function sanitizeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
}

/** Display width of a string in a monospace terminal (wide CJK/emoji count 2, combining marks 0). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x200b || cp === 0x200d) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}
