/**
 * Query-string parsing for the web view: pure, strict, bounded. Every parameter is checked against a
 * pattern or a closed list before it reaches SQL (and then only as a bound $n parameter); unknown or
 * repeated parameters are refused, so a typo is an error rather than a silently ignored filter.
 */
import { NODE_FILTER_NAMES, NodeFilterError, parseNodeFilters, type NodeFilters } from '../report/node-filter.js';
import { HttpError, quote } from './errors.js';

export { DIRECTIONS, FORK_VERDICTS, type Direction, type ForkVerdictFilter, type NodeFilters } from '../report/node-filter.js';

/** Page sizes of the node list: default and hard maximum. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export interface NodeListQuery extends NodeFilters {
  limit: number;
  /** Keyset cursor: hex node ID; the page starts after it. */
  after: string | null;
}

/** The filters (src/report/node-filter.ts, shared with `report nodes`), then paging. */
export const NODE_LIST_PARAMS = [...NODE_FILTER_NAMES, 'limit', 'after'] as const;

const HEX_ID = /^(?:0x)?([0-9a-fA-F]{64})$/;

/** One value per parameter, only known names; empty values count as absent (an untouched form field). */
export function singleParams(search: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of search) {
    if (!allowed.includes(key)) throw new HttpError('bad_parameter', `unknown parameter ${quote(key)}; expected one of ${allowed.join(', ')}`);
    if (out.has(key)) throw new HttpError('bad_parameter', `parameter ${key} given twice`);
    out.set(key, value);
  }
  for (const [key, value] of out) if (value.trim() === '') out.delete(key);
  return out;
}

function bad(name: string, value: string, want: string): HttpError {
  return new HttpError('bad_parameter', `invalid ${name} ${quote(value)}: ${want}`);
}

export function parseLimit(value: string | undefined, max = MAX_PAGE, fallback = DEFAULT_PAGE): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > max) throw bad('limit', value, `expected 1..${max}`);
  return Number(value);
}

/** A hex node ID (64 hex digits, optional 0x), lower-cased; null when it is not one. */
export function hexNodeId(value: string): string | null {
  const m = HEX_ID.exec(value.trim());
  return m ? m[1]!.toLowerCase() : null;
}

export function parseNodeListQuery(search: URLSearchParams, now: number): NodeListQuery {
  const p = singleParams(search, NODE_LIST_PARAMS);
  let filters: NodeFilters;
  try {
    filters = parseNodeFilters((name) => p.get(name), now);
  } catch (err) {
    if (err instanceof NodeFilterError) throw new HttpError('bad_parameter', err.message);
    throw err;
  }
  const after = p.get('after');
  const afterId = after === undefined ? null : hexNodeId(after);
  if (after !== undefined && afterId === null) throw bad('after', after, 'expected a hex node ID (64 hex digits)');
  return { ...filters, limit: parseLimit(p.get('limit')), after: afterId };
}
