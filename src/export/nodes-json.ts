/**
 * geth's nodes.json (cmd/devp2p nodeset.go): an object keyed by node ID (hex, no 0x) with `seq`,
 * `record` (enr:…), `score`, `firstResponse`, `lastResponse`, `lastCheck` (RFC 3339 times; geth's
 * Go zero time when never). Filters as `devp2p nodeset filter`: -eth-network (the record's `eth`
 * fork ID on the network's chain, judged as geth's static filter does: at block 0 and time 0),
 * -min-age (lastResponse − firstResponse), -limit (top by score). Pure: rows in, JSON out.
 */
import { decodeEnr, decodeEnrText, type Enr } from '../enode/enr.js';
import { splitNodeList } from '../enode/node-list-file.js';
import { createForkFilter } from '../eth/fork-id.js';
import { forkSchedule, type NetworkDefinition } from '../eth/networks.js';
import type { ExportNodeRow } from '../store/export-nodes.js';

export interface NodesJsonFilter {
  network?: NetworkDefinition;
  minAgeMs?: number;
  limit?: number;
}

export interface NodesJsonEntry {
  seq: number;
  record: string;
  score?: number;
  firstResponse: string;
  lastResponse: string;
  lastCheck: string;
}

/** Go's zero time.Time as encoding/json writes it (geth writes it for "never"). */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
const time = (ms: number | null) => (ms === null ? GO_ZERO_TIME : new Date(ms).toISOString().replace('.000Z', 'Z'));

export interface NodesJsonResult {
  nodes: Record<string, NodesJsonEntry>;
  /** Rows whose stored record no longer verifies (never expected; counted, not exported). */
  invalid: number;
}

export function buildNodesJson(rows: readonly ExportNodeRow[], filter: NodesJsonFilter = {}): NodesJsonResult {
  const onChain = filter.network ? createForkFilter(forkSchedule(filter.network)) : undefined;
  const kept: { row: ExportNodeRow; enr: Enr }[] = [];
  let invalid = 0;
  for (const row of rows) {
    let enr: Enr;
    try {
      enr = decodeEnr(row.raw);
    } catch {
      invalid++;
      continue;
    }
    if (onChain) {
      const eth = enr.eth;
      if (!eth || onChain({ hash: eth.forkHash, next: eth.forkNext }, 0, 0) !== 'compatible') continue;
    }
    if (filter.minAgeMs !== undefined && filter.minAgeMs > 0) {
      if (row.firstResponse === null || row.lastResponse === null || row.lastResponse - row.firstResponse < filter.minAgeMs) continue;
    }
    kept.push({ row, enr });
  }
  // geth topN: highest score first (ties by node ID here, so the output is stable).
  let chosen = kept;
  if (filter.limit !== undefined && filter.limit < kept.length) {
    chosen = [...kept].sort((a, b) => b.row.answered - a.row.answered || (a.row.nodeId < b.row.nodeId ? -1 : 1)).slice(0, filter.limit);
  }
  chosen.sort((a, b) => (a.row.nodeId < b.row.nodeId ? -1 : 1));
  const nodes: Record<string, NodesJsonEntry> = {};
  for (const { row, enr } of chosen) {
    nodes[row.nodeId] = {
      seq: Number(enr.seq),
      record: enr.toText(),
      ...(row.answered > 0 ? { score: row.answered } : {}),
      firstResponse: time(row.firstResponse),
      lastResponse: time(row.lastResponse),
      lastCheck: time(row.lastCheck),
    };
  }
  return { nodes, invalid };
}

/** Records from a nodes.json (geth's, or ours) for `export enrtree`: every `record` verified. */
export function parseNodesJson(text: string): { enrs: Enr[]; errors: string[] } {
  let list: ReturnType<typeof splitNodeList>;
  try {
    list = splitNodeList(text, 'nodes.json', { json: true });
  } catch (err) {
    return { enrs: [], errors: [(err as Error).message] };
  }
  if (list.format !== 'nodes.json') return { enrs: [], errors: ['a nodes.json is an object keyed by node ID'] };
  const enrs: Enr[] = [];
  const errors: string[] = [];
  for (const { source, text: record } of list.entries) {
    if (record === null) {
      errors.push(`${source.slice(0, 16)}: no "record"`);
      continue;
    }
    try {
      enrs.push(decodeEnrText(record));
    } catch (err) {
      errors.push(`${source.slice(0, 16)}: ${(err as Error).message}`);
    }
  }
  return { enrs, errors };
}
