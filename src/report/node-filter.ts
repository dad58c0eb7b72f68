/**
 * The node filters, defined once for the web list (`/nodes`), its API (`/api/nodes`) and `nodefinder
 * report nodes`: names, validation and meaning. Pure: every value is checked against a pattern or a
 * closed list here and reaches SQL only as a bound parameter ($n), never as SQL text. Callers turn a
 * NodeFilterError into their own error (HTTP 400 bad_parameter, or a usage error with exit code 2).
 */
import { NETWORK_NAMES, NETWORKS, networkByGenesis, type NetworkName } from '../eth/networks.js';
import type { GeoLookup } from '../geo/index.js';
import { FORK_VERDICTS } from '../store/validate.js';

/** The verdicts of the database's fork_verdict enum (one list, src/store/validate.ts). */
export { FORK_VERDICTS };
export type ForkVerdictFilter = (typeof FORK_VERDICTS)[number];
export const DIRECTIONS = ['inbound', 'dialed'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** The filter names: query parameters of the web view; `report nodes` options are `--<name with - for _>` (version: --client-version). */
export const NODE_FILTER_NAMES = ['network', 'client', 'version', 'country', 'asn', 'fork_verdict', 'seen_since', 'direction'] as const;
export type NodeFilterName = (typeof NODE_FILTER_NAMES)[number];

export interface NodeFilters {
  /** Network id of the latest STATUS (decimal; from a network name or a decimal id). */
  networkId: string | null;
  /** ... and its genesis hash (hex, no 0x) when the network was given by name. */
  genesis: string | null;
  /** Client name of the latest HELLO, compared case-insensitively (e.g. geth). */
  client: string | null;
  /** Prefix of the latest HELLO's client version (e.g. v1.14). */
  version: string | null;
  /** ISO 3166 alpha-2 (upper case) or private/reserved/unknown, of the latest IP. */
  country: string | null;
  /** AS number of the latest IP. */
  asn: number | null;
  /** Fork verdict of the latest STATUS. */
  forkVerdict: ForkVerdictFilter | null;
  /** ms since the epoch: last seen at or after. */
  seenSince: number | null;
  /** At least one inbound connection, or at least one dial of ours. */
  direction: Direction | null;
}

export const NO_NODE_FILTERS: NodeFilters = { networkId: null, genesis: null, client: null, version: null, country: null, asn: null, forkVerdict: null, seenSince: null, direction: null };

/** A filter value that is malformed or out of range; `parameter` names the filter. */
export class NodeFilterError extends Error {
  constructor(
    readonly parameter: NodeFilterName,
    message: string,
  ) {
    super(message);
    this.name = 'NodeFilterError';
  }
}

const CLIENT = /^[A-Za-z0-9._-]{1,40}$/;
const VERSION = /^[A-Za-z0-9.+_-]{1,40}$/;
const COUNTRY = /^(?:[A-Za-z]{2}|private|reserved|unknown)$/;
const ASN = /^(?:AS|as)?(\d{1,10})$/;
const DURATION = /^(\d{1,6})(m|h|d)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A hostile value quoted in a message: at most 40 characters, JSON-quoted. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * Parse the filters from `get(name)` (undefined or blank = not set). `label` names a filter in
 * messages (`client` for the web view, `--client` for the command line).
 */
export function parseNodeFilters(get: (name: NodeFilterName) => string | undefined, now: number, label: (name: NodeFilterName) => string = (n) => n): NodeFilters {
  const bad = (name: NodeFilterName, value: string, want: string) => new NodeFilterError(name, `invalid ${label(name)} ${quote(value)}: ${want}`);
  const value = (name: NodeFilterName): string | undefined => {
    const v = get(name);
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const pick = <T extends string>(name: NodeFilterName, list: readonly T[]): T | null => {
    const v = value(name);
    if (v === undefined) return null;
    if (!(list as readonly string[]).includes(v)) throw bad(name, v, `expected one of ${list.join(', ')}`);
    return v as T;
  };
  const out: NodeFilters = { ...NO_NODE_FILTERS, forkVerdict: pick('fork_verdict', FORK_VERDICTS), direction: pick('direction', DIRECTIONS) };

  const network = value('network');
  if (network !== undefined) {
    if ((NETWORK_NAMES as readonly string[]).includes(network)) {
      const n = NETWORKS[network as NetworkName];
      out.networkId = String(n.networkId);
      out.genesis = n.genesisHash.replace(/^0x/, '').toLowerCase();
    } else if (/^\d{1,20}$/.test(network) && BigInt(network) < 2n ** 64n) {
      // uint64 on the wire (numeric(20,0) in the database).
      out.networkId = BigInt(network).toString();
    } else throw bad('network', network, `expected ${NETWORK_NAMES.join(', ')} or a decimal network id`);
  }
  const client = value('client');
  if (client !== undefined && !CLIENT.test(client)) throw bad('client', client, 'expected a client name such as Geth (letters, digits, . _ -)');
  out.client = client ?? null;
  const version = value('version');
  if (version !== undefined && !VERSION.test(version)) throw bad('version', version, 'expected a version prefix such as v1.14');
  out.version = version ?? null;
  const country = value('country');
  if (country !== undefined && !COUNTRY.test(country)) throw bad('country', country, 'expected a two-letter country code, private, reserved or unknown');
  out.country = country === undefined ? null : country.length === 2 ? country.toUpperCase() : country;
  const asn = value('asn');
  if (asn !== undefined) {
    const m = ASN.exec(asn);
    if (!m || Number(m[1]) > 0xffffffff) throw bad('asn', asn, 'expected an AS number such as 24940 or AS24940');
    out.asn = Number(m[1]);
  }
  const since = value('seen_since');
  if (since !== undefined) out.seenSince = parseSeenSince(since, now, (v) => bad('seen_since', v, 'expected an ISO 8601 time (2024-01-15T12:00Z) or a duration ago (30m, 6h, 7d)'));
  return out;
}

/** `seen_since`: an ISO 8601 time or a duration ago (30m, 6h, 7d). */
function parseSeenSince(value: string, now: number, bad: (v: string) => Error): number {
  const d = DURATION.exec(value);
  if (d) return now - Number(d[1]) * UNIT_MS[d[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) {
    const iso = value.length === 10 ? `${value}T00:00:00Z` : /(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms;
  }
  throw bad(value);
}

/** Whether any filter needs the node's place (applied with the geo database, outside SQL). */
export function hasGeoFilter(f: NodeFilters): boolean {
  return f.country !== null || f.asn !== null;
}

/** The country and AS filters for one IP (null IP: no place, never a match). */
export function matchesGeo(f: NodeFilters, ip: string | null, geo: Pick<GeoLookup, 'lookup'>): boolean {
  if (!hasGeoFilter(f)) return true;
  if (ip === null) return false;
  const g = geo.lookup(ip);
  return (f.country === null || g.country === f.country) && (f.asn === null || g.asn === f.asn);
}

/** The filters that are set, as `report --format json` parameters (names of the web view). */
export function nodeFilterParameters(f: NodeFilters): Record<string, string | number | null> {
  return {
    network: f.genesis !== null ? (networkByGenesis(f.genesis)?.name ?? f.networkId) : f.networkId,
    client: f.client,
    version: f.version,
    country: f.country,
    asn: f.asn,
    fork_verdict: f.forkVerdict,
    seen_since: f.seenSince === null ? null : new Date(f.seenSince).toISOString(),
    direction: f.direction,
  };
}
