/**
 * Pure: a batch of validated CrawlerEvents → a few multi-row statements (`INSERT … SELECT FROM
 * unnest($1::text[], …)`: one statement per table whatever the batch size, a fixed number of
 * parameters, and plans Postgres can cache — measured faster than multi-VALUES, see bench/store).
 *
 * Every statement is order-independent and idempotent, so batches may be retried, replayed from the
 * journal, or applied out of order without changing the result:
 *   first/last seen use LEAST/GREATEST, counters are summed once per batch (guarded by
 *   applied_batches), per-dial rows are keyed by dial_id with ON CONFLICT DO NOTHING.
 * Rows touching the same key are folded in JavaScript first (batch-fold.ts: an upsert may not touch
 * a row twice) and sorted by key, so concurrent writers lock rows in the same order and do not
 * deadlock. Statements: fold-statements.ts (nodes, addresses, counters, …), dial-statements.ts.
 */
import type { CrawlerEvent } from '../events.js';
import { BatchFold } from './batch-fold.js';
import { dialStatements } from './dial-statements.js';
import {
  addressStatement,
  counterStatement,
  enrStatement,
  expiryStatement,
  instanceStatements,
  leaseStatement,
  nodeStatements,
  rebondStatement,
  sightingStatement,
  totalsStatement,
} from './fold-statements.js';
import type { RefreshCache, WrittenRows } from './refresh-cache.js';
import { answerStatement, v5CounterStatement, v5TotalsStatement } from './batch-discovery.js';
import type { Statement } from './statement.js';

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
  const fold = new BatchFold(refresh);
  for (const ev of events) fold.add(ev);
  fold.dropStoredKnownNodes();
  // Order: rows others refer to (instances, nodes) before the rows that refer to them.
  const out: Statement[] = [...instanceStatements(fold.started, fold.stopped), ...nodeStatements(fold.nodes)];
  if (fold.rebonds.size) out.push(rebondStatement(fold.rebonds));
  if (fold.addresses.size) out.push(addressStatement(fold.addresses));
  if (fold.sightings.size) out.push(sightingStatement(fold.sightings));
  if (fold.counters.size) out.push(counterStatement(fold.counters));
  if (fold.totals.size) out.push(totalsStatement(fold.totals));
  if (fold.v5Counters.size) out.push(v5CounterStatement(fold.v5Counters), v5TotalsStatement(fold.v5Counters));
  if (fold.dials.length) out.push(...dialStatements(fold.dials));
  if (fold.enrs.size) out.push(enrStatement(fold.enrs));
  const answered = answerStatement(fold.answers);
  if (answered) out.push(answered);
  if (fold.expired.size) out.push(expiryStatement(fold.expired));
  if (fold.leases.size) out.push(leaseStatement(fold.leases));
  return { statements: out, written: fold.written() };
}
