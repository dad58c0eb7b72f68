/**
 * External node lists for `report coverage --external <file>` (the paper compared NodeFinder with a
 * public node tracker's list). Accepted, detected from the content:
 *   - geth `devp2p` nodes.json: an object keyed by node ID (hex), values holding an ENR `record`;
 *   - a JSON array of strings, or a text file with one entry per line (blank lines and # comments
 *     skipped), each entry an enode URL, an ENR ("enr:…"), a node ID (64 hex) or a public key (128 hex).
 * Everything is hostile input: sizes are capped and every failure is an ExternalListError naming the
 * entry.
 */
import { readFile, stat } from 'node:fs/promises';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import { parseEnode } from '../enode/enode-url.js';
import { decodeEnrText } from '../enode/enr.js';
import { bytesToHex, hexToBytes } from '../util/bytes.js';
import { ExternalListError } from './errors.js';

/** Larger files are refused before reading (a full mainnet list is a few MB). */
export const MAX_EXTERNAL_FILE_BYTES = 64 * 1024 * 1024;
/** Entries beyond this are refused (mainnet has on the order of 10^5 nodes). */
export const MAX_EXTERNAL_ENTRIES = 2_000_000;

export type ExternalFormat = 'nodes.json' | 'json-array' | 'lines';

export interface ExternalList {
  format: ExternalFormat;
  /** Distinct node IDs, lowercase hex. */
  nodeIds: string[];
  /** Entries read (with duplicates). */
  entries: number;
  /** Where it came from (file name), for the report. */
  source: string;
}

const HEX64 = /^(0x)?[0-9a-fA-F]{64}$/;
const HEX128 = /^(0x)?[0-9a-fA-F]{128}$/;

/** One entry → node ID hex; throws ExternalListError. */
export function entryNodeId(entry: string, where: string): string {
  const e = entry.trim();
  try {
    if (e.startsWith('enode://')) return bytesToHex(parseEnode(e).id);
    if (e.startsWith('enr:')) return bytesToHex(decodeEnrText(e).nodeId);
  } catch (err) {
    throw new ExternalListError(`${where}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (HEX64.test(e)) return e.replace(/^0x/, '').toLowerCase();
  if (HEX128.test(e)) return bytesToHex(nodeIdFromPublicKey(hexToBytes(e.replace(/^0x/, ''))));
  const shown = e.length > 40 ? `${e.slice(0, 40)}…` : e;
  throw new ExternalListError(`${where}: not an enode URL, ENR, node ID or public key: ${JSON.stringify(shown)}`);
}

export function parseExternalList(text: string, source = 'external list'): ExternalList {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  const ids = new Set<string>();
  let entries = 0;
  const add = (entry: string, where: string) => {
    if (++entries > MAX_EXTERNAL_ENTRIES) throw new ExternalListError(`${source}: more than ${MAX_EXTERNAL_ENTRIES} entries`);
    ids.add(entryNodeId(entry, where));
  };
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      throw new ExternalListError(`${source}: invalid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (Array.isArray(doc)) {
      doc.forEach((v, i) => {
        if (typeof v !== 'string') throw new ExternalListError(`${source}[${i}]: expected a string`);
        add(v, `${source}[${i}]`);
      });
      return { format: 'json-array', nodeIds: [...ids], entries, source };
    }
    if (doc === null || typeof doc !== 'object') throw new ExternalListError(`${source}: expected an object or an array`);
    for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
      // geth nodes.json: the key is the node ID; fall back on the record when the key is something else.
      const record = (value as { record?: unknown } | null)?.record;
      if (HEX64.test(key)) add(key, `${source} key ${key.slice(0, 12)}…`);
      else if (typeof record === 'string') add(record, `${source} record of ${JSON.stringify(key.slice(0, 20))}`);
      else throw new ExternalListError(`${source}: key ${JSON.stringify(key.slice(0, 40))} is not a node ID and has no record`);
    }
    return { format: 'nodes.json', nodeIds: [...ids], entries, source };
  }
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const entry = line.replace(/#.*$/, '').trim();
    if (entry) add(entry, `${source}:${i + 1}`);
  });
  return { format: 'lines', nodeIds: [...ids], entries, source };
}

export async function readExternalList(file: string): Promise<ExternalList> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new ExternalListError(`cannot read ${file}: ${(err as { code?: string }).code ?? (err as Error).message}`, { cause: err });
  }
  if (size > MAX_EXTERNAL_FILE_BYTES) throw new ExternalListError(`${file} is larger than ${MAX_EXTERNAL_FILE_BYTES} bytes`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ExternalListError(`cannot read ${file}: ${(err as { code?: string }).code ?? (err as Error).message}`, { cause: err });
  }
  return parseExternalList(text, file);
}
