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
import { NodeListFileError } from '../enode/errors.js';
import { MAX_NODE_LIST_BYTES, splitNodeList, type NodeListFormat } from '../enode/node-list-file.js';
import { bytesToHex, hexToBytes } from '../util/bytes.js';
import { ExternalListError } from './errors.js';

export type ExternalFormat = NodeListFormat;

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
  let list: ReturnType<typeof splitNodeList>;
  try {
    list = splitNodeList(text, source);
  } catch (err) {
    // The report's inputs fail with ExternalListError, whatever part of the reading failed.
    throw err instanceof NodeListFileError ? new ExternalListError(err.message, { cause: err }) : err;
  }
  const { format, entries } = list;
  const ids = new Set<string>();
  for (const e of entries) {
    if (format === 'nodes.json') {
      // geth nodes.json: the key is the node ID; fall back on the record when the key is something else.
      const key = e.key!;
      if (HEX64.test(key)) ids.add(entryNodeId(key, `${source} key ${key.slice(0, 12)}…`));
      else if (e.text !== null) ids.add(entryNodeId(e.text, `${source} record of ${JSON.stringify(key.slice(0, 20))}`));
      else throw new ExternalListError(`${source}: key ${JSON.stringify(key.slice(0, 40))} is not a node ID and has no record`);
    } else if (e.text === null) {
      throw new ExternalListError(`${e.source}: expected a string`);
    } else {
      ids.add(entryNodeId(e.text, e.source));
    }
  }
  return { format, nodeIds: [...ids], entries: entries.length, source };
}

export async function readExternalList(file: string): Promise<ExternalList> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new ExternalListError(`cannot read ${file}: ${(err as { code?: string }).code ?? (err as Error).message}`, { cause: err });
  }
  if (size > MAX_NODE_LIST_BYTES) throw new ExternalListError(`${file} is larger than ${MAX_NODE_LIST_BYTES} bytes`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ExternalListError(`cannot read ${file}: ${(err as { code?: string }).code ?? (err as Error).message}`, { cause: err });
  }
  return parseExternalList(text, file);
}
