/**
 * IP → country / AS tables inside Postgres, for the Grafana geography dashboard. The CLI places
 * addresses in TypeScript (src/geo, offline tables from npm); Grafana only has SQL, so the same
 * packaged ranges — and the same special-purpose blocks (src/geo/special.ts) — are copied into three
 * reference tables. They are not part of the crawl schema (sql/migrations): they hold third-party data
 * replaced wholesale by each load, in one transaction, so a dashboard never sees half a table.
 *
 * Lookup (see GEO_LOOKUP_SQL): the special block containing the address if any, else the range with
 * the greatest first address ≤ the address, if its last address is ≥ it. inet orders by family first,
 * so an IPv6 address never lands in an IPv4 range.
 */
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Database, Queryable } from '../../src/store/database.js';
import { SPECIAL_RANGES } from '../../src/geo/special.js';

export const GEO_TABLES_DDL = `
CREATE TABLE IF NOT EXISTS geo_country_ranges (
  first_ip inet NOT NULL,
  last_ip inet NOT NULL,
  country text NOT NULL
);
CREATE INDEX IF NOT EXISTS geo_country_ranges_first_idx ON geo_country_ranges (first_ip);
CREATE TABLE IF NOT EXISTS geo_asn_ranges (
  first_ip inet NOT NULL,
  last_ip inet NOT NULL,
  asn bigint NOT NULL,
  org text NOT NULL
);
CREATE INDEX IF NOT EXISTS geo_asn_ranges_first_idx ON geo_asn_ranges (first_ip);
CREATE TABLE IF NOT EXISTS geo_special_ranges (
  block cidr NOT NULL,
  label text NOT NULL,
  name text NOT NULL
);
CREATE TABLE IF NOT EXISTS geo_meta (
  loaded_at timestamptz NOT NULL,
  source text NOT NULL,
  country_ranges integer NOT NULL,
  asn_ranges integer NOT NULL
);
COMMENT ON TABLE geo_country_ranges IS 'IP range → ISO 3166-1 alpha-2 country, for Grafana (dashboards/geo; replaced by each load).';
COMMENT ON TABLE geo_asn_ranges IS 'IP range → autonomous system, for Grafana (dashboards/geo; replaced by each load).';
COMMENT ON TABLE geo_special_ranges IS 'Special-purpose blocks labelled private or reserved, as src/geo/special.ts (never a country).';
COMMENT ON TABLE geo_meta IS 'The last geo load: when, from what, how many ranges.';
`;

/**
 * Placing the inet expression `ip` in SQL: `joins` goes after the FROM item that provides `ip` (LEFT
 * JOIN LATERAL subqueries gs, gc, ga); `country` is a code, 'private', 'reserved' or 'unknown', as the
 * CLI's reports say; `asn` and `org` are NULL when unknown or special.
 */
export function geoLookup(ip: string): { joins: string; country: string; asn: string; org: string } {
  return {
    joins: [
      `LEFT JOIN LATERAL (SELECT geo_s.label FROM geo_special_ranges geo_s WHERE ${ip} <<= geo_s.block ORDER BY masklen(geo_s.block) DESC LIMIT 1) AS gs ON true`,
      `LEFT JOIN LATERAL (SELECT geo_c.country, geo_c.last_ip FROM geo_country_ranges geo_c WHERE geo_c.first_ip <= ${ip} ORDER BY geo_c.first_ip DESC LIMIT 1) AS gc ON true`,
      `LEFT JOIN LATERAL (SELECT geo_a.asn, geo_a.org, geo_a.last_ip FROM geo_asn_ranges geo_a WHERE geo_a.first_ip <= ${ip} ORDER BY geo_a.first_ip DESC LIMIT 1) AS ga ON true`,
    ].join('\n'),
    country: `coalesce(gs.label, CASE WHEN gc.last_ip >= ${ip} THEN gc.country END, 'unknown')`,
    asn: `CASE WHEN gs.label IS NULL AND ga.last_ip >= ${ip} THEN ga.asn END`,
    org: `CASE WHEN gs.label IS NULL AND ga.last_ip >= ${ip} THEN ga.org END`,
  };
}

export interface GeoCsvText {
  /** "first_ip,last_ip,CC" lines (ip-location-db geo-whois-asn-country, *-ipv4.csv / *-ipv6.csv). */
  country: string[];
  /** "first_ip,last_ip,asn,org" lines, org possibly quoted (ip-location-db asn). */
  asn: string[];
}

export interface GeoLoadResult {
  countryRanges: number;
  asnRanges: number;
  specialRanges: number;
  skipped: number;
}

/** Split one CSV line (RFC 4180 quoting) into fields. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      out.push(v);
      if (line[i] === ',') i++;
      else break;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      out.push(line.slice(i, end));
      if (comma < 0) break;
      i = comma + 1;
    }
  }
  return out;
}

const BATCH = 5_000;

function sameFamily(a: string, b: string): boolean {
  const fa = isIP(a);
  return fa !== 0 && fa === isIP(b);
}

/** Parse the CSV texts into rows; malformed lines are counted, not fatal (third-party data). */
export function parseGeoCsv(csv: GeoCsvText): { countries: [string, string, string][]; asns: [string, string, string, string][]; skipped: number } {
  const countries: [string, string, string][] = [];
  const asns: [string, string, string, string][] = [];
  let skipped = 0;
  for (const text of csv.country) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const [first = '', last = '', cc = ''] = splitCsvLine(line.trim());
      if (sameFamily(first, last) && /^[A-Z]{2}$/.test(cc)) countries.push([first, last, cc]);
      else skipped++;
    }
  }
  for (const text of csv.asn) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const [first = '', last = '', asn = '', org = ''] = splitCsvLine(line.trim());
      if (sameFamily(first, last) && /^\d{1,10}$/.test(asn) && Number(asn) <= 0xffffffff) asns.push([first, last, asn, org]);
      else skipped++;
    }
  }
  return { countries, asns, skipped };
}

async function insertBatches(tx: Queryable, sql: string, rows: readonly string[][], columns: number): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    const arrays = Array.from({ length: columns }, (_, c) => chunk.map((r) => r[c]!));
    await tx.query(sql, arrays);
  }
}

/** Create the tables if needed and replace their contents with `csv`, in one transaction. */
export async function loadGeoTables(db: Database, csv: GeoCsvText, source: string): Promise<GeoLoadResult> {
  const { countries, asns, skipped } = parseGeoCsv(csv);
  await db.exec(GEO_TABLES_DDL);
  await db.transaction(async (tx) => {
    await tx.exec('TRUNCATE geo_country_ranges, geo_asn_ranges, geo_special_ranges, geo_meta');
    await insertBatches(tx, 'INSERT INTO geo_country_ranges SELECT * FROM unnest($1::inet[], $2::inet[], $3::text[])', countries, 3);
    await insertBatches(tx, 'INSERT INTO geo_asn_ranges SELECT * FROM unnest($1::inet[], $2::inet[], $3::bigint[], $4::text[])', asns, 4);
    await insertBatches(tx, 'INSERT INTO geo_special_ranges SELECT * FROM unnest($1::cidr[], $2::text[], $3::text[])', SPECIAL_RANGES.map((r) => [r.cidr, r.label, r.name]), 3);
    await tx.query('INSERT INTO geo_meta VALUES (now(), $1, $2, $3)', [source, countries.length, asns.length]);
  });
  await db.exec('ANALYZE geo_country_ranges; ANALYZE geo_asn_ranges');
  return { countryRanges: countries.length, asnRanges: asns.length, specialRanges: SPECIAL_RANGES.length, skipped };
}

/** True when the tables hold a load from exactly `source` (so a rerun of the loader can skip it). */
export async function geoTablesLoadedFrom(db: Queryable, source: string): Promise<boolean> {
  const [t] = await db.query<{ t: string | null }>(`SELECT to_regclass('geo_meta')::text AS t`);
  if (!t?.t) return false;
  const rows = await db.query<{ source: string }>('SELECT source FROM geo_meta ORDER BY loaded_at DESC LIMIT 1');
  return rows[0]?.source === source;
}

/** The CSV files that install with NodeFinder (@ip-location-db packages, see src/geo/geo.ts). */
export function packagedGeoCsv(): GeoCsvText & { source: string } {
  const require = createRequire(import.meta.url);
  const country = dirname(require.resolve('@ip-location-db/geo-whois-asn-country/package.json'));
  const asn = dirname(require.resolve('@ip-location-db/asn/package.json'));
  const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
  const version = (dir: string) => (JSON.parse(read(dir, 'package.json')) as { version: string }).version;
  return {
    country: [read(country, 'geo-whois-asn-country-ipv4.csv'), read(country, 'geo-whois-asn-country-ipv6.csv')],
    asn: [read(asn, 'asn-ipv4.csv'), read(asn, 'asn-ipv6.csv')],
    source: `@ip-location-db/geo-whois-asn-country ${version(country)} (CC0), @ip-location-db/asn ${version(asn)} (CC BY 4.0)`,
  };
}
