/**
 * One node's page: "is my node seen?". The search text is a node ID, an enode URL or an ENR (parsed
 * by the same codecs as the crawler: hostile text in, typed error out). Everything the database holds
 * about the node, newest first and bounded: endpoints, discovery sightings of recent days (with every
 * source), the discovery protocols it answered, connections with their HELLO, STATUS, RTT and
 * DISCONNECTs, and the ENR versions received with what they say (layer, eth2, snap, client).
 */
import { parseEnode } from '../enode/enode-url.js';
import { decodeEnr, decodeEnrText } from '../enode/enr.js';
import type { GeoLookup } from '../geo/index.js';
import type { Queryable } from '../store/database.js';
import { bytesToHex } from '../util/bytes.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import { HttpError } from './errors.js';
import { hexNodeId } from './params.js';

/** Bounds of each history on the page. */
export const NODE_LIMITS = { addresses: 50, sightingDays: 7, sightings: 200, dials: 100, enrs: 20 } as const;
/** Longest search text accepted (an ENR is ≤ 300 bytes: ≤ 404 characters of base64). */
export const MAX_SEARCH_LENGTH = 600;

export interface NodeQuery {
  id: string;
  /** How the text was read: id, enode, enr or public_key. */
  input: 'id' | 'enode' | 'enr' | 'public_key';
}

/** Node ID of a pasted node ID, public key, enode URL or ENR. */
export function parseNodeQuery(text: string): NodeQuery {
  const t = text.trim();
  if (t === '') throw new HttpError('bad_node', 'paste a node ID, an enode:// URL or an enr: record');
  if (t.length > MAX_SEARCH_LENGTH) throw new HttpError('bad_node', `search text longer than ${MAX_SEARCH_LENGTH} characters`);
  const id = hexNodeId(t);
  if (id) return { id, input: 'id' };
  try {
    if (t.startsWith('enode://')) return { id: bytesToHex(parseEnode(t).id), input: 'enode' };
    if (t.startsWith('enr:')) return { id: bytesToHex(decodeEnrText(t).nodeId), input: 'enr' };
    if (/^(?:0x)?[0-9a-fA-F]{128}$/.test(t)) return { id: bytesToHex(nodeIdFromPublicKey(Buffer.from(t.replace(/^0x/, ''), 'hex'))), input: 'public_key' };
  } catch (err) {
    throw new HttpError('bad_node', `not a valid ${t.startsWith('enr:') ? 'ENR' : 'enode URL'}: ${(err as Error).message.split('\n')[0]!.slice(0, 120)}`);
  }
  throw new HttpError('bad_node', 'not a node ID (64 hex digits), public key (128 hex digits), enode:// URL or enr: record');
}

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d === null || d === undefined ? null : String(d));

export interface NodeDetail {
  id: string;
  public_key: string | null;
  first_seen: string | null;
  last_seen: string | null;
  last_hello_at: string | null;
  last_status_at: string | null;
  last_too_many_peers_at: string | null;
  expired_at: string | null;
  addresses: Record<string, unknown>[];
  sightings: Record<string, unknown>[];
  /** Discovery protocols answered: [{protocol, first_answered, last_answered, answers}]. */
  discovery: Record<string, unknown>[];
  /** Layer of the newest classified record (execution, consensus, other), null without one. */
  layer: string | null;
  dials: Record<string, unknown>[];
  enrs: Record<string, unknown>[];
}

export async function loadNode(tx: Queryable, id: string, now: number, geo: () => GeoLookup): Promise<NodeDetail | null> {
  const key = Buffer.from(id, 'hex');
  const [node] = await tx.query(
    `SELECT encode(public_key, 'hex') AS public_key, first_seen, last_seen, last_hello_at, last_status_at, last_too_many_peers_at, expired_at FROM nodes WHERE id = $1`,
    [key],
  );
  if (!node) return null;
  const addresses = await tx.query(
    `SELECT host(ip) AS ip, udp_port, tcp_port, first_seen, last_seen, first_source::text, last_source::text
     FROM addresses WHERE node_id = $1 ORDER BY last_seen DESC LIMIT $2`,
    [key, NODE_LIMITS.addresses],
  );
  // node_sightings has no node_id index (coverage reads whole days, and an index would slow the
  // writer's upserts), but its primary key is (day, instance_id, node_id): one probe per instance
  // and day finds the node (a hand-made skip scan; ~10 ms for 8 instances × 8 days at 10^5 nodes,
  // against ~300 ms for scanning the partitions). addresses keeps every endpoint's sightings for good.
  const firstDay = new Date(now - NODE_LIMITS.sightingDays * 86_400_000).toISOString().slice(0, 10);
  const lastDay = new Date(now).toISOString().slice(0, 10);
  const sightings = await tx.query(
    `SELECT to_char(s.day, 'YYYY-MM-DD') AS day, encode(s.instance_id, 'hex') AS instance, s.first_seen, s.last_seen, s.sightings, s.first_source::text,
            array_to_string(s.sources, ' ') AS sources
     FROM instances i CROSS JOIN generate_series($2::date, $3::date, interval '1 day') AS g(day)
     CROSS JOIN LATERAL (SELECT * FROM node_sightings x WHERE x.day = g.day::date AND x.instance_id = i.id AND x.node_id = $1 LIMIT 1) s
     ORDER BY s.day DESC, s.last_seen DESC LIMIT $4`,
    [key, firstDay, lastDay, NODE_LIMITS.sightings],
  );
  const dials = await tx.query(
    `SELECT d.dial_id::text, d.started_at, d.ended_at, d.kind::text, encode(d.instance_id, 'hex') AS instance, host(d.ip) AS ip, d.tcp_port,
            d.connect_ms, d.outcome::text, d.error_kind::text, d.error_message,
            h.client_id, h.client_name AS client, h.client_version AS version, h.p2p_version, h.caps, h.listen_port,
            s.eth_version, s.network_id::text AS network_id, encode(s.genesis_hash, 'hex') AS genesis_hash,
            encode(s.best_hash, 'hex') AS best_hash, s.best_block::text AS best_block,
            CASE WHEN s.fork_hash IS NULL THEN NULL ELSE '0x' || encode(s.fork_hash, 'hex') || '/' || s.fork_next::text END AS fork_id,
            s.fork_verdict::text AS fork_verdict,
            r.rtt_ms, r.rtt_source::text AS rtt_source, r.srtt_ms, r.samples AS rtt_samples, r.handshake_ms, r.status_ms, r.tcp_connect_ms, r.disc_ping_ms,
            (SELECT string_agg(x.direction::text || ' ' || x.reason::text, ', ' ORDER BY x.seq)
               FROM disconnects x WHERE x.dial_id = d.dial_id AND x.started_at = d.started_at) AS disconnects
     FROM (SELECT * FROM dials WHERE node_id = $1 ORDER BY started_at DESC LIMIT $2) d
     LEFT JOIN hellos h ON h.dial_id = d.dial_id AND h.started_at = d.started_at
     LEFT JOIN statuses s ON s.dial_id = d.dial_id AND s.started_at = d.started_at
     LEFT JOIN rtts r ON r.dial_id = d.dial_id AND r.started_at = d.started_at
     ORDER BY d.started_at DESC`,
    [key, NODE_LIMITS.dials],
  );
  const enrs = await tx.query<{ seq: string; raw: Uint8Array; first_seen: Date; last_seen: Date; layer: string | null; eth2: string | null; snap: boolean | null; client_hint: string | null }>(
    `SELECT seq::text, raw, first_seen, last_seen, layer::text,
            CASE WHEN eth2_fork_digest IS NULL THEN NULL ELSE '0x' || encode(eth2_fork_digest, 'hex') || ' next 0x' || encode(eth2_next_fork_version, 'hex') || '@' || eth2_next_fork_epoch::text END AS eth2,
            snap, client AS client_hint
     FROM enrs WHERE node_id = $1 ORDER BY seq DESC LIMIT $2`,
    [key, NODE_LIMITS.enrs],
  );
  // The discovery protocols it answered (migration 0006): one row per protocol.
  const answers = await tx.query(
    `SELECT protocol::text, first_answered, last_answered, answers FROM discovery_answers WHERE node_id = $1 ORDER BY protocol`,
    [key],
  );
  const dates = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
  return {
    id,
    public_key: (node.public_key as string | null) ?? null,
    first_seen: iso(node.first_seen),
    last_seen: iso(node.last_seen),
    last_hello_at: iso(node.last_hello_at),
    last_status_at: iso(node.last_status_at),
    last_too_many_peers_at: iso(node.last_too_many_peers_at),
    expired_at: iso(node.expired_at),
    addresses: addresses.map((a) => {
      const g = geo().lookup(a.ip as string);
      return { ...dates(a), country: g.country, asn: g.asn, org: g.org };
    }),
    sightings: sightings.map(dates),
    discovery: answers.map(dates),
    layer: enrs.find((e) => e.layer !== null)?.layer ?? null,
    dials: dials.map(dates),
    enrs: enrs.map((e) => ({
      seq: e.seq,
      first_seen: e.first_seen.toISOString(),
      last_seen: e.last_seen.toISOString(),
      layer: e.layer,
      eth2: e.eth2,
      snap: e.snap,
      client_hint: e.client_hint,
      ...describeEnr(e.raw),
    })),
  };
}

/** The ENR's text form and endpoints; a record that no longer verifies is shown with the reason. */
function describeEnr(raw: Uint8Array): Record<string, unknown> {
  try {
    const enr = decodeEnr(raw);
    const eth = enr.eth;
    return {
      enr: enr.toText(),
      ip: enr.ip ?? enr.ip6 ?? null,
      tcp_port: enr.tcp ?? enr.tcp6 ?? null,
      udp_port: enr.udp ?? enr.udp6 ?? null,
      fork_id: eth ? `0x${bytesToHex(eth.forkHash)}/${eth.forkNext.toString()}` : null,
      keys: [...enr.entries.keys()].join(' '),
      error: null,
    };
  } catch (err) {
    return { enr: null, ip: null, tcp_port: null, udp_port: null, fork_id: null, keys: null, error: (err as Error).message.split('\n')[0] };
  }
}
