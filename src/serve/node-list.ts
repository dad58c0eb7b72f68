/**
 * The node list: one row per node, newest facts first (latest endpoint, HELLO, STATUS, RTT), filtered
 * and paged by node ID (keyset: `after` = the last ID of the previous page, never OFFSET).
 *
 * Staying fast at 10^5+ nodes: a request walks at most SCAN_LIMIT node IDs in primary-key order and
 * looks each one's latest facts up through indexes (addresses' primary key, dials_node_idx, then the
 * primary keys of hellos/statuses/rtts). A selective filter therefore returns a short (even empty) page
 * with a `next` cursor instead of scanning the whole table; the page says how many IDs it scanned.
 * Country and AS filters are applied by the geo database in the server (the database has no geo
 * tables unless Grafana's were loaded) over the same bounded scan, before the costly lookups.
 */
import type { GeoLookup } from '../geo/index.js';
import type { Queryable } from '../store/database.js';
import { hasGeoFilter, matchesGeo } from '../report/node-filter.js';
import type { NodeListQuery } from './params.js';

/** Node IDs examined per request at most. */
// Measured ~0.2 ms per node ID on Postgres when a filter rejects most of them (bench/serve.bench.ts).
export const SCAN_LIMIT = 1000;

export interface NodeListRow {
  id: string;
  ip: string | null;
  tcp_port: number | null;
  udp_port: number | null;
  country: string | null;
  asn: number | null;
  client_id: string | null;
  client: string | null;
  version: string | null;
  os: string | null;
  network_id: string | null;
  /** As in `report nodes`: the latest STATUS's EIP-2124 fork ID, hash 0x-hex and next a decimal string. */
  fork_id: { hash: string; next: string | null } | null;
  fork_verdict: string | null;
  best_block: string | null;
  rtt_ms: number | null;
  inbound: boolean;
  dialed: boolean;
  last_outcome: string | null;
  /** How the node's endpoints were learned: neighbors, inbound, bootnode, ping, static, dial. */
  sources: string[];
  first_seen: string;
  last_seen: string | null;
}

export interface NodeListPage {
  nodes: NodeListRow[];
  /** Cursor of the next page (`after=`), or null at the end. */
  next: string | null;
  /** Node IDs examined for this page (≤ SCAN_LIMIT); null when the page filled before the scan ended. */
  scanned: number | null;
}

// Each lateral reads one node's latest row through an index; $11 (the --history horizon) prunes the
// day partitions of dials/hellos/statuses/rtts at executor start, so a page's cost does not grow with
// the months of data kept.
// The candidates: the next $3 node IDs after $1 ($2: seen since), our own instances left out.
const SCAN_CANDIDATES = `
  SELECT n.id, n.first_seen, n.last_seen FROM nodes n
  WHERE ($1::bytea IS NULL OR n.id > $1::bytea)
    AND ($2::timestamptz IS NULL OR n.last_seen >= $2::timestamptz)
    AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = n.id)
  ORDER BY n.id LIMIT $3`;
// …or the IDs in $1 (hex; those a geo filter kept), with the same parameter shape.
const LISTED_CANDIDATES = `
  SELECT n.id, n.first_seen, n.last_seen FROM nodes n
  WHERE n.id IN (SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x)
    AND ($2::timestamptz IS NULL OR n.last_seen >= $2::timestamptz)
  ORDER BY n.id LIMIT $3`;
const listSql = (candidates: string) => `
WITH cand AS (${candidates})
SELECT encode(c.id, 'hex') AS id, c.first_seen, c.last_seen,
       host(a.ip) AS ip, a.tcp_port, a.udp_port, coalesce(a.sources, '{}') AS sources,
       h.client_id, h.client_name AS client, h.client_version AS version, h.os,
       s.network_id::text AS network_id,
       encode(s.fork_hash, 'hex') AS fork_hash, s.fork_next::text AS fork_next,
       s.fork_verdict::text AS fork_verdict, s.best_block::text AS best_block,
       r.rtt_ms, coalesce(k.inbound, false) AS inbound, coalesce(k.dialed, false) AS dialed,
       k.last_outcome::text AS last_outcome
FROM cand c
LEFT JOIN LATERAL (
  SELECT (array_agg(x.ip ORDER BY x.last_seen DESC))[1] AS ip, (array_agg(x.tcp_port ORDER BY x.last_seen DESC))[1] AS tcp_port,
         (array_agg(x.udp_port ORDER BY x.last_seen DESC))[1] AS udp_port, array_agg(DISTINCT src::text ORDER BY src::text) AS sources
  FROM addresses x, unnest(ARRAY[x.first_source, x.last_source]) src WHERE x.node_id = c.id) a ON true
LEFT JOIN LATERAL (
  SELECT h.client_id, h.client_name, h.client_version, h.os FROM dials d
  JOIN hellos h ON h.dial_id = d.dial_id AND h.started_at = d.started_at
  WHERE d.node_id = c.id AND d.started_at >= $11::timestamptz AND d.outcome IN ('hello', 'status') ORDER BY d.started_at DESC LIMIT 1) h ON true
LEFT JOIN LATERAL (
  SELECT s.network_id, s.genesis_hash, s.fork_hash, s.fork_next, s.fork_verdict, s.best_block FROM dials d
  JOIN statuses s ON s.dial_id = d.dial_id AND s.started_at = d.started_at
  WHERE d.node_id = c.id AND d.started_at >= $11::timestamptz AND d.outcome = 'status' ORDER BY d.started_at DESC LIMIT 1) s ON true
LEFT JOIN LATERAL (
  SELECT r.rtt_ms FROM dials d JOIN rtts r ON r.dial_id = d.dial_id AND r.started_at = d.started_at
  WHERE d.node_id = c.id AND d.started_at >= $11::timestamptz AND r.rtt_ms IS NOT NULL ORDER BY d.started_at DESC LIMIT 1) r ON true
LEFT JOIN LATERAL (
  SELECT bool_or(kind = 'inbound') AS inbound, bool_or(kind <> 'inbound') AS dialed,
         (array_agg(outcome ORDER BY started_at DESC))[1] AS last_outcome
  FROM dials WHERE node_id = c.id AND started_at >= $11::timestamptz) k ON true
WHERE ($4::numeric IS NULL OR (s.network_id = $4::numeric AND ($5::text IS NULL OR s.genesis_hash = decode($5::text, 'hex'))))
  AND ($6::text IS NULL OR lower(h.client_name) = lower($6::text))
  AND ($7::text IS NULL OR starts_with(h.client_version, $7::text))
  AND ($8::text IS NULL OR s.fork_verdict::text = $8::text)
  AND ($9::text IS NULL OR ($9::text = 'inbound' AND k.inbound) OR ($9::text = 'dialed' AND k.dialed))
ORDER BY c.id
LIMIT $10`;
const LIST_SQL = listSql(SCAN_CANDIDATES);
const LIST_BY_IDS_SQL = listSql(LISTED_CANDIDATES);

// A geo filter first reads only each candidate's latest IP (one primary-key probe), so the costly
// laterals run for the nodes in the country or AS alone.
const GEO_SCAN_SQL = `
WITH cand AS (${SCAN_CANDIDATES})
SELECT encode(c.id, 'hex') AS id, host((SELECT ip FROM addresses x WHERE x.node_id = c.id ORDER BY x.last_seen DESC LIMIT 1)) AS ip
FROM cand c ORDER BY c.id`;

const SCAN_SQL = `
SELECT count(*)::int AS scanned, encode((array_agg(id ORDER BY id DESC))[1], 'hex') AS last FROM (
  SELECT n.id FROM nodes n
  WHERE ($1::bytea IS NULL OR n.id > $1::bytea) AND ($2::timestamptz IS NULL OR n.last_seen >= $2::timestamptz)
    AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = n.id)
  ORDER BY n.id LIMIT $3) c`;

interface RawRow extends Omit<NodeListRow, 'country' | 'asn' | 'first_seen' | 'last_seen' | 'fork_id'> {
  fork_hash: string | null;
  fork_next: string | null;
  first_seen: Date;
  last_seen: Date | null;
  [key: string]: unknown;
}

/**
 * One page. Connection facts (client, network, fork, RTT, inbound/dialed) come from the node's
 * connections since `horizon` (ms since the epoch; the server passes now − --history).
 */
export async function listNodes(tx: Queryable, q: NodeListQuery, geo: () => GeoLookup, horizon: number, scanLimit = SCAN_LIMIT): Promise<NodeListPage> {
  const after = q.after === null ? null : Buffer.from(q.after, 'hex');
  const since = q.seenSince === null ? null : new Date(q.seenSince).toISOString();
  const filters = [q.networkId, q.genesis, q.client, q.version, q.forkVerdict, q.direction];
  // One row more than the page tells whether there is a next page.
  const take = q.limit + 1;
  let raw: RawRow[];
  let scan: { scanned: number; last: string | null } | null = null;
  if (hasGeoFilter(q)) {
    const scanned = await tx.query<{ id: string; ip: string | null }>(GEO_SCAN_SQL, [after, since, scanLimit]);
    scan = { scanned: scanned.length, last: scanned[scanned.length - 1]?.id ?? null };
    const kept = scanned.filter((r) => matchesGeo(q, r.ip, geo()));
    raw = kept.length === 0 ? [] : await tx.query<RawRow>(LIST_BY_IDS_SQL, [kept.map((r) => r.id), since, kept.length, ...filters, take, new Date(horizon).toISOString()]);
  } else {
    raw = await tx.query<RawRow>(LIST_SQL, [after, since, scanLimit, ...filters, take, new Date(horizon).toISOString()]);
  }
  const rows = raw.map((r): NodeListRow => {
    const g = r.ip ? geo().lookup(r.ip) : null;
    // The field names and shapes of `report nodes` (src/report/nodes.ts nodesData), plus place and direction.
    return {
      id: r.id,
      ip: r.ip,
      tcp_port: r.tcp_port,
      udp_port: r.udp_port,
      country: g ? g.country : null,
      asn: g ? g.asn : null,
      client_id: r.client_id,
      client: r.client,
      version: r.version,
      os: r.os,
      network_id: r.network_id,
      fork_id: r.fork_hash === null ? null : { hash: `0x${r.fork_hash}`, next: r.fork_next },
      fork_verdict: r.fork_verdict,
      best_block: r.best_block,
      rtt_ms: r.rtt_ms === null ? null : Math.round(r.rtt_ms * 10) / 10,
      inbound: r.inbound,
      dialed: r.dialed,
      last_outcome: r.last_outcome,
      sources: r.sources,
      first_seen: r.first_seen.toISOString(),
      last_seen: r.last_seen ? r.last_seen.toISOString() : null,
    };
  });
  if (rows.length > q.limit) {
    const nodes = rows.slice(0, q.limit);
    return { nodes, next: nodes[nodes.length - 1]!.id, scanned: null };
  }
  // A short page: either the table ended, or the scan limit did (then continue after the last ID scanned).
  scan ??= (await tx.query<{ scanned: number; last: string | null }>(SCAN_SQL, [after, since, scanLimit]))[0] ?? { scanned: 0, last: null };
  return { nodes: rows, next: scan.scanned >= scanLimit ? scan.last : null, scanned: scan.scanned };
}
