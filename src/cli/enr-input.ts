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
import { UsageError } from './errors.js';

/** A file of records is read whole: 64 MiB holds ~200 000 records, more than any public list. */
export const MAX_RECORD_FILE_BYTES = 64 * 1024 * 1024;
/** Most records one call describes. */
export const MAX_RECORDS = 1_000_000;

export type RecordItem =
  | { source: string; kind: 'enr'; enr: Enr }
  | { source: string; kind: 'enode'; node: NodeRecord }
  | { source: string; kind: 'error'; error: NodeFinderError };

/** True when the argument is a record itself rather than a file name. */
export function looksLikeRecord(arg: string): boolean {
  const t = arg.trim();
  return t.startsWith('enr:') || t.startsWith('enode://');
}

export function parseRecord(text: string, source: string): RecordItem {
  const t = text.trim();
  try {
    if (t.startsWith('enode://')) return { source, kind: 'enode', node: parseEnode(t) };
    return { source, kind: 'enr', enr: decodeEnrText(t) };
  } catch (err) {
    return { source, kind: 'error', error: toNodeFinderError(err) };
  }
}

/** Strings of a JSON document: an array of strings, or geth's nodes.json ({id: {record}}). */
function recordsOfJson(doc: unknown): { text: string; source: string }[] | null {
  if (Array.isArray(doc)) {
    return doc.map((v, i) => ({ text: typeof v === 'string' ? v : '', source: `[${i}]` }));
  }
  if (doc !== null && typeof doc === 'object') {
    return Object.entries(doc as Record<string, unknown>).map(([key, v]) => {
      const rec = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)['record'] : undefined;
      return { text: typeof rec === 'string' ? rec : '', source: key };
    });
  }
  return null;
}

/** Items of a file's text (list or JSON); `name` prefixes each item's source. Throws UsageError on bad JSON. */
export function parseRecordFile(text: string, name: string): RecordItem[] {
  const trimmed = text.trimStart();
  let entries: { text: string; source: string }[] | null = null;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      entries = recordsOfJson(JSON.parse(text));
    } catch {
      entries = null;
    }
    if (entries === null) throw new UsageError(`${name} is not valid JSON: expected geth's nodes.json or an array of records`);
  } else {
    entries = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      // A TSV line (as in the public lists' exports) holds the record in one of its columns.
      const field = line.split(/\s+/).find(looksLikeRecord) ?? line;
      entries.push({ text: field, source: `${name}:${i + 1}` });
    }
  }
  return entries.slice(0, MAX_RECORDS).map((e) => parseRecord(e.text, e.source));
}
