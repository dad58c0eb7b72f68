/**
 * What `nodefinder export nodes.json` reads: every node with a stored ENR (its highest seq), when it
 * answered over RLPx first and last, and how often. Times ms since the epoch.
 */
import { bytesToHex } from '../util/bytes.js';
import type { Database } from './database.js';

export interface ExportNodeRow {
  nodeId: string;
  seq: bigint;
  /** The RLP record */
  raw: Uint8Array;
  /** First / last dial the node answered (HELLO, STATUS, or a DISCONNECT such as too_many_peers); null if never. */
  firstResponse: number | null;
  lastResponse: number | null;
  /** Dials that the node answered */
  answered: number;
  /** Start of the last dial of the node, answered or not */
  lastCheck: number | null;
}

export async function loadExportNodes(db: Database): Promise<ExportNodeRow[]> {
  const rows = await db.query<{
    node_id: Uint8Array;
    seq: string;
    raw: Uint8Array;
    first_ok: Date | null;
    last_ok: Date | null;
    answered: number | null;
    last_check: Date | null;
  }>(
    `SELECT e.node_id, e.seq::text AS seq, e.raw, d.first_ok, d.last_ok, d.answered, d.last_check
       FROM (SELECT DISTINCT ON (node_id) node_id, seq, raw FROM enrs ORDER BY node_id, seq DESC) e
       LEFT JOIN (
         SELECT node_id,
                min(started_at) FILTER (WHERE outcome <> 'error') AS first_ok,
                max(started_at) FILTER (WHERE outcome <> 'error') AS last_ok,
                (count(*) FILTER (WHERE outcome <> 'error'))::int AS answered,
                max(started_at) AS last_check
           FROM dials WHERE node_id IS NOT NULL AND kind <> 'inbound' GROUP BY node_id
       ) d ON d.node_id = e.node_id
      ORDER BY e.node_id`,
  );
  const ms = (d: Date | null) => (d ? d.getTime() : null);
  return rows.map((r) => ({
    nodeId: bytesToHex(r.node_id),
    seq: BigInt(r.seq),
    raw: Uint8Array.from(r.raw),
    firstResponse: ms(r.first_ok),
    lastResponse: ms(r.last_ok),
    answered: r.answered ?? 0,
    lastCheck: ms(r.last_check),
  }));
}
