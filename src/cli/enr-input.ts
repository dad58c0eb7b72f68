/**
 * Inputs of `nodefinder enr`: one record (`enr:…` or `enode://…`), or a file holding a list of them
 * (one per line, `#` comments) or a geth nodes.json (cmd/devp2p nodeset.go: an object keyed by node ID
 * whose values carry `record`), or a JSON array of such strings. Pure: text in, items out. Every entry
 * is hostile: an entry that does not parse becomes an item with its error, never a crash.
 */
import { parseEnode } from '../enode/enode-url.js';
import { decodeEnrText, type Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import { toNodeFinderError, type NodeFinderError } from '../errors.js';
import { splitNodeList } from '../enode/node-list-file.js';

export type RecordItem =
  | { source: string; kind: 'enr'; enr: Enr }
  | { source: string; kind: 'enode'; node: NodeRecord }
  | { source: string; kind: 'error'; error: NodeFinderError };

export function parseRecord(text: string, source: string): RecordItem {
  const t = text.trim();
  try {
    if (t.startsWith('enode://')) return { source, kind: 'enode', node: parseEnode(t) };
    return { source, kind: 'enr', enr: decodeEnrText(t) };
  } catch (err) {
    return { source, kind: 'error', error: toNodeFinderError(err) };
  }
}

/** Items of a file's text (geth nodes.json, a JSON array, or lines); `name` prefixes each item's source. */
export function parseRecordFile(text: string, name: string): RecordItem[] {
  return splitNodeList(text, name).entries.map((e) => parseRecord(e.text ?? '', e.source));
}
