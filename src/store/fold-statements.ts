/**
 * Pure: statements for the folded rows of a batch (batch-fold.ts), one function per table. Every
 * statement is order-independent and idempotent: first/last seen use LEAST/GREATEST, counters are
 * summed once per batch (guarded by applied_batches), rows are sorted by key so concurrent writers
 * lock them in the same order.
 */
import type { InstanceStartedEvent, InstanceStoppedEvent } from '../events.js';
import { DISCOVERY_SUMS, type AddressRow, type CounterRow, type EnrRow, type InstanceTotals, type NodeRow, type RebondRow, type SightingRow } from './batch-rows.js';
import { bytes, sortedKeys, ts, type Statement } from './statement.js';
import { recordColumns } from './batch-discovery.js';
import { ADDRESS_SOURCES } from './validate.js';

/** Rows of a node-keyed map in a stable order (node ID, then `sub`). */
function sortedRows<T>(map: Map<string, T[]>, sub: (x: T) => string): T[] {
  const out: T[] = [];
  for (const key of sortedKeys(map)) {
    const list = map.get(key)!;
    if (list.length > 1) list.sort((a, b) => (sub(a) < sub(b) ? -1 : 1));
    out.push(...list);
  }
  return out;
}

export function instanceStatements(started: readonly InstanceStartedEvent[], stopped: readonly InstanceStoppedEvent[]): Statement[] {
  const out: Statement[] = [];
  if (started.length) {
    const byInst = new Map<string, { pk: string; first: number; last: number }>();
    for (const s of started) {
      const i = byInst.get(s.instance);
      if (!i) byInst.set(s.instance, { pk: s.publicKey, first: s.at, last: s.at });
      else (i.first = Math.min(i.first, s.at)), (i.last = Math.max(i.last, s.at));
    }
    const keys = sortedKeys(byInst);
    out.push({
      table: 'instances',
      sql: `INSERT INTO instances AS i (id, public_key, first_started_at, last_started_at)
SELECT ${bytes('id')}, ${bytes('pk')}, ${ts('f')}, ${ts('l')} FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[]) AS u(id, pk, f, l)
ON CONFLICT (id) DO UPDATE SET first_started_at = LEAST(i.first_started_at, excluded.first_started_at),
  last_started_at = GREATEST(i.last_started_at, excluded.last_started_at)`,
      params: [keys, keys.map((k) => byInst.get(k)!.pk), keys.map((k) => byInst.get(k)!.first), keys.map((k) => byInst.get(k)!.last)],
    });
    out.push({
      table: 'instance_runs',
      sql: `INSERT INTO instance_runs (instance_id, started_at, host, udp_port, tcp_port, network, code_version)
SELECT ${bytes('id')}, ${ts('at')}, h, up, tp, nw, cv FROM unnest($1::text[], $2::int8[], $3::text[], $4::int4[], $5::int4[], $6::text[], $7::text[]) AS u(id, at, h, up, tp, nw, cv)
ON CONFLICT (instance_id, started_at) DO NOTHING`,
      params: [
        started.map((s) => s.instance),
        started.map((s) => s.at),
        started.map((s) => s.host),
        started.map((s) => s.udpPort),
        started.map((s) => s.tcpPort),
        started.map((s) => s.network),
        started.map((s) => s.codeVersion),
      ],
    });
  }
  if (stopped.length) {
    // The run a stop belongs to is the latest one that started before it.
    out.push({
      table: 'instance_runs',
      sql: `UPDATE instance_runs r SET stopped_at = ${ts('u.at')}
FROM unnest($1::text[], $2::int8[]) AS u(id, at)
WHERE r.instance_id = ${bytes('u.id')}
  AND r.started_at = (SELECT max(started_at) FROM instance_runs x WHERE x.instance_id = ${bytes('u.id')} AND x.started_at <= ${ts('u.at')})`,
      params: [stopped.map((s) => s.instance), stopped.map((s) => s.at)],
    });
  }
  return out;
}

/**
 * Nodes with a sign of life move last_seen; nodes only known (a failed dial) just exist. An upsert
 * that would change nothing is skipped by its WHERE (no new row version, no index entry): most
 * failed dials are to nodes long known.
 */
export function nodeStatements(nodes: ReadonlyMap<string, NodeRow>): Statement[] {
  const out: Statement[] = [];
  const ids = sortedKeys(nodes);
  const alive = ids.filter((k) => nodes.get(k)!.last !== null);
  const known = ids.filter((k) => nodes.get(k)!.last === null);
  if (alive.length) {
    const rows = alive.map((k) => nodes.get(k)!);
    out.push({
      table: 'nodes',
      sql: `INSERT INTO nodes AS n (id, public_key, first_seen, last_seen, last_hello_at, last_status_at, last_too_many_peers_at)
SELECT ${bytes('id')}, ${bytes('pk')}, ${ts('f')}, ${ts('l')}, ${ts('h')}, ${ts('s')}, ${ts('t')}
FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[]) AS u(id, pk, f, l, h, s, t)
ON CONFLICT (id) DO UPDATE SET
  public_key = COALESCE(n.public_key, excluded.public_key),
  first_seen = LEAST(n.first_seen, excluded.first_seen),
  last_seen = GREATEST(n.last_seen, excluded.last_seen),
  last_hello_at = GREATEST(n.last_hello_at, excluded.last_hello_at),
  last_status_at = GREATEST(n.last_status_at, excluded.last_status_at),
  last_too_many_peers_at = GREATEST(n.last_too_many_peers_at, excluded.last_too_many_peers_at),
  expired_at = CASE WHEN excluded.last_seen > n.expired_at THEN NULL ELSE n.expired_at END`,
      params: [alive, rows.map((r) => r.publicKey), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.hello), rows.map((r) => r.status), rows.map((r) => r.tooManyPeers)],
    });
  }
  if (known.length) {
    const rows = known.map((k) => nodes.get(k)!);
    out.push({
      table: 'nodes',
      sql: `INSERT INTO nodes AS n (id, public_key, first_seen, last_seen)
SELECT ${bytes('id')}, ${bytes('pk')}, ${ts('f')}, NULL FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(id, pk, f)
ON CONFLICT (id) DO UPDATE SET public_key = COALESCE(n.public_key, excluded.public_key), first_seen = LEAST(n.first_seen, excluded.first_seen)
WHERE (n.public_key IS NULL AND excluded.public_key IS NOT NULL) OR excluded.first_seen < n.first_seen`,
      params: [known, rows.map((r) => r.publicKey), rows.map((r) => r.first)],
    });
  }
  return out;
}

export function rebondStatement(rebonds: ReadonlyMap<string, RebondRow>): Statement {
  const keys = sortedKeys(rebonds);
  const rows = keys.map((k) => rebonds.get(k)!);
  return {
    table: 'nodes',
    sql: `UPDATE nodes n SET findnode_rebonds = n.findnode_rebonds + u.c,
  findnode_rebonds_answered = n.findnode_rebonds_answered + u.a,
  last_findnode_rebond_at = GREATEST(n.last_findnode_rebond_at, ${ts('u.l')})
FROM unnest($1::text[], $2::int4[], $3::int4[], $4::int8[]) AS u(id, c, a, l)
WHERE n.id = ${bytes('u.id')}`,
    params: [keys, rows.map((r) => r.count), rows.map((r) => r.answered), rows.map((r) => r.last)],
  };
}

/** An address row an older sighting would not change (a replay, an out-of-order batch) is not rewritten. */
export function addressStatement(addresses: Map<string, AddressRow[]>): Statement {
  const rows = sortedRows(addresses, (a) => `${a.ip}|${a.udp}|${a.tcp}`);
  return {
    table: 'addresses',
    sql: `INSERT INTO addresses AS a (node_id, ip, udp_port, tcp_port, first_seen, last_seen, first_source, last_source)
SELECT ${bytes('n')}, ip::inet, up, tp, ${ts('f')}, ${ts('l')}, fs::address_source, ls::address_source
FROM unnest($1::text[], $2::text[], $3::int4[], $4::int4[], $5::int8[], $6::int8[], $7::text[], $8::text[]) AS u(n, ip, up, tp, f, l, fs, ls)
ON CONFLICT (node_id, ip, udp_port, tcp_port) DO UPDATE SET
  first_seen = LEAST(a.first_seen, excluded.first_seen),
  first_source = CASE WHEN excluded.first_seen < a.first_seen THEN excluded.first_source ELSE a.first_source END,
  last_seen = GREATEST(a.last_seen, excluded.last_seen),
  last_source = CASE WHEN excluded.last_seen >= a.last_seen THEN excluded.last_source ELSE a.last_source END
WHERE excluded.first_seen < a.first_seen OR excluded.last_seen >= a.last_seen`,
    params: [rows.map((r) => r.node), rows.map((r) => r.ip), rows.map((r) => r.udp), rows.map((r) => r.tcp), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.firstSource), rows.map((r) => r.lastSource)],
  };
}

/** Position of each source in the address_source enum (ADDRESS_SOURCES is in that order; tested). */
const SOURCE_RANK = new Map<string, number>(ADDRESS_SOURCES.map((s, i) => [s, i]));

export function sightingStatement(sightings: Map<string, SightingRow[]>): Statement {
  const rows = sortedRows(sightings, (x) => `${x.day}|${x.instance}`);
  return {
    table: 'node_sightings',
    // sources travel as one '{a,b}' array literal per row (unnest flattens nested arrays), already
    // distinct (batch-fold.ts) and sorted in enum order here: a per-row sort in SQL cost ~2 µs a row.
    // Merged with the stored ones sorted and distinct, untouched when the batch adds nothing new.
    sql: `INSERT INTO node_sightings AS s (day, instance_id, node_id, first_seen, last_seen, sightings, first_source, sources)
SELECT d::date, ${bytes('i')}, ${bytes('n')}, ${ts('f')}, ${ts('l')}, c, src::address_source, ss::address_source[]
FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int4[], $7::text[], $8::text[]) AS u(d, i, n, f, l, c, src, ss)
ON CONFLICT (day, instance_id, node_id) DO UPDATE SET
  sources = CASE WHEN excluded.sources <@ s.sources THEN s.sources
    ELSE ARRAY(SELECT DISTINCT x FROM unnest(s.sources || excluded.sources) x ORDER BY x) END,
  first_source = CASE WHEN excluded.first_seen < s.first_seen THEN excluded.first_source ELSE s.first_source END,
  first_seen = LEAST(s.first_seen, excluded.first_seen),
  last_seen = GREATEST(s.last_seen, excluded.last_seen),
  sightings = s.sightings + excluded.sightings`,
    params: [rows.map((r) => r.day), rows.map((r) => r.instance), rows.map((r) => r.node), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.count), rows.map((r) => r.firstSource), rows.map((r) => `{${sortSources(r.sources).join(',')}}`)],
  };
}

function sortSources(sources: string[]): string[] {
  return sources.length < 2 ? sources : [...sources].sort((a, b) => (SOURCE_RANK.get(a) ?? 99) - (SOURCE_RANK.get(b) ?? 99));
}

export function counterStatement(counters: ReadonlyMap<string, CounterRow>): Statement {
  const rows = sortedKeys(counters).map((k) => counters.get(k)!);
  return {
    table: 'discovery_counters',
    sql: `INSERT INTO discovery_counters AS c (minute, instance_id, findnode_sent, neighbors_received, nodes_learned, new_nodes, pings_sent, pongs_received, pings_received, findnode_received, table_size, neighbors_dropped, findnode_rebonds)
SELECT ${ts('m')}, ${bytes('i')}, a, b, c, d, e, f, g, h, t, nd, fr
FROM unnest($1::int8[], $2::text[], $3::int4[], $4::int4[], $5::int4[], $6::int4[], $7::int4[], $8::int4[], $9::int4[], $10::int4[], $11::int4[], $12::int4[], $13::int4[]) AS u(m, i, a, b, c, d, e, f, g, h, t, nd, fr)
ON CONFLICT (instance_id, minute) DO UPDATE SET
  findnode_sent = c.findnode_sent + excluded.findnode_sent,
  neighbors_received = c.neighbors_received + excluded.neighbors_received,
  nodes_learned = c.nodes_learned + excluded.nodes_learned,
  new_nodes = c.new_nodes + excluded.new_nodes,
  pings_sent = c.pings_sent + excluded.pings_sent,
  pongs_received = c.pongs_received + excluded.pongs_received,
  pings_received = c.pings_received + excluded.pings_received,
  findnode_received = c.findnode_received + excluded.findnode_received,
  table_size = GREATEST(c.table_size, excluded.table_size),
  neighbors_dropped = c.neighbors_dropped + excluded.neighbors_dropped,
  findnode_rebonds = c.findnode_rebonds + excluded.findnode_rebonds`,
    params: [
      rows.map((r) => r.minute),
      rows.map((r) => r.instance),
      ...DISCOVERY_SUMS.map((k) => rows.map((r) => r[k])),
      rows.map((r) => r.tableSize),
      rows.map((r) => r.neighborsDropped),
      rows.map((r) => r.findnodeRebonds),
    ],
  };
}

export function totalsStatement(totals: ReadonlyMap<string, InstanceTotals>): Statement {
  const keys = sortedKeys(totals);
  const rows = keys.map((k) => totals.get(k)!);
  return {
    table: 'instance_totals',
    sql: `INSERT INTO instance_totals AS t (instance_id, findnode_sent, neighbors_received, nodes_learned, new_nodes, pings_sent, pongs_received, pings_received, findnode_received, dials, hellos, statuses, updated_at)
SELECT ${bytes('i')}, a, b, c, d, e, f, g, h, dl, he, st, ${ts('up')}
FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int8[]) AS u(i, a, b, c, d, e, f, g, h, dl, he, st, up)
ON CONFLICT (instance_id) DO UPDATE SET
  findnode_sent = t.findnode_sent + excluded.findnode_sent,
  neighbors_received = t.neighbors_received + excluded.neighbors_received,
  nodes_learned = t.nodes_learned + excluded.nodes_learned,
  new_nodes = t.new_nodes + excluded.new_nodes,
  pings_sent = t.pings_sent + excluded.pings_sent,
  pongs_received = t.pongs_received + excluded.pongs_received,
  pings_received = t.pings_received + excluded.pings_received,
  findnode_received = t.findnode_received + excluded.findnode_received,
  dials = t.dials + excluded.dials,
  hellos = t.hellos + excluded.hellos,
  statuses = t.statuses + excluded.statuses,
  updated_at = GREATEST(t.updated_at, excluded.updated_at)`,
    params: [
      keys,
      ...DISCOVERY_SUMS.map((k) => rows.map((r) => r[k])),
      rows.map((r) => r.dials),
      rows.map((r) => r.hellos),
      rows.map((r) => r.statuses),
      rows.map((r) => r.updatedAt),
    ],
  };
}

export function enrStatement(enrs: ReadonlyMap<string, EnrRow>): Statement {
  const rows = sortedKeys(enrs).map((k) => enrs.get(k)!);
  // What the record says (src/eth/record-layer.ts), kept with the record version; a conflicting
  // row from before migration 0006 gets its classification filled in.
  const cls = rows.map((r) => recordColumns(r.raw));
  return {
    table: 'enrs',
    sql: `INSERT INTO enrs AS e (node_id, seq, raw, first_seen, last_seen, instance_id,
  layer, eth_fork_hash, eth_fork_next, eth2_fork_digest, eth2_next_fork_version, eth2_next_fork_epoch, snap, client)
SELECT ${bytes('n')}, s, ${bytes('r')}, ${ts('f')}, ${ts('l')}, ${bytes('i')},
  ly::record_layer, ${bytes('fh')}, fx, ${bytes('d2')}, ${bytes('v2')}, e2, sn, cl
FROM unnest($1::text[], $2::numeric[], $3::text[], $4::int8[], $5::int8[], $6::text[],
  $7::text[], $8::text[], $9::numeric[], $10::text[], $11::text[], $12::numeric[], $13::bool[], $14::text[]) AS u(n, s, r, f, l, i, ly, fh, fx, d2, v2, e2, sn, cl)
ON CONFLICT (node_id, seq) DO UPDATE SET first_seen = LEAST(e.first_seen, excluded.first_seen), last_seen = GREATEST(e.last_seen, excluded.last_seen),
  layer = COALESCE(e.layer, excluded.layer), eth_fork_hash = COALESCE(e.eth_fork_hash, excluded.eth_fork_hash),
  eth_fork_next = COALESCE(e.eth_fork_next, excluded.eth_fork_next), eth2_fork_digest = COALESCE(e.eth2_fork_digest, excluded.eth2_fork_digest),
  eth2_next_fork_version = COALESCE(e.eth2_next_fork_version, excluded.eth2_next_fork_version),
  eth2_next_fork_epoch = COALESCE(e.eth2_next_fork_epoch, excluded.eth2_next_fork_epoch),
  snap = COALESCE(e.snap, excluded.snap), client = COALESCE(e.client, excluded.client)`,
    params: [
      rows.map((r) => r.node),
      rows.map((r) => r.seq),
      rows.map((r) => r.raw),
      rows.map((r) => r.first),
      rows.map((r) => r.last),
      rows.map((r) => r.instance),
      cls.map((c) => c?.layer ?? null),
      cls.map((c) => c?.ethForkHash ?? null),
      cls.map((c) => c?.ethForkNext ?? null),
      cls.map((c) => c?.eth2?.forkDigest ?? null),
      cls.map((c) => c?.eth2?.nextForkVersion ?? null),
      cls.map((c) => c?.eth2?.nextForkEpoch ?? null),
      cls.map((c) => (c ? c.snap : null)),
      cls.map((c) => c?.client ?? null),
    ],
  };
}

export function expiryStatement(expired: ReadonlyMap<string, number>): Statement {
  const keys = sortedKeys(expired);
  // Only if not seen since: a node seen after the expiry decision stays in the static set.
  return {
    table: 'nodes',
    sql: `UPDATE nodes n SET expired_at = ${ts('u.at')}
FROM unnest($1::text[], $2::int8[]) AS u(id, at)
WHERE n.id = ${bytes('u.id')} AND n.expired_at IS NULL AND n.last_seen <= ${ts('u.at')}`,
    params: [keys, keys.map((k) => expired.get(k)!)],
  };
}

export function leaseStatement(leases: ReadonlyMap<string, number>): Statement {
  const keys = sortedKeys(leases);
  // A node joining the static set gets a lease row, due from its first qualifying connection;
  // claimRedials() hands it out. Once claimed, due_at belongs to the claimers.
  return {
    table: 'redial_leases',
    sql: `INSERT INTO redial_leases AS r (node_id, due_at)
SELECT ${bytes('id')}, ${ts('at')} FROM unnest($1::text[], $2::int8[]) AS u(id, at)
ON CONFLICT (node_id) DO UPDATE SET due_at = LEAST(r.due_at, excluded.due_at) WHERE r.holder IS NULL`,
    params: [keys, keys.map((k) => leases.get(k)!)],
  };
}
