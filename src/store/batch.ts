/**
 * Pure: a batch of validated CrawlerEvents → a few multi-row statements (`INSERT … SELECT FROM
 * unnest($1::text[], …)`: one statement per table whatever the batch size, a fixed number of
 * parameters, and plans Postgres can cache — measured faster than multi-VALUES, see bench/store).
 *
 * Every statement is order-independent and idempotent, so batches may be retried, replayed from the
 * journal, or applied out of order without changing the result:
 *   first/last seen use LEAST/GREATEST, counters are summed once per batch (guarded by
 *   applied_batches), per-dial rows are keyed by dial_id with ON CONFLICT DO NOTHING.
 * Rows touching the same key are folded in JavaScript first (an upsert may not touch a row twice) and
 * sorted by key, so concurrent writers lock rows in the same order and do not deadlock.
 */
import type { CrawlerEvent, DialEvent } from '../events.js';
import { addAnswer, answerStatement, recordColumns, type AnswerAgg } from './batch-discovery.js';

export interface Statement {
  table: string;
  sql: string;
  params: unknown[];
}

/** Tables partitioned by UTC day and the event time that picks the partition. */
export const DAY_PARTITIONED = ['node_sightings', 'discovery_counters', 'dials', 'hellos', 'statuses', 'disconnects', 'rtts'] as const;
export type DayPartitioned = (typeof DAY_PARTITIONED)[number];

const DAY_MS = 86_400_000;

const dayNames = new Map<number, string>();

/** UTC day (YYYY-MM-DD) of a time in ms (memoised: formatting dates is the hot spot of a batch). */
export function utcDay(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let name = dayNames.get(day);
  if (name === undefined) {
    if (dayNames.size > 4096) dayNames.clear();
    name = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayNames.set(day, name);
  }
  return name;
}

/** `table|YYYY-MM-DD` for every partition the batch writes into. */
export function partitionsFor(events: readonly CrawlerEvent[]): Set<string> {
  const out = new Set<string>();
  for (const ev of events) {
    if (ev.type === 'node_seen') out.add(`node_sightings|${utcDay(ev.at)}`);
    else if (ev.type === 'discovery_counters') out.add(`discovery_counters|${utcDay(ev.minute)}`);
    else if (ev.type === 'dial') {
      const day = utcDay(ev.startedAt);
      out.add(`dials|${day}`);
      if (ev.hello) out.add(`hellos|${day}`);
      if (ev.status) out.add(`statuses|${day}`);
      if (ev.disconnects.length) out.add(`disconnects|${day}`);
      if (ev.rtt) out.add(`rtts|${day}`);
    }
  }
  return out;
}

// ms → timestamptz. float8 keeps ms exact for any realistic date (to_timestamp rounds to µs).
const ts = (col: string) => `to_timestamp(${col}::float8 / 1000)`;
const bytes = (col: string) => `decode(${col}, 'hex')`;

interface AddrAgg {
  node: string;
  ip: string;
  udp: number;
  tcp: number;
  first: number;
  last: number;
  fs: string;
  ls: string;
}

interface SightAgg {
  day: string;
  inst: string;
  node: string;
  first: number;
  last: number;
  n: number;
  src: string;
  /** every source of the batch's events for this row (node_sightings.sources) */
  srcs: string[];
}

function addAddress(map: Map<string, AddrAgg[]>, node: string, ip: string, udp: number, tcp: number, at: number, source: string): void {
  let list = map.get(node);
  if (!list) map.set(node, (list = []));
  const a = list.find((x) => x.ip === ip && x.udp === udp && x.tcp === tcp);
  if (!a) list.push({ node, ip, udp, tcp, first: at, last: at, fs: source, ls: source });
  else {
    if (at < a.first) (a.first = at), (a.fs = source);
    if (at >= a.last) (a.last = at), (a.ls = source);
  }
}

/** Rows of a node-keyed map in a stable order (node ID, then `sub`): concurrent writers lock alike. */
function sortedRows<T>(map: Map<string, T[]>, sub: (x: T) => string): T[] {
  const out: T[] = [];
  for (const key of [...map.keys()].sort()) {
    const list = map.get(key)!;
    if (list.length > 1) list.sort((a, b) => (sub(a) < sub(b) ? -1 : 1));
    out.push(...list);
  }
  return out;
}

interface NodeAgg {
  pk: string | null;
  first: number;
  /** last sign of life; null = only known (e.g. a failed outbound dial) */
  last: number | null;
  hello: number | null;
  status: number | null;
  tooMany: number | null;
}

const maxOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * What one writer last committed for each node and address, so a node_seen that would only move
 * `last_seen` forward by less than `refreshMs` can skip the nodes/addresses upserts (a crawl sees the
 * same few thousand nodes many times a second; those upserts were two thirds of the ingest cost).
 * node_sightings still counts every event. Consequence, documented in the schema: nodes.last_seen
 * and addresses.last_seen may lag the newest sighting by up to refreshMs. refreshMs = 0 disables it.
 */
export class RefreshCache {
  private readonly nodes = new Map<string, { first: number; last: number }>();
  private readonly addrs = new Map<string, { ip: string; udp: number; tcp: number; first: number; last: number }[]>();
  private readonly leases = new Map<string, number>();

  constructor(
    readonly refreshMs: number,
    private readonly maxEntries = 500_000,
  ) {}

  wantNode(id: string, at: number): boolean {
    if (this.refreshMs <= 0) return true;
    const n = this.nodes.get(id);
    return !n || at < n.first || at - n.last >= this.refreshMs;
  }

  /** A lease row exists from a time at or before `at`: the upsert could not change it. */
  wantLease(id: string, at: number): boolean {
    if (this.refreshMs <= 0) return true;
    const due = this.leases.get(id);
    return due === undefined || at < due;
  }

  wantAddress(id: string, ip: string, udp: number, tcp: number, at: number): boolean {
    if (this.refreshMs <= 0) return true;
    const a = this.addrs.get(id)?.find((x) => x.ip === ip && x.udp === udp && x.tcp === tcp);
    return !a || at < a.first || at - a.last >= this.refreshMs;
  }

  /** After the batch committed: remember what it wrote. */
  commit(written: WrittenRows): void {
    if (this.refreshMs <= 0) return;
    for (const [id, n] of written.nodes) {
      const old = this.nodes.get(id);
      this.nodes.delete(id); // re-insert: Map order approximates least recently written first
      this.nodes.set(id, old ? { first: Math.min(old.first, n.first), last: Math.max(old.last, n.last) } : n);
    }
    for (const a of written.addresses) {
      let list = this.addrs.get(a.node);
      if (!list) this.addrs.set(a.node, (list = []));
      const x = list.find((y) => y.ip === a.ip && y.udp === a.udp && y.tcp === a.tcp);
      if (x) (x.first = Math.min(x.first, a.first)), (x.last = Math.max(x.last, a.last));
      else list.push({ ip: a.ip, udp: a.udp, tcp: a.tcp, first: a.first, last: a.last });
    }
    for (const [id, at] of written.leases) this.leases.set(id, Math.min(this.leases.get(id) ?? Infinity, at));
    for (const map of [this.nodes, this.addrs, this.leases] as Map<string, unknown>[]) {
      if (map.size <= this.maxEntries) continue;
      let drop = map.size - Math.floor(this.maxEntries * 0.9);
      for (const key of map.keys()) {
        if (drop-- <= 0) break;
        map.delete(key);
      }
    }
  }
}

export interface WrittenRows {
  nodes: Map<string, { first: number; last: number }>;
  addresses: AddrAgg[];
  leases: Map<string, number>;
}

export interface BuiltBatch {
  statements: Statement[];
  /** Hand to RefreshCache.commit() once the batch committed. */
  written: WrittenRows;
}

/** Build the statements for one batch (events already validated). */
export function buildStatements(events: readonly CrawlerEvent[]): Statement[] {
  return buildBatch(events).statements;
}

export function buildBatch(events: readonly CrawlerEvent[], refresh?: RefreshCache): BuiltBatch {
  const out: Statement[] = [];
  const started: Extract<CrawlerEvent, { type: 'instance_started' }>[] = [];
  const stopped: Extract<CrawlerEvent, { type: 'instance_stopped' }>[] = [];
  const nodes = new Map<string, NodeAgg>();
  // Keyed by node ID, then a short list: composite string keys cost more to build and hash than
  // everything else in a batch.
  const addresses = new Map<string, AddrAgg[]>();
  const sightings = new Map<string, SightAgg[]>();
  const counters = new Map<string, Extract<CrawlerEvent, { type: 'discovery_counters' }> & { n: number }>();
  const totals = new Map<string, number[]>(); // 8 discovery sums, dials, hellos, statuses, updated
  const dials: DialEvent[] = [];
  const enrs = new Map<string, { node: string; seq: bigint; raw: string; first: number; last: number; inst: string }>();
  const expired = new Map<string, number>();
  const leases = new Map<string, number>();
  const rebonds = new Map<string, { n: number; answered: number; last: number }>();
  const answers = new Map<string, AnswerAgg>();

  const touchNode = (id: string, pk: string | null, at: number, alive: boolean) => {
    const n = nodes.get(id);
    if (!n) {
      nodes.set(id, { pk, first: at, last: alive ? at : null, hello: null, status: null, tooMany: null });
      return nodes.get(id)!;
    }
    if (pk && !n.pk) n.pk = pk;
    if (at < n.first) n.first = at;
    if (alive) n.last = maxOrNull(n.last, at);
    return n;
  };
  const total = (inst: string, at: number): number[] => {
    let t = totals.get(inst);
    if (!t) totals.set(inst, (t = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, at]));
    t[11] = Math.max(t[11]!, at);
    return t;
  };

  for (const ev of events) {
    switch (ev.type) {
      case 'instance_started':
        started.push(ev);
        break;
      case 'instance_stopped':
        stopped.push(ev);
        break;
      case 'node_seen': {
        if (!refresh || refresh.wantNode(ev.nodeId, ev.at)) touchNode(ev.nodeId, ev.publicKey, ev.at, true);
        if (!refresh || refresh.wantAddress(ev.nodeId, ev.ip, ev.udpPort, ev.tcpPort, ev.at)) {
          addAddress(addresses, ev.nodeId, ev.ip, ev.udpPort, ev.tcpPort, ev.at, ev.source);
        }
        const day = utcDay(ev.at);
        let list = sightings.get(ev.nodeId);
        if (!list) sightings.set(ev.nodeId, (list = []));
        const s = list.find((x) => x.day === day && x.inst === ev.instance);
        if (!s) list.push({ day, inst: ev.instance, node: ev.nodeId, first: ev.at, last: ev.at, n: 1, src: ev.source, srcs: [ev.source] });
        else {
          s.n++;
          if (!s.srcs.includes(ev.source)) s.srcs.push(ev.source);
          if (ev.at < s.first) (s.first = ev.at), (s.src = ev.source);
          if (ev.at > s.last) s.last = ev.at;
        }
        break;
      }
      case 'discovery_counters': {
        const ck = `${ev.instance}|${ev.minute}`;
        const c = counters.get(ck);
        if (!c) counters.set(ck, { ...ev, n: 1 });
        else {
          c.findnodeSent += ev.findnodeSent;
          c.neighborsReceived += ev.neighborsReceived;
          c.nodesLearned += ev.nodesLearned;
          c.newNodes += ev.newNodes;
          c.pingsSent += ev.pingsSent;
          c.pongsReceived += ev.pongsReceived;
          c.pingsReceived += ev.pingsReceived;
          c.findnodeReceived += ev.findnodeReceived;
          c.tableSize = Math.max(c.tableSize, ev.tableSize);
          c.neighborsDropped = (c.neighborsDropped ?? 0) + (ev.neighborsDropped ?? 0);
          c.findnodeRebonds = (c.findnodeRebonds ?? 0) + (ev.findnodeRebonds ?? 0);
        }
        const t = total(ev.instance, ev.minute);
        t[0]! += ev.findnodeSent;
        t[1]! += ev.neighborsReceived;
        t[2]! += ev.nodesLearned;
        t[3]! += ev.newNodes;
        t[4]! += ev.pingsSent;
        t[5]! += ev.pongsReceived;
        t[6]! += ev.pingsReceived;
        t[7]! += ev.findnodeReceived;
        break;
      }
      case 'dial': {
        dials.push(ev);
        const t = total(ev.instance, ev.startedAt);
        t[8]!++;
        if (ev.hello) t[9]!++;
        if (ev.status) t[10]!++;
        if (ev.nodeId) {
          // Inbound peers and any connection that got an answer are alive; a failed dial is not.
          const alive = ev.kind === 'inbound' || ev.outcome !== 'error' || ev.hello !== null || ev.disconnects.some((d) => d.direction === 'received');
          const n = touchNode(ev.nodeId, ev.publicKey, ev.startedAt, alive);
          if (ev.hello) n.hello = maxOrNull(n.hello, ev.startedAt);
          if (ev.status) n.status = maxOrNull(n.status, ev.startedAt);
          const tooMany = ev.disconnects.some((d) => d.direction === 'received' && d.reason === 'too_many_peers');
          if (tooMany) n.tooMany = maxOrNull(n.tooMany, ev.startedAt);
          if ((ev.hello || tooMany) && (!refresh || refresh.wantLease(ev.nodeId, ev.startedAt))) {
            leases.set(ev.nodeId, Math.min(leases.get(ev.nodeId) ?? Infinity, ev.startedAt));
          }
          if (ev.kind === 'inbound' && ev.hello && ev.hello.listenPort > 0) {
            // An inbound peer's source port is ephemeral; its HELLO names the port it listens on.
            addAddress(addresses, ev.nodeId, ev.ip, 0, ev.hello.listenPort, ev.startedAt, 'inbound');
          }
        }
        break;
      }
      case 'enr': {
        touchNode(ev.nodeId, null, ev.at, true);
        const ek = `${ev.nodeId}|${ev.seq}`;
        const e = enrs.get(ek);
        if (!e) enrs.set(ek, { node: ev.nodeId, seq: ev.seq, raw: ev.raw, first: ev.at, last: ev.at, inst: ev.instance });
        else {
          e.first = Math.min(e.first, ev.at);
          e.last = Math.max(e.last, ev.at);
        }
        break;
      }
      case 'node_expired':
        expired.set(ev.nodeId, Math.max(expired.get(ev.nodeId) ?? 0, ev.at));
        break;
      case 'discovery_answer':
        // The node row must exist for reports joining nodes; an answer is a sign of life.
        touchNode(ev.nodeId, null, ev.at, true);
        addAnswer(answers, ev);
        break;
      case 'findnode_rebond': {
        // The node row must exist for the UPDATE below; an answered retry is a sign of life.
        touchNode(ev.nodeId, null, ev.at, ev.answered);
        const r = rebonds.get(ev.nodeId);
        if (!r) rebonds.set(ev.nodeId, { n: 1, answered: ev.answered ? 1 : 0, last: ev.at });
        else {
          r.n++;
          if (ev.answered) r.answered++;
          r.last = Math.max(r.last, ev.at);
        }
        break;
      }
    }
  }

  // --- instances -------------------------------------------------------------------------------
  if (started.length) {
    const byInst = new Map<string, { pk: string; first: number; last: number }>();
    for (const s of started) {
      const i = byInst.get(s.instance);
      if (!i) byInst.set(s.instance, { pk: s.publicKey, first: s.at, last: s.at });
      else (i.first = Math.min(i.first, s.at)), (i.last = Math.max(i.last, s.at));
    }
    const keys = [...byInst.keys()].sort();
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

  // --- nodes -----------------------------------------------------------------------------------
  if (nodes.size) {
    const alive = [...nodes.keys()].filter((k) => nodes.get(k)!.last !== null).sort();
    const known = [...nodes.keys()].filter((k) => nodes.get(k)!.last === null).sort();
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
        params: [alive, rows.map((r) => r.pk), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.hello), rows.map((r) => r.status), rows.map((r) => r.tooMany)],
      });
    }
    if (known.length) {
      const rows = known.map((k) => nodes.get(k)!);
      out.push({
        table: 'nodes',
        sql: `INSERT INTO nodes AS n (id, public_key, first_seen, last_seen)
SELECT ${bytes('id')}, ${bytes('pk')}, ${ts('f')}, NULL FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(id, pk, f)
ON CONFLICT (id) DO UPDATE SET public_key = COALESCE(n.public_key, excluded.public_key), first_seen = LEAST(n.first_seen, excluded.first_seen)`,
        params: [known, rows.map((r) => r.pk), rows.map((r) => r.first)],
      });
    }
  }

  if (rebonds.size) {
    const keys = [...rebonds.keys()].sort();
    const rows = keys.map((k) => rebonds.get(k)!);
    out.push({
      table: 'nodes',
      sql: `UPDATE nodes n SET findnode_rebonds = n.findnode_rebonds + u.c,
  findnode_rebonds_answered = n.findnode_rebonds_answered + u.a,
  last_findnode_rebond_at = GREATEST(n.last_findnode_rebond_at, ${ts('u.l')})
FROM unnest($1::text[], $2::int4[], $3::int4[], $4::int8[]) AS u(id, c, a, l)
WHERE n.id = ${bytes('u.id')}`,
      params: [keys, rows.map((r) => r.n), rows.map((r) => r.answered), rows.map((r) => r.last)],
    });
  }

  if (addresses.size) {
    const rows = sortedRows(addresses, (a) => `${a.ip}|${a.udp}|${a.tcp}`);
    out.push({
      table: 'addresses',
      sql: `INSERT INTO addresses AS a (node_id, ip, udp_port, tcp_port, first_seen, last_seen, first_source, last_source)
SELECT ${bytes('n')}, ip::inet, up, tp, ${ts('f')}, ${ts('l')}, fs::address_source, ls::address_source
FROM unnest($1::text[], $2::text[], $3::int4[], $4::int4[], $5::int8[], $6::int8[], $7::text[], $8::text[]) AS u(n, ip, up, tp, f, l, fs, ls)
ON CONFLICT (node_id, ip, udp_port, tcp_port) DO UPDATE SET
  first_seen = LEAST(a.first_seen, excluded.first_seen),
  first_source = CASE WHEN excluded.first_seen < a.first_seen THEN excluded.first_source ELSE a.first_source END,
  last_seen = GREATEST(a.last_seen, excluded.last_seen),
  last_source = CASE WHEN excluded.last_seen >= a.last_seen THEN excluded.last_source ELSE a.last_source END`,
      params: [rows.map((r) => r.node), rows.map((r) => r.ip), rows.map((r) => r.udp), rows.map((r) => r.tcp), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.fs), rows.map((r) => r.ls)],
    });
  }

  if (sightings.size) {
    const rows = sortedRows(sightings, (x) => `${x.day}|${x.inst}`);
    out.push({
      table: 'node_sightings',
      // sources travel as one '{a,b}' array literal per row (unnest flattens nested arrays); merged
      // sorted and distinct, untouched when the batch adds nothing new.
      sql: `INSERT INTO node_sightings AS s (day, instance_id, node_id, first_seen, last_seen, sightings, first_source, sources)
SELECT d::date, ${bytes('i')}, ${bytes('n')}, ${ts('f')}, ${ts('l')}, c, src::address_source, ARRAY(SELECT DISTINCT x FROM unnest(ss::address_source[]) x ORDER BY x)
FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int4[], $7::text[], $8::text[]) AS u(d, i, n, f, l, c, src, ss)
ON CONFLICT (day, instance_id, node_id) DO UPDATE SET
  sources = CASE WHEN excluded.sources <@ s.sources THEN s.sources
    ELSE ARRAY(SELECT DISTINCT x FROM unnest(s.sources || excluded.sources) x ORDER BY x) END,
  first_source = CASE WHEN excluded.first_seen < s.first_seen THEN excluded.first_source ELSE s.first_source END,
  first_seen = LEAST(s.first_seen, excluded.first_seen),
  last_seen = GREATEST(s.last_seen, excluded.last_seen),
  sightings = s.sightings + excluded.sightings`,
      params: [rows.map((r) => r.day), rows.map((r) => r.inst), rows.map((r) => r.node), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.n), rows.map((r) => r.src), rows.map((r) => `{${r.srcs.join(',')}}`)],
    });
  }

  if (counters.size) {
    const rows = [...counters.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
    out.push({
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
        rows.map((r) => r.findnodeSent),
        rows.map((r) => r.neighborsReceived),
        rows.map((r) => r.nodesLearned),
        rows.map((r) => r.newNodes),
        rows.map((r) => r.pingsSent),
        rows.map((r) => r.pongsReceived),
        rows.map((r) => r.pingsReceived),
        rows.map((r) => r.findnodeReceived),
        rows.map((r) => r.tableSize),
        rows.map((r) => r.neighborsDropped ?? 0),
        rows.map((r) => r.findnodeRebonds ?? 0),
      ],
    });
  }

  if (totals.size) {
    const keys = [...totals.keys()].sort();
    const col = (i: number) => keys.map((k) => totals.get(k)![i]!);
    out.push({
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
      params: [keys, col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7), col(8), col(9), col(10), col(11)],
    });
  }

  if (dials.length) pushDialStatements(out, dials);

  if (enrs.size) {
    const rows = [...enrs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
    // What the record says (src/eth/record-layer.ts), kept with the record version; a conflicting
    // row from before migration 0006 gets its classification filled in.
    const cls = rows.map((r) => recordColumns(r.raw));
    out.push({
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
        rows.map((r) => r.inst),
        cls.map((c) => c?.layer ?? null),
        cls.map((c) => c?.ethForkHash ?? null),
        cls.map((c) => c?.ethForkNext ?? null),
        cls.map((c) => c?.eth2?.forkDigest ?? null),
        cls.map((c) => c?.eth2?.nextForkVersion ?? null),
        cls.map((c) => c?.eth2?.nextForkEpoch ?? null),
        cls.map((c) => (c ? c.snap : null)),
        cls.map((c) => c?.client ?? null),
      ],
    });
  }

  const answered = answerStatement(answers);
  if (answered) out.push(answered);

  if (expired.size) {
    const keys = [...expired.keys()].sort();
    // Only if not seen since: a node seen after the expiry decision stays in the static set.
    out.push({
      table: 'nodes',
      sql: `UPDATE nodes n SET expired_at = ${ts('u.at')}
FROM unnest($1::text[], $2::int8[]) AS u(id, at)
WHERE n.id = ${bytes('u.id')} AND n.expired_at IS NULL AND n.last_seen <= ${ts('u.at')}`,
      params: [keys, keys.map((k) => expired.get(k)!)],
    });
  }

  if (leases.size) {
    const keys = [...leases.keys()].sort();
    // A node joining the static set gets a lease row, due from its first qualifying connection;
    // claimRedials() hands it out. Once claimed, due_at belongs to the claimers.
    out.push({
      table: 'redial_leases',
      sql: `INSERT INTO redial_leases AS r (node_id, due_at)
SELECT ${bytes('id')}, ${ts('at')} FROM unnest($1::text[], $2::int8[]) AS u(id, at)
ON CONFLICT (node_id) DO UPDATE SET due_at = LEAST(r.due_at, excluded.due_at) WHERE r.holder IS NULL`,
      params: [keys, keys.map((k) => leases.get(k)!)],
    });
  }
  const writtenNodes = new Map<string, { first: number; last: number }>();
  for (const [id, n] of nodes) if (n.last !== null) writtenNodes.set(id, { first: n.first, last: n.last });
  const writtenAddresses: AddrAgg[] = [];
  for (const list of addresses.values()) writtenAddresses.push(...list);
  return { statements: out, written: { nodes: writtenNodes, addresses: writtenAddresses, leases } };
}

function pushDialStatements(out: Statement[], dials: DialEvent[]): void {
  dials.sort((a, b) => (a.dialId < b.dialId ? -1 : a.dialId > b.dialId ? 1 : 0));
  out.push({
    table: 'dials',
    sql: `INSERT INTO dials (dial_id, started_at, ended_at, instance_id, kind, node_id, ip, tcp_port, connect_ms, outcome, error_kind, error_message)
SELECT d::uuid, ${ts('s')}, ${ts('e')}, ${bytes('i')}, k::dial_kind, ${bytes('n')}, ip::inet, tp, c, o::dial_outcome, ek::error_kind, em
FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int4[], $9::float4[], $10::text[], $11::text[], $12::text[]) AS u(d, s, e, i, k, n, ip, tp, c, o, ek, em)
ON CONFLICT (dial_id, started_at) DO NOTHING`,
    params: [
      dials.map((d) => d.dialId),
      dials.map((d) => d.startedAt),
      dials.map((d) => d.endedAt),
      dials.map((d) => d.instance),
      dials.map((d) => d.kind),
      dials.map((d) => d.nodeId),
      dials.map((d) => d.ip),
      dials.map((d) => d.tcpPort),
      dials.map((d) => d.connectMs),
      dials.map((d) => d.outcome),
      dials.map((d) => d.errorKind),
      dials.map((d) => d.errorMessage),
    ],
  });

  const hellos = dials.filter((d) => d.hello);
  if (hellos.length) {
    // caps travel as one JSON array per dial, unpacked in SQL: unnest flattens nested arrays, so
    // text[][] cannot carry lists of different lengths.
    out.push({
      table: 'hellos',
      sql: `INSERT INTO hellos (dial_id, started_at, instance_id, node_id, p2p_version, client_id, client_name, client_version, os, arch, runtime, caps, listen_port)
SELECT d::uuid, ${ts('s')}, ${bytes('i')}, ${bytes('n')}, pv, cid, cn, cv, os, ar, rt, ARRAY(SELECT jsonb_array_elements_text(cp::jsonb)), lp
FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::int4[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int4[]) AS u(d, s, i, n, pv, cid, cn, cv, os, ar, rt, cp, lp)
ON CONFLICT (dial_id, started_at) DO NOTHING`,
      params: [
        hellos.map((d) => d.dialId),
        hellos.map((d) => d.startedAt),
        hellos.map((d) => d.instance),
        hellos.map((d) => d.nodeId),
        hellos.map((d) => d.hello!.p2pVersion),
        hellos.map((d) => d.hello!.clientId),
        hellos.map((d) => d.hello!.clientName),
        hellos.map((d) => d.hello!.clientVersion),
        hellos.map((d) => d.hello!.os),
        hellos.map((d) => d.hello!.arch),
        hellos.map((d) => d.hello!.runtime),
        hellos.map((d) => JSON.stringify(d.hello!.caps)),
        hellos.map((d) => d.hello!.listenPort),
      ],
    });
  }

  const statuses = dials.filter((d) => d.status);
  if (statuses.length) {
    out.push({
      table: 'statuses',
      sql: `INSERT INTO statuses (dial_id, started_at, instance_id, node_id, eth_version, network_id, total_difficulty, best_hash, genesis_hash, fork_hash, fork_next, fork_verdict, best_block, earliest_block)
SELECT d::uuid, ${ts('s')}, ${bytes('i')}, ${bytes('n')}, ev, nid, td, ${bytes('bh')}, ${bytes('gh')}, ${bytes('fh')}, fnx, fv::fork_verdict, bb, eb
FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::int4[], $6::numeric[], $7::numeric[], $8::text[], $9::text[], $10::text[], $11::numeric[], $12::text[], $13::numeric[], $14::numeric[]) AS u(d, s, i, n, ev, nid, td, bh, gh, fh, fnx, fv, bb, eb)
ON CONFLICT (dial_id, started_at) DO NOTHING`,
      params: [
        statuses.map((d) => d.dialId),
        statuses.map((d) => d.startedAt),
        statuses.map((d) => d.instance),
        statuses.map((d) => d.nodeId),
        statuses.map((d) => d.status!.ethVersion),
        statuses.map((d) => d.status!.networkId),
        statuses.map((d) => d.status!.totalDifficulty),
        statuses.map((d) => d.status!.bestHash),
        statuses.map((d) => d.status!.genesisHash),
        statuses.map((d) => d.status!.forkHash),
        statuses.map((d) => d.status!.forkNext),
        statuses.map((d) => d.status!.forkVerdict),
        statuses.map((d) => d.status!.bestBlock),
        statuses.map((d) => d.status!.earliestBlock),
      ],
    });
  }

  const disc: { d: DialEvent; seq: number; dir: string; reason: string; at: number }[] = [];
  for (const d of dials) d.disconnects.forEach((x, seq) => disc.push({ d, seq, dir: x.direction, reason: x.reason, at: x.at }));
  if (disc.length) {
    out.push({
      table: 'disconnects',
      sql: `INSERT INTO disconnects (dial_id, started_at, seq, instance_id, node_id, direction, reason, at)
SELECT d::uuid, ${ts('s')}, q, ${bytes('i')}, ${bytes('n')}, dir::disconnect_direction, r::disconnect_reason, ${ts('a')}
FROM unnest($1::text[], $2::int8[], $3::int2[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[]) AS u(d, s, q, i, n, dir, r, a)
ON CONFLICT (dial_id, started_at, seq) DO NOTHING`,
      params: [
        disc.map((x) => x.d.dialId),
        disc.map((x) => x.d.startedAt),
        disc.map((x) => x.seq),
        disc.map((x) => x.d.instance),
        disc.map((x) => x.d.nodeId),
        disc.map((x) => x.dir),
        disc.map((x) => x.reason),
        disc.map((x) => x.at),
      ],
    });
  }

  const rtts = dials.filter((d) => d.rtt);
  if (rtts.length) {
    out.push({
      table: 'rtts',
      sql: `INSERT INTO rtts (dial_id, started_at, instance_id, node_id, srtt_ms, min_ms, samples, tcp_connect_ms, disc_ping_ms,
                  rtt_ms, rtt_source, handshake_ms, status_ms)
SELECT d::uuid, ${ts('s')}, ${bytes('i')}, ${bytes('n')}, sr, mn, sm, tc, dp, rt, rs, hs, st
FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::float4[], $6::float4[], $7::int4[], $8::float4[], $9::float4[],
            $10::float4[], $11::text[], $12::float4[], $13::float4[]) AS u(d, s, i, n, sr, mn, sm, tc, dp, rt, rs, hs, st)
ON CONFLICT (dial_id, started_at) DO NOTHING`,
      params: [
        rtts.map((d) => d.dialId),
        rtts.map((d) => d.startedAt),
        rtts.map((d) => d.instance),
        rtts.map((d) => d.nodeId),
        rtts.map((d) => d.rtt!.srttMs),
        rtts.map((d) => d.rtt!.minMs),
        rtts.map((d) => d.rtt!.samples),
        rtts.map((d) => d.rtt!.tcpConnectMs),
        rtts.map((d) => d.rtt!.discPingMs),
        rtts.map((d) => d.rtt!.rttMs),
        rtts.map((d) => d.rtt!.rttSource),
        rtts.map((d) => d.rtt!.handshakeMs),
        rtts.map((d) => d.rtt!.statusMs),
      ],
    });
  }
}
