/**
 * Offline IP → country and IP → autonomous system, from data that installs with npm (no download
 * at run time):
 *   - country: @ip-location-db/geo-whois-asn-country (CC0 1.0; RIR whois + ASN data)
 *   - ASN + organisation: @ip-location-db/asn (CC BY 4.0: RouteViews, DB-IP — attribution below)
 * Both ship IPv4 and IPv6 range files. The tables are parsed once, lazily, on the first lookup of the
 * process (about a second and ~20 MB; see bench/reports.bench.ts).
 * Private and reserved addresses (special.ts) are labelled as such before any table is consulted.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ipToBytes } from '../net/ip.js';
import { GeoDataError } from './errors.js';
import { bytesToWords, countryCode, countryValue, decimalNumber, parseNumCsv, RangeTable, unquoteCsv } from './range-table.js';
import { specialRangeOfBytes, specialRangeOfV4, type SpecialRange } from './special.js';

export interface GeoInfo {
  /** ISO 3166-1 alpha-2 code, or `private` / `reserved` (special.ts), `unknown` (in no table), `invalid` (no IP). */
  country: string;
  /** Autonomous system number, or null. */
  asn: number | null;
  /** AS organisation; for special addresses the block's name (e.g. "loopback"). */
  org: string | null;
  special: SpecialRange | null;
  family: 4 | 6 | null;
}

export interface GeoLookup {
  lookup(ip: string): GeoInfo;
  /** Where the data comes from (for report notes). */
  readonly source: string;
}

/** Attribution the ASN data's licence asks for; reports that show ASNs print it. */
export const GEO_ATTRIBUTION =
  'Country: ip-location-db geo-whois-asn-country (CC0). ASN: ip-location-db asn — IP to ASN data by RouteViews (routeviews.org) and DB-IP (db-ip.com), CC BY 4.0.';

export interface GeoCsv {
  countryV4?: string;
  countryV6?: string;
  asnV4?: string;
  asnV6?: string;
}

export class GeoDatabase implements GeoLookup {
  private readonly countryV4: RangeTable;
  private readonly countryV6: RangeTable;
  private readonly asnV4: RangeTable;
  private readonly asnV6: RangeTable;
  private readonly orgs = new Map<number, string>();

  constructor(csv: GeoCsv, readonly source = 'inline tables') {
    this.countryV4 = new RangeTable(parseNumCsv(csv.countryV4 ?? '', 1, countryValue));
    this.countryV6 = new RangeTable(parseNumCsv(csv.countryV6 ?? '', 4, countryValue));
    const asnValue = (text: string, from: number, to: number): number | null => {
      let comma = text.indexOf(',', from);
      if (comma < 0 || comma > to) comma = to;
      const asn = decimalNumber(text, from, comma, 10);
      if (asn === null || asn > 0xffffffff) return null;
      if (comma < to && !this.orgs.has(asn)) this.orgs.set(asn, unquoteCsv(text.slice(comma + 1, to)));
      return asn;
    };
    this.asnV4 = new RangeTable(parseNumCsv(csv.asnV4 ?? '', 1, asnValue));
    this.asnV6 = new RangeTable(parseNumCsv(csv.asnV6 ?? '', 4, asnValue));
  }

  /** Ranges loaded per table, and bytes held by the typed arrays. */
  stats(): { countryV4: number; countryV6: number; asnV4: number; asnV6: number; organisations: number; tableBytes: number } {
    return {
      countryV4: this.countryV4.size,
      countryV6: this.countryV6.size,
      asnV4: this.asnV4.size,
      asnV6: this.asnV6.size,
      organisations: this.orgs.size,
      tableBytes: this.countryV4.bytes + this.countryV6.bytes + this.asnV4.bytes + this.asnV6.bytes,
    };
  }

  lookup(ip: string): GeoInfo {
    // Fast path for plain dotted-quad IPv4 (most addresses): no byte arrays, no regular expressions.
    const v4 = typeof ip === 'string' ? dottedQuad(ip) : -1;
    if (v4 >= 0) {
      const special = specialRangeOfV4(v4);
      if (special) return { country: special.label, asn: null, org: special.name, special, family: 4 };
      const cc = this.countryV4.getWord(v4);
      const asn = this.asnV4.getWord(v4);
      return {
        country: cc === undefined ? 'unknown' : countryCode(cc),
        asn: asn ?? null,
        org: asn === undefined ? null : (this.orgs.get(asn) ?? null),
        special: null,
        family: 4,
      };
    }
    const bytes = typeof ip === 'string' ? ipToBytes(stripMask(ip)) : undefined;
    if (!bytes) return { country: 'invalid', asn: null, org: null, special: null, family: null };
    const family = bytes.length === 4 ? 4 : 6;
    const special = specialRangeOfBytes(bytes);
    if (special) return { country: special.label, asn: null, org: special.name, special, family };
    const key = bytesToWords(bytes);
    const cc = (family === 4 ? this.countryV4 : this.countryV6).get(key);
    const asn = (family === 4 ? this.asnV4 : this.asnV6).get(key);
    return {
      country: cc === undefined ? 'unknown' : countryCode(cc),
      asn: asn ?? null,
      org: asn === undefined ? null : (this.orgs.get(asn) ?? null),
      special: null,
      family,
    };
  }
}

/** "a.b.c.d" (octets 0–255, no leading zeros, optional "/32") → 32-bit number; -1 for anything else. */
export function dottedQuad(ip: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let end = ip.length;
  if (end > 3 && ip.endsWith('/32')) end -= 3;
  for (let i = 0; i < end; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** Postgres prints host addresses without a mask, but accept "1.2.3.4/32" too. */
function stripMask(ip: string): string {
  const slash = ip.indexOf('/');
  return slash < 0 ? ip : ip.slice(0, slash);
}

const PACKAGES = {
  country: { name: '@ip-location-db/geo-whois-asn-country', v4: 'geo-whois-asn-country-ipv4-num.csv', v6: 'geo-whois-asn-country-ipv6-num.csv' },
  asn: { name: '@ip-location-db/asn', v4: 'asn-ipv4-num.csv', v6: 'asn-ipv6-num.csv' },
} as const;

function packageDir(name: string): string {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch (err) {
    throw new GeoDataError(`IP database ${name} is not installed (npm install): ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

function readData(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (err) {
    throw new GeoDataError(`cannot read IP database file ${file}: ${(err as { code?: string }).code ?? (err as Error).message}`, { cause: err });
  }
}

/** Parse the packaged tables now (prefer packagedGeo(), which does it once per process). */
export function loadPackagedGeo(): GeoDatabase {
  const c = packageDir(PACKAGES.country.name);
  const a = packageDir(PACKAGES.asn.name);
  const version = (dir: string) => {
    try {
      return String((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '?');
    } catch {
      return '?';
    }
  };
  const db = new GeoDatabase(
    {
      countryV4: readData(c, PACKAGES.country.v4),
      countryV6: readData(c, PACKAGES.country.v6),
      asnV4: readData(a, PACKAGES.asn.v4),
      asnV6: readData(a, PACKAGES.asn.v6),
    },
    `${PACKAGES.country.name}@${version(c)}, ${PACKAGES.asn.name}@${version(a)}`,
  );
  return db;
}

let cached: GeoDatabase | null = null;

/** The packaged database, loaded on first use and kept for the life of the process. */
export function packagedGeo(): GeoDatabase {
  cached ??= loadPackagedGeo();
  return cached;
}

const regionNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' });
  } catch {
    return null;
  }
})();

/** English name of a country code ("DE" → "Germany"); labels and unknown codes come back unchanged. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code) || !regionNames) return code;
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}
