/**
 * External node lists (coverage --external): every accepted format, and hostile input — random and
 * mutated files only ever raise ExternalListError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { createEnr } from '../../src/enode/enr.js';
import { ExternalListError } from '../../src/report/errors.js';
import { parseExternalList, readExternalList } from '../../src/report/external-list.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { Rng } from '../store/fixtures.js';

const rng = new Rng(42);
const keys = Array.from({ length: 3 }, () => {
  const priv = hexToBytes(rng.hex(32));
  const pub = publicKeyFromPrivate(priv);
  return { priv, pub, id: bytesToHex(nodeIdFromPublicKey(pub)) };
});
const enode = (i: number) => formatEnode({ publicKey: keys[i]!.pub, ip: '10.0.0.1', udpPort: 30303, tcpPort: 30303 });

const dir = mkdtempSync(join(tmpdir(), 'nodefinder-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseExternalList', () => {
  it('reads enode URLs, node IDs and public keys, one per line, with comments and duplicates', () => {
    const text = `# list\n${enode(0)}\r\n\n  ${keys[1]!.id.toUpperCase()}  # an ID\n0x${bytesToHex(keys[2]!.pub)}\n${enode(0)}\n`;
    const l = parseExternalList(text, 'f.txt');
    expect(l.format).toBe('lines');
    expect(l.entries).toBe(4);
    expect(l.nodeIds).toEqual([keys[0]!.id, keys[1]!.id, keys[2]!.id]);
  });

  it('reads geth nodes.json (keyed by node ID) and JSON arrays, ENRs included', () => {
    const enr = createEnr({ privateKey: keys[2]!.priv, seq: 1n, ip: '10.0.0.3', udp: 30303, tcp: 30303 }).toText();
    const nodesJson = JSON.stringify({
      [keys[0]!.id]: { seq: 1, record: 'enr:-ignored', score: 1, firstResponse: '2024-01-01T00:00:00Z' },
      [keys[1]!.id]: { seq: 2 },
      'not-an-id': { record: enr },
    });
    const l = parseExternalList(nodesJson);
    expect(l.format).toBe('nodes.json');
    expect(l.nodeIds).toEqual([keys[0]!.id, keys[1]!.id, keys[2]!.id]);
    const a = parseExternalList(JSON.stringify([enode(1), enr]));
    expect(a).toMatchObject({ format: 'json-array', nodeIds: [keys[1]!.id, keys[2]!.id] });
  });

  it('names the bad entry', () => {
    expect(() => parseExternalList(`${enode(0)}\nhello`, 'f.txt')).toThrow(/f\.txt:2: not an enode URL/);
    expect(() => parseExternalList('enode://1234@1.2.3.4:30303', 'f.txt')).toThrow(ExternalListError);
    expect(() => parseExternalList('{"x": 1}', 'n.json')).toThrow(/not a node ID and has no record/);
    expect(() => parseExternalList('[1]', 'n.json')).toThrow(/expected a string/);
    expect(() => parseExternalList('{bad json', 'n.json')).toThrow(/not valid JSON/);
    try {
      parseExternalList('zzz');
    } catch (err) {
      expect((err as ExternalListError).exitCode).toBe(2);
      expect((err as ExternalListError).kind).toBe('bad_enode');
    }
  });

  it('fuzz: random and mutated input raises ExternalListError or parses, nothing else', () => {
    const seeds = [`${enode(0)}\n${enode(1)}`, JSON.stringify({ [keys[0]!.id]: { record: 'x' } }), JSON.stringify([enode(2)]), keys[1]!.id];
    const alphabet = 'enode://@:0123456789abcdefABCDEF{}[]",\n#x0 enr:-_';
    for (let i = 0; i < 3000; i++) {
      let text: string;
      if (i % 2 === 0) {
        const s = [...seeds[rng.int(seeds.length)]!];
        for (let m = 0; m < 1 + rng.int(4); m++) s[rng.int(s.length)] = alphabet[rng.int(alphabet.length)]!;
        text = s.join('');
      } else {
        text = Array.from({ length: rng.int(200) }, () => alphabet[rng.int(alphabet.length)]).join('');
      }
      try {
        const l = parseExternalList(text);
        for (const id of l.nodeIds) expect(id).toMatch(/^[0-9a-f]{64}$/);
      } catch (err) {
        expect(err).toBeInstanceOf(ExternalListError);
      }
    }
  });
});

describe('readExternalList', () => {
  it('reads a file, and fails typed on a missing one', async () => {
    const file = join(dir, 'nodes.txt');
    writeFileSync(file, `${enode(0)}\n`);
    expect((await readExternalList(file)).nodeIds).toEqual([keys[0]!.id]);
    await expect(readExternalList(join(dir, 'missing.txt'))).rejects.toThrow(/ENOENT/);
    await expect(readExternalList(join(dir, 'missing.txt'))).rejects.toBeInstanceOf(ExternalListError);
  });
});
