/**
 * Instance identities are kept on disk (--keys <dir>, one hex private key per file, mode 0600) so a
 * restarted crawler is the same set of nodes to the network and to the database.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeFinderError } from '../errors.js';
import { generatePrivateKey, secp256k1 } from '../crypto/index.js';
import { bytesToHex, hexToBytes } from '../util/bytes.js';

export class KeyFileError extends NodeFinderError {
  constructor(message: string) {
    super('internal', message);
  }
}

export function keyFileName(index: number): string {
  return `instance-${String(index).padStart(3, '0')}.key`;
}

/** Load instance `index`'s key from `dir`, creating (and saving) a fresh one when absent. */
export async function loadOrCreateKey(dir: string, index: number): Promise<{ privateKey: Uint8Array; created: boolean }> {
  const file = join(dir, keyFileName(index));
  let text: string | undefined;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw new KeyFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (text !== undefined) {
    let key: Uint8Array;
    try {
      key = hexToBytes(text);
    } catch {
      throw new KeyFileError(`${file} does not hold a hex private key`);
    }
    if (key.length !== 32 || !secp256k1().isValidPrivateKey(key)) throw new KeyFileError(`${file} does not hold a valid secp256k1 private key`);
    return { privateKey: key, created: false };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateKey = generatePrivateKey();
  await writeFile(file, `${bytesToHex(privateKey)}\n`, { mode: 0o600, flag: 'wx' });
  return { privateKey, created: true };
}

/**
 * The sequence number of an instance's node record (EIP-778 seq), kept beside its key so that it
 * increases across restarts: a peer keeps the record with the higher seq, so a restarted instance
 * that re-used a lower one would be ignored until it caught up.
 */
export interface EnrSeqStore {
  /** The last saved seq; 0n when none was saved (or the file is unreadable as a number). */
  load(): Promise<bigint>;
  save(seq: bigint): Promise<void>;
}

export function enrSeqFileName(index: number): string {
  return `instance-${String(index).padStart(3, '0')}.enr-seq`;
}

/** EIP-778: seq is a uint64; 20 decimal digits at most. */
const SEQ_TEXT = /^\d{1,20}$/;
const MAX_SEQ = (1n << 64n) - 1n;

/** The seq file of instance `index` in `dir` (decimal text; written to a temporary file, then renamed). */
export function enrSeqStore(dir: string, index: number): EnrSeqStore {
  const file = join(dir, enrSeqFileName(index));
  return {
    async load() {
      let text: string;
      try {
        text = (await readFile(file, 'utf8')).slice(0, 64).trim();
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return 0n;
        throw new KeyFileError(`cannot read ${file}: ${(err as Error).message}`);
      }
      // A damaged file is not fatal: the caller then starts from the clock (as geth does), which is
      // above any seq an earlier run of this instance could have reached by counting.
      if (!SEQ_TEXT.test(text)) return 0n;
      const seq = BigInt(text);
      return seq <= MAX_SEQ ? seq : 0n;
    },
    async save(seq) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp`;
      try {
        await writeFile(tmp, `${seq}\n`, { mode: 0o600 });
        await rename(tmp, file);
      } catch (err) {
        throw new KeyFileError(`cannot write ${file}: ${(err as Error).message}`);
      }
    },
  };
}

/** A seq store in memory (tests, the demo, instances without a keys directory). */
export function memoryEnrSeqStore(initial = 0n): EnrSeqStore & { readonly value: bigint } {
  let value = initial;
  return {
    get value() {
      return value;
    },
    load: () => Promise.resolve(value),
    save: (seq) => {
      value = seq;
      return Promise.resolve();
    },
  };
}
