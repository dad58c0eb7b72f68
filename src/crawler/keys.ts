/**
 * Instance identities are kept on disk (--keys <dir>, one hex private key per file, mode 0600) so a
 * restarted crawler is the same set of nodes to the network and to the database.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
