/**
 * Pure: the statements for what discovery learned — the protocols a node answered on
 * (discovery_answer → discovery_answers) and what a stored record says (enrs classification columns,
 * src/eth/record-layer.ts). Same rules as batch.ts: folded per key, sorted, idempotent upserts.
 */
import type { DiscoveryAnswerEvent } from '../events.js';
import { classifyRawRecord, type RecordClassification } from '../eth/record-layer.js';
import { bytes, ts, type Statement } from './statement.js';

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
