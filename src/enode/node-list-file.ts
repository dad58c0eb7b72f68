/**
 * The one reader of node list files, shared by `report --external`, `enr <file>` and `export enrtree
 * --in`: geth's nodes.json (cmd/devp2p nodeset.go: an object keyed by node ID whose values hold the
 * ENR `record`), a JSON array of strings, or text with one entry per line (`#` comments; in a TSV
 * line the field that looks like a record). It only splits the file into entries with a source for
 * messages; what an entry must be (record, enode URL, node ID) is the caller's rule.
 */
import { NodeListFileError } from './errors.js';

/** Larger files are refused before reading (a full mainnet nodes.json is a few MB). */
export const MAX_NODE_LIST_BYTES = 64 * 1024 * 1024;
/** Entries beyond this are refused (mainnet has on the order of 10^5 nodes). */
export const MAX_NODE_LIST_ENTRIES = 2_000_000;

export type NodeListFormat = 'nodes.json' | 'json-array' | 'lines';

export interface NodeListEntry {
  /** `name:line`, `name[i]`, or the nodes.json key: where the entry came from, for messages. */
  source: string;
  /** The entry's string (a line's field, an array string, a nodes.json `record`); null when the JSON value had none. */
  text: string | null;
  /** nodes.json only: the object key (geth writes the node ID in hex). */
  key?: string;
}

/** True when a string is a record itself (ENR or enode URL) rather than, say, a file name. */
export function looksLikeRecord(arg: string): boolean {
  const t = arg.trim();
  return t.startsWith('enr:') || t.startsWith('enode://');
}

/**
 * Split a node list's text into entries. `json: true` insists on JSON (a nodes.json input); else
 * text starting with `{` or `[` is JSON and anything else is lines. Throws NodeListFileError on
 * invalid JSON, JSON that is neither an object nor an array, or more than MAX_NODE_LIST_ENTRIES.
 */
export function splitNodeList(text: string, name: string, options: { json?: boolean } = {}): { format: NodeListFormat; entries: NodeListEntry[] } {
  const body = text.replace(/^\uFEFF/, '');
  const trimmed = body.trimStart();
  if (options.json || trimmed.startsWith('{') || trimmed.startsWith('[')) return splitJson(trimmed, name);
  const entries: NodeListEntry[] = [];
  const lines = body.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const field = line.split(/\s+/).find(looksLikeRecord) ?? line;
    push(entries, { source: `${name}:${i + 1}`, text: field }, name);
  }
  return { format: 'lines', entries };
}

function splitJson(text: string, name: string): { format: NodeListFormat; entries: NodeListEntry[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new NodeListFileError(`${name} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const entries: NodeListEntry[] = [];
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => push(entries, { source: `${name}[${i}]`, text: typeof v === 'string' ? v : null }, name));
    return { format: 'json-array', entries };
  }
  if (doc === null || typeof doc !== 'object') throw new NodeListFileError(`${name}: expected geth's nodes.json (an object keyed by node ID) or an array`);
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const record = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)['record'] : undefined;
    push(entries, { source: key, text: typeof record === 'string' ? record : null, key }, name);
  }
  return { format: 'nodes.json', entries };
}

function push(entries: NodeListEntry[], entry: NodeListEntry, name: string): void {
  if (entries.length >= MAX_NODE_LIST_ENTRIES) throw new NodeListFileError(`${name}: more than ${MAX_NODE_LIST_ENTRIES} entries`);
  entries.push(entry);
}
