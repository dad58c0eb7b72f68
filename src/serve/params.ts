/**
 * Query-string parsing for the web view: pure, strict, bounded. Every parameter is checked against a
 * pattern or a closed list before it reaches SQL (and then only as a bound $n parameter); unknown or
 * repeated parameters are refused, so a typo is an error rather than a silently ignored filter.
 */
import { NETWORK_NAMES, NETWORKS, type NetworkName } from '../eth/networks.js';
import { HttpError, quote } from './errors.js';

export const FORK_VERDICTS = ['compatible', 'incompatible', 'remote_stale', 'local_stale', 'unchecked'] as const;
export type ForkVerdictFilter = (typeof FORK_VERDICTS)[number];
export const DIRECTIONS = ['inbound', 'dialed'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Page sizes of the node list: default and hard maximum. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export interface NodeFilters {
  /** Network id of the latest STATUS (from a network name or a decimal id). */
  networkId: string | null;
  /** HELLO client name, case-insensitive (e.g. geth). */
  client: string | null;
  /** Prefix of the HELLO client version (e.g. v1.14). */
  version: string | null;
  /** ISO 3166 alpha-2 (upper case) or private/reserved/unknown. */
  country: string | null;
  asn: number | null;
  forkVerdict: ForkVerdictFilter | null;
  /** ms since the epoch: nodes.last_seen at or after. */
  seenSince: number | null;
  direction: Direction | null;
}

export interface NodeListQuery extends NodeFilters {
  limit: number;
  /** Keyset cursor: hex node ID; the page starts after it. */
  after: string | null;
}

export const NODE_LIST_PARAMS = ['network', 'client', 'version', 'country', 'asn', 'fork_verdict', 'seen_since', 'direction', 'limit', 'after'] as const;

const HEX_ID = /^(?:0x)?([0-9a-fA-F]{64})$/;
const CLIENT = /^[A-Za-z0-9._-]{1,40}$/;
const VERSION = /^[A-Za-z0-9.+_-]{1,40}$/;
const COUNTRY = /^(?:[A-Za-z]{2}|private|reserved|unknown)$/;
const DURATION = /^(\d{1,6})(m|h|d)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

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

export function parseNetwork(value: string): string {
  if ((NETWORK_NAMES as readonly string[]).includes(value)) return String(NETWORKS[value as NetworkName].networkId);
  // uint64 on the wire (numeric(20,0) in the database).
  if (/^\d{1,20}$/.test(value) && BigInt(value) < 2n ** 64n) return BigInt(value).toString();
  throw bad('network', value, `expected ${NETWORK_NAMES.join(', ')} or a decimal network id`);
}

/** `seen_since`: an ISO 8601 time or a duration ago (30m, 6h, 7d). */
export function parseSeenSince(value: string, now: number): number {
  const d = DURATION.exec(value);
  if (d) return now - Number(d[1]) * UNIT_MS[d[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) {
    const iso = value.length === 10 ? `${value}T00:00:00Z` : /(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms;
  }
  throw bad('seen_since', value, 'expected an ISO 8601 time (2024-01-15T12:00Z) or a duration ago (30m, 6h, 7d)');
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
  const get = (k: (typeof NODE_LIST_PARAMS)[number]) => p.get(k);
  const pick = <T extends string>(name: string, value: string | undefined, list: readonly T[]): T | null => {
    if (value === undefined) return null;
    if (!(list as readonly string[]).includes(value)) throw bad(name, value, `expected one of ${list.join(', ')}`);
    return value as T;
  };
  const client = get('client');
  if (client !== undefined && !CLIENT.test(client)) throw bad('client', client, 'expected a client name such as Geth (letters, digits, . _ -)');
  const version = get('version');
  if (version !== undefined && !VERSION.test(version)) throw bad('version', version, 'expected a version prefix such as v1.14');
  const country = get('country');
  if (country !== undefined && !COUNTRY.test(country)) throw bad('country', country, 'expected a two-letter country code, private, reserved or unknown');
  const asn = get('asn');
  const asnValue = asn === undefined ? null : /^(?:AS|as)?(\d{1,10})$/.exec(asn);
  if (asn !== undefined && (!asnValue || Number(asnValue[1]) > 0xffffffff)) throw bad('asn', asn, 'expected an AS number such as 24940 or AS24940');
  const after = get('after');
  const afterId = after === undefined ? null : hexNodeId(after);
  if (after !== undefined && afterId === null) throw bad('after', after, 'expected a hex node ID (64 hex digits)');
  const network = get('network');
  const since = get('seen_since');
  return {
    networkId: network === undefined ? null : parseNetwork(network),
    client: client ?? null,
    version: version ?? null,
    country: country === undefined ? null : country.length === 2 ? country.toUpperCase() : country,
    asn: asnValue ? Number(asnValue[1]) : null,
    forkVerdict: pick('fork_verdict', get('fork_verdict'), FORK_VERDICTS),
    seenSince: since === undefined ? null : parseSeenSince(since, now),
    direction: pick('direction', get('direction'), DIRECTIONS),
    limit: parseLimit(get('limit')),
    after: afterId,
  };
}
