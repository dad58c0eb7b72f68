/**
 * The queries the crawler runs against the store at start-up and during a crawl. Times are ms since
 * the epoch (from the crawler's Clock, never the database's), IDs and keys lowercase hex.
 */
import { bytesToHex, hexToBytes } from '../util/bytes.js';
import type { Database } from './database.js';

export interface StaticNode {
  nodeId: string;
  publicKey: string | null;
  /** Latest known endpoint (prefers one with a TCP port); null if none was ever recorded. */
  ip: string | null;
  udpPort: number;
  tcpPort: number;
  /** null only for a node never heard from (cannot happen for the static set). */
  lastSeen: number | null;
  lastHelloAt: number | null;
  lastTooManyPeersAt: number | null;
}

export interface InstanceInfo {
  instance: string;
  publicKey: string;
  firstStartedAt: number;
  lastStartedAt: number;
}

export interface InstanceTotals {
  findnodeSent: number;
  neighborsReceived: number;
  nodesLearned: number;
  newNodes: number;
  pingsSent: number;
  pongsReceived: number;
  pingsReceived: number;
  findnodeReceived: number;
  dials: number;
  hellos: number;
  statuses: number;
  updatedAt: number;
}

const tsParam = (n: number) => `to_timestamp($${n}::float8 / 1000)`;
const ms = (d: unknown): number => (d as Date).getTime();
const msOrNull = (d: unknown): number | null => (d === null || d === undefined ? null : (d as Date).getTime());
const hex = (b: unknown): string => bytesToHex(b as Uint8Array);
const hexOrNull = (b: unknown): string | null => (b === null || b === undefined ? null : bytesToHex(b as Uint8Array));

const NODE_COLUMNS = `n.id, n.public_key, n.last_seen, n.last_hello_at, n.last_too_many_peers_at, a.ip, a.udp_port, a.tcp_port`;
const LATEST_ADDRESS = `LEFT JOIN LATERAL (
  SELECT host(ip) AS ip, udp_port, tcp_port FROM addresses
   WHERE node_id = n.id ORDER BY (tcp_port <> 0) DESC, last_seen DESC LIMIT 1) a ON true`;

type NodeRow = {
  id: Uint8Array;
  public_key: Uint8Array | null;
  last_seen: Date | null;
  last_hello_at: Date | null;
  last_too_many_peers_at: Date | null;
  ip: string | null;
  udp_port: number | null;
  tcp_port: number | null;
};

function toStaticNode(r: NodeRow): StaticNode {
  return {
    nodeId: hex(r.id),
    publicKey: hexOrNull(r.public_key),
    ip: r.ip,
    udpPort: r.udp_port ?? 0,
    tcpPort: r.tcp_port ?? 0,
    lastSeen: msOrNull(r.last_seen),
    lastHelloAt: msOrNull(r.last_hello_at),
    lastTooManyPeersAt: msOrNull(r.last_too_many_peers_at),
  };
}

/**
 * The static set to redial after a restart: nodes that ever completed HELLO or answered
 * too_many_peers, not expired (and, given `now` + `expireAfterMs`, seen within that window),
 * each with its latest address.
 */
export async function loadStaticSet(db: Database, opts: { now?: number; expireAfterMs?: number } = {}): Promise<StaticNode[]> {
  const params: unknown[] = [];
  let window = '';
  if (opts.now !== undefined && opts.expireAfterMs !== undefined) {
    params.push(opts.now - opts.expireAfterMs);
    window = `AND n.last_seen >= ${tsParam(1)}`;
  }
  const rows = await db.query<NodeRow>(
    `SELECT ${NODE_COLUMNS} FROM nodes n ${LATEST_ADDRESS}
      WHERE n.expired_at IS NULL AND (n.last_hello_at IS NOT NULL OR n.last_too_many_peers_at IS NOT NULL) ${window}
      ORDER BY n.last_seen DESC`,
    params,
  );
  return rows.map(toStaticNode);
}

/** Mark nodes not seen for `expireAfterMs` as expired (they leave the static set); returns their IDs. */
export async function expireNodes(db: Database, now: number, expireAfterMs: number): Promise<string[]> {
  const rows = await db.query<{ id: Uint8Array }>(
    `UPDATE nodes SET expired_at = ${tsParam(1)}
      WHERE expired_at IS NULL AND last_seen < ${tsParam(2)}
      RETURNING id`,
    [now, now - expireAfterMs],
  );
  return rows.map((r) => hex(r.id)).sort();
}

/**
 * Multi-host redial leases: hand up to `limit` due static nodes to `holder` and make them due again
 * after `periodMs`. Each node goes to exactly one caller per period, across processes and hosts
 * sharing the database: due lease rows are locked with FOR UPDATE SKIP LOCKED (concurrent claimers
 * take disjoint rows without waiting), and the UPDATE re-checks due_at on the latest row version.
 * Lease rows are created by the writer when a node joins the static set.
 */
export async function claimRedials(db: Database, holder: string, now: number, periodMs: number, limit: number): Promise<StaticNode[]> {
  const rows = await db.query<NodeRow>(
    `WITH due AS (
       SELECT l.node_id FROM redial_leases l JOIN nodes n ON n.id = l.node_id
        WHERE l.due_at <= ${tsParam(1)} AND n.expired_at IS NULL
        ORDER BY l.due_at, l.node_id
        LIMIT $4
        FOR UPDATE OF l SKIP LOCKED
     ), claimed AS (
       UPDATE redial_leases l SET holder = $2, leased_at = ${tsParam(1)}, due_at = ${tsParam(1)} + $3::float8 * interval '1 millisecond'
         FROM due WHERE l.node_id = due.node_id AND l.due_at <= ${tsParam(1)}
       RETURNING l.node_id
     )
     SELECT ${NODE_COLUMNS} FROM claimed c JOIN nodes n ON n.id = c.node_id ${LATEST_ADDRESS}
      ORDER BY n.id`,
    [now, holder, periodMs, limit],
  );
  return rows.map(toStaticNode);
}

/** Give a lease back early (e.g. the holder shuts down): the node becomes due at `dueAt`. */
export async function releaseRedial(db: Database, nodeId: string, holder: string, dueAt: number): Promise<boolean> {
  const rows = await db.query(`UPDATE redial_leases SET due_at = ${tsParam(3)} WHERE node_id = $1 AND holder = $2 RETURNING node_id`, [
    hexToBytes(nodeId),
    holder,
    dueAt,
  ]);
  return rows.length > 0;
}

/** Identities that ran before (so a restarted crawler can reuse its keys in the same order). */
export async function loadInstances(db: Database): Promise<InstanceInfo[]> {
  const rows = await db.query<{ id: Uint8Array; public_key: Uint8Array; first_started_at: Date; last_started_at: Date }>(
    'SELECT id, public_key, first_started_at, last_started_at FROM instances ORDER BY first_started_at, id',
  );
  return rows.map((r) => ({
    instance: hex(r.id),
    publicKey: hex(r.public_key),
    firstStartedAt: ms(r.first_started_at),
    lastStartedAt: ms(r.last_started_at),
  }));
}

/** All-time counters of an instance (kept by the writer), or null if it never reported any. */
export async function loadInstanceTotals(db: Database, instance: string): Promise<InstanceTotals | null> {
  const [r] = await db.query<Record<string, bigint | Date>>(
    `SELECT findnode_sent, neighbors_received, nodes_learned, new_nodes, pings_sent, pongs_received, pings_received,
            findnode_received, dials, hellos, statuses, updated_at
       FROM instance_totals WHERE instance_id = $1`,
    [hexToBytes(instance)],
  );
  if (!r) return null;
  const n = (k: string) => Number(r[k] as bigint);
  return {
    findnodeSent: n('findnode_sent'),
    neighborsReceived: n('neighbors_received'),
    nodesLearned: n('nodes_learned'),
    newNodes: n('new_nodes'),
    pingsSent: n('pings_sent'),
    pongsReceived: n('pongs_received'),
    pingsReceived: n('pings_received'),
    findnodeReceived: n('findnode_received'),
    dials: n('dials'),
    hellos: n('hellos'),
    statuses: n('statuses'),
    updatedAt: ms(r.updated_at),
  };
}
