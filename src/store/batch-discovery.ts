/**
 * Pure: the statements for what discovery learned and did — the protocols a node answered on
 * (discovery_answer → discovery_answers), what a stored record says (enrs classification columns,
 * src/eth/record-layer.ts), and discv5's per-minute counters (discovery_v5_counters → the table of
 * that name and instance_totals). Same rules as batch.ts: folded per key, sorted, idempotent upserts.
 */
import { V5_COUNTER_COLUMNS, V5_COUNTER_FIELDS, type DiscoveryAnswerEvent, type DiscoveryV5CountersEvent } from '../events.js';
import { classifyRawRecord, type RecordClassification } from '../eth/record-layer.js';
import { bytes, sortedKeys, ts, type Statement } from './statement.js';

export interface AnswerAgg {
  node: string;
  protocol: string;
  first: number;
  last: number;
  n: number;
}

/** Fold one discovery_answer into `map` (keyed node|protocol). */
export function addAnswer(map: Map<string, AnswerAgg>, ev: DiscoveryAnswerEvent): void {
  const key = `${ev.nodeId}|${ev.protocol}`;
  const a = map.get(key);
  if (!a) map.set(key, { node: ev.nodeId, protocol: ev.protocol, first: ev.at, last: ev.at, n: 1 });
  else {
    a.first = Math.min(a.first, ev.at);
    a.last = Math.max(a.last, ev.at);
    a.n++;
  }
}

/**
 * Answers are counted: replaying a batch would count twice, so this statement runs under the
 * applied_batches guard like the other sums (writer.ts). first/last are order-independent.
 */
export function answerStatement(map: Map<string, AnswerAgg>): Statement | null {
  if (!map.size) return null;
  const rows = [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
  return {
    table: 'discovery_answers',
    sql: `INSERT INTO discovery_answers AS a (node_id, protocol, first_answered, last_answered, answers)
SELECT ${bytes('n')}, p::discovery_protocol, ${ts('f')}, ${ts('l')}, c
FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int4[]) AS u(n, p, f, l, c)
ON CONFLICT (node_id, protocol) DO UPDATE SET
  first_answered = LEAST(a.first_answered, excluded.first_answered),
  last_answered = GREATEST(a.last_answered, excluded.last_answered),
  answers = a.answers + excluded.answers`,
    params: [rows.map((r) => r.node), rows.map((r) => r.protocol), rows.map((r) => r.first), rows.map((r) => r.last), rows.map((r) => r.n)],
  };
}

/** The classification columns of one stored record (all NULL when the bytes are not a record). */
export function recordColumns(rawHex: string): RecordClassification | null {
  return classifyRawRecord(Buffer.from(rawHex, 'hex'));
}

/** Fold one discovery_v5_counters event into `map` (keyed instance|minute): sums, table size the largest. */
export function addV5Counters(map: Map<string, DiscoveryV5CountersEvent>, ev: DiscoveryV5CountersEvent): void {
  const key = `${ev.instance}|${ev.minute}`;
  const c = map.get(key);
  if (!c) map.set(key, { ...ev });
  else {
    for (const k of V5_COUNTER_FIELDS) c[k] += ev[k];
    c.tableSize = Math.max(c.tableSize, ev.tableSize);
  }
}

/**
 * Sums, like the v4 counters: a replayed batch would count twice, so this runs under the
 * applied_batches guard (writer-commit.ts), which makes a replay write nothing.
 */
export function v5CounterStatement(map: ReadonlyMap<string, DiscoveryV5CountersEvent>): Statement {
  const rows = sortedKeys(map).map((k) => map.get(k)!);
  const n = V5_COUNTER_COLUMNS.length;
  const casts = V5_COUNTER_COLUMNS.map((_, i) => `$${i + 3}::int4[]`).join(', ');
  return {
    table: 'discovery_v5_counters',
    sql: `INSERT INTO discovery_v5_counters AS c (minute, instance_id, ${V5_COUNTER_COLUMNS.join(', ')}, table_size)
SELECT ${ts('m')}, ${bytes('i')}, ${V5_COUNTER_COLUMNS.join(', ')}, t
FROM unnest($1::int8[], $2::text[], ${casts}, $${n + 3}::int4[]) AS u(m, i, ${V5_COUNTER_COLUMNS.join(', ')}, t)
ON CONFLICT (instance_id, minute) DO UPDATE SET
${V5_COUNTER_COLUMNS.map((c) => `  ${c} = c.${c} + excluded.${c},`).join('\n')}
  table_size = GREATEST(c.table_size, excluded.table_size)`,
    params: [rows.map((r) => r.minute), rows.map((r) => r.instance), ...V5_COUNTER_FIELDS.map((k) => rows.map((r) => r[k])), rows.map((r) => r.tableSize)],
  };
}

/**
 * The batch's v5 sums per instance into instance_totals (its v5_* columns) — after the v4 totals
 * statement, in instance order like it, so writers lock the rows alike.
 */
export function v5TotalsStatement(map: ReadonlyMap<string, DiscoveryV5CountersEvent>): Statement {
  const per = new Map<string, { lookups: number; findnodeSent: number; nodesReceived: number; recordsLearned: number; at: number }>();
  for (const r of map.values()) {
    const t = per.get(r.instance) ?? { lookups: 0, findnodeSent: 0, nodesReceived: 0, recordsLearned: 0, at: r.minute };
    t.lookups += r.lookups;
    t.findnodeSent += r.findnodeSent;
    t.nodesReceived += r.nodesReceived;
    t.recordsLearned += r.recordsLearned;
    t.at = Math.max(t.at, r.minute);
    per.set(r.instance, t);
  }
  const keys = sortedKeys(per);
  const rows = keys.map((k) => per.get(k)!);
  return {
    table: 'instance_totals',
    sql: `INSERT INTO instance_totals AS t (instance_id, v5_lookups, v5_findnode_sent, v5_nodes_received, v5_records_learned, updated_at)
SELECT ${bytes('i')}, a, b, c, d, ${ts('up')}
FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[]) AS u(i, a, b, c, d, up)
ON CONFLICT (instance_id) DO UPDATE SET
  v5_lookups = t.v5_lookups + excluded.v5_lookups,
  v5_findnode_sent = t.v5_findnode_sent + excluded.v5_findnode_sent,
  v5_nodes_received = t.v5_nodes_received + excluded.v5_nodes_received,
  v5_records_learned = t.v5_records_learned + excluded.v5_records_learned,
  updated_at = GREATEST(t.updated_at, excluded.updated_at)`,
    params: [keys, rows.map((r) => r.lookups), rows.map((r) => r.findnodeSent), rows.map((r) => r.nodesReceived), rows.map((r) => r.recordsLearned), rows.map((r) => r.at)],
  };
}
