/** `nodefinder enr`: records, enode URLs, lists and geth nodes.json decoded, verified and judged. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { createEnr } from '../../src/enode/enr.js';
import { currentForkId } from '../../src/eth/fork-id.js';
import { forkSchedule, getNetwork } from '../../src/eth/networks.js';
import { parseRecordFile } from '../../src/cli/enr-input.js';
import { lines, runCli, STACK_FRAME } from './cli-run.js';

const AT = '2026-06-10T09:00:00Z';
const atSeconds = Date.parse(AT) / 1000;
const dir = mkdtempSync(join(tmpdir(), 'nodefinder-enr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(network: 'mainnet' | 'sepolia', extra: Record<string, Uint8Array | Uint8Array[]> = {}) {
  const id = currentForkId(forkSchedule(getNetwork(network)), atSeconds);
  return createEnr({
    privateKey: generatePrivateKey(), seq: 7n, ip: '127.0.0.9', tcp: 30303, udp: 30301,
    eth: { forkHash: id.hash, forkNext: id.next }, extra,
  });
}

/** The same record with one byte of its signature flipped (base64url text re-encoded). */
function tampered(text: string): string {
  const raw = Buffer.from(text.slice(4), 'base64url');
  raw[10]! ^= 0x01; // inside the 64-byte signature (after the list and string headers)
  return `enr:${raw.toString('base64url')}`;
}

describe('nodefinder enr', () => {
  it('decodes one record: identity, endpoints, eth fork ID judged for the network it fits', async () => {
    const enr = record('sepolia', { client: [Buffer.from('Geth'), Buffer.from('1.16.7')] });
    const r = await runCli('enr', enr.toText(), '--at', AT, '--format', 'json');
    expect(r.code).toBe(0);
    const [v] = JSON.parse(r.out).records;
    expect(v).toMatchObject({
      valid: true, type: 'enr', node_id: Buffer.from(enr.nodeId).toString('hex'), seq: '7', identity_scheme: 'v4',
      ip: '127.0.0.9', tcp: 30303, udp: 30301, network: 'sepolia', fork_verdict: 'compatible', client: ['Geth', '1.16.7'],
      enode: formatEnode(enr.toNodeRecord()!),
    });
    expect(v.eth.fork_hash).toMatch(/^0x[0-9a-f]{8}$/);
    // Judged against another network the same entry is incompatible.
    const other = await runCli('enr', enr.toText(), '--at', AT, '--network', 'mainnet', '--format', 'json');
    expect(JSON.parse(other.out).records[0]).toMatchObject({ network: 'mainnet', fork_verdict: 'incompatible' });
    const table = await runCli('enr', enr.toText(), '--at', AT);
    expect(table.out).toContain('→ sepolia: compatible');
    expect(table.out).toContain('client     Geth 1.16.7');
  });

  it('an unknown fork hash fits no network; judged for a network it is local_stale (a fork we do not know yet)', async () => {
    const enr = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '127.0.0.9', tcp: 30303, udp: 30303, eth: { forkHash: Uint8Array.of(0xde, 0xad, 0xbe, 0xef), forkNext: 0n } });
    const free = JSON.parse((await runCli('enr', enr.toText(), '--format', 'json')).out).records[0];
    expect(free).toMatchObject({ network: null, fork_verdict: null, eth: { fork_hash: '0xdeadbeef', fork_next: '0' } });
    const judged = JSON.parse((await runCli('enr', enr.toText(), '--network', 'sepolia', '--format', 'json')).out).records[0];
    expect(judged).toMatchObject({ network: 'sepolia', fork_verdict: 'local_stale' });
  });

  it('a list file: records, enode URLs, comments; a tampered record is reported and sets exit 1', async () => {
    const good = record('mainnet', { snap: [] });
    const enode = formatEnode(record('mainnet').toNodeRecord()!);
    const file = join(dir, 'list.txt');
    writeFileSync(file, `# nodes\n${good.toText()}\n\n${enode}\n${tampered(good.toText())}\nnot-a-record\n`);
    const r = await runCli('enr', file, '--at', AT, '--format', 'json');
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual(['nodefinder: 2 of 4 records failed to decode or verify']);
    const views = JSON.parse(r.out).records;
    expect(views.map((v: { source: string }) => v.source)).toEqual([`${file}:2`, `${file}:4`, `${file}:5`, `${file}:6`]);
    expect(views[0]).toMatchObject({ valid: true, network: 'mainnet', fork_verdict: 'compatible', other: { snap: [] } });
    expect(views[1]).toMatchObject({ valid: true, type: 'enode', ip: '127.0.0.9', seq: null, eth: null });
    expect(views[2]).toMatchObject({ valid: false, error: { kind: 'bad_signature' } });
    expect(views[3]).toMatchObject({ valid: false, error: { kind: 'bad_enr' } });
  });

  it("geth's nodes.json (cmd/devp2p nodeset) and JSON arrays", () => {
    const a = record('mainnet');
    const b = record('sepolia');
    const nodesJson = JSON.stringify({
      [Buffer.from(a.nodeId).toString('hex')]: { seq: 7, record: a.toText(), score: 1 },
      [Buffer.from(b.nodeId).toString('hex')]: { seq: 7, record: b.toText() },
      broken: { seq: 1 },
    });
    const items = parseRecordFile(nodesJson, 'nodes.json');
    expect(items.map((i) => i.kind)).toEqual(['enr', 'enr', 'error']);
    expect(items[0]!.source).toBe(Buffer.from(a.nodeId).toString('hex'));
    expect(parseRecordFile(JSON.stringify([a.toText(), 42]), 'x.json').map((i) => i.kind)).toEqual(['enr', 'error']);
  });

  it('bad usage is one line with exit 2 and no stack trace', async () => {
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"unterminated": ');
    const cases = [
      ['enr', badJson],
      ['enr', join(dir, 'missing.txt')],
      ['enr', record('mainnet').toText(), '--format', 'xml'],
      ['enr', record('mainnet').toText(), '--network', 'ropsten'],
      ['enr', record('mainnet').toText(), '--at', 'yesterday-ish'],
    ];
    for (const args of cases) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(lines(r.err)).toHaveLength(1);
      expect(r.err).not.toMatch(STACK_FRAME);
    }
  });
});

describe('record file parsing is total', () => {
  it('random and mutated files never throw anything but a usage error for bad JSON', () => {
    const good = record('mainnet').toText();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const alphabet = `enr:-_abcXYZ019{}[]",:\n#enode://@.`;
    for (let i = 0; i < 2000; i++) {
      let text = i % 2 === 0 ? good : '';
      const n = Math.floor(rnd() * 80);
      for (let j = 0; j < n; j++) {
        const at = Math.floor(rnd() * (text.length + 1));
        text = text.slice(0, at) + alphabet[Math.floor(rnd() * alphabet.length)]! + text.slice(at + (rnd() < 0.5 ? 1 : 0));
      }
      try {
        for (const item of parseRecordFile(text, 'fuzz')) expect(['enr', 'enode', 'error']).toContain(item.kind);
      } catch (err) {
        expect((err as { exitCode?: number }).exitCode, text).toBe(2);
      }
    }
  });
});
