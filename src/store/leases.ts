/**
 * Redial leases for a given set of nodes: the crawler's scheduler asks "of these static nodes due
 * now, which may I dial?" and the database answers for every process and host sharing it. A
 * granted node's lease moves `periodMs` ahead, so nobody else is granted it this period. The
 * UPDATE re-checks `due_at` on the latest row version (READ COMMITTED), so two concurrent claimers
 * never both win the same node.
 */
import { bytesToHex, hexToBytes } from '../util/bytes.js';
import type { Database } from './database.js';

export async function claimRedialNodes(
  db: Database,
  holder: string,
  nodeIds: readonly string[],
  now: number,
  periodMs: number,
): Promise<Set<string>> {
  if (nodeIds.length === 0) return new Set();
  const rows = await db.query<{ node_id: Uint8Array }>(
    `UPDATE redial_leases
        SET holder = $2, leased_at = to_timestamp($3::float8 / 1000),
            due_at = to_timestamp($3::float8 / 1000) + $4::float8 * interval '1 millisecond'
      WHERE node_id = ANY($1::bytea[]) AND due_at <= to_timestamp($3::float8 / 1000)
      RETURNING node_id`,
    [nodeIds.map((id) => hexToBytes(id)), holder, now, periodMs],
  );
  return new Set(rows.map((r) => bytesToHex(r.node_id)));
}
