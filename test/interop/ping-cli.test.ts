/**
 * `nodefinder ping` in-process (main(argv) returns the exit code) against real @ethereumjs/devp2p
 * nodes on 127.0.0.1 (DPT + RLPx with one key, as a real node), a closed port, and bad input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../ops/cli-run.js';
import { formatEnode } from '../../src/enode/enode-url.js';
import { listenTcp } from '../../src/net/node-tcp.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { EJS_BEST_BLOCK, EJS_CLIENT_ID, startEjsNode, type EjsNode } from './ethereumjs-node.js';

/** Run the program in-process, as the binary would, capturing what it prints. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await runCli(...args);
  return { code, stdout: out, stderr: err };
}

const nodes: EjsNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) n.close();
});
const dir = mkdtempSync(join(tmpdir(), 'nodefinder-ping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ejs(options: Parameters<typeof startEjsNode>[0]): Promise<EjsNode> {
  const n = await startEjsNode(options);
  nodes.push(n);
  return n;
}

type PingJson = Record<string, unknown> & {
  status?: Record<string, unknown> & { fork_id: { hash: string; next: string } };
  disconnect?: { reason: string };
  error?: { kind: string; message: string };
  disc_error: { kind: string; message: string } | null;
};

function parse(stdout: string): PingJson {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1); // ONE object
  return JSON.parse(lines[0]!) as PingJson;
}

describe('nodefinder ping against @ethereumjs/devp2p nodes', () => {
  it('--json: discv4 PONG, HELLO and STATUS of a node with room', async () => {
    const them = await ejs({ withDpt: true });
    const { code, stdout, stderr } = await run('ping', formatEnode(them.node), '--json', '--timeout', '5s');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const j = parse(stdout);
    expect(j).toMatchObject({
      id: bytesToHex(them.node.id),
      public_key: bytesToHex(them.node.publicKey),
      client_id: EJS_CLIENT_ID,
      client_name: 'EthereumJS',
      caps: ['eth/66', 'eth/67', 'eth/68'],
      listen_port: 0, // ethereumjs announces none unless told
      p2p_version: 5,
      outcome: 'status',
      dial_verdict: 'hello',
      disc_error: null,
      disc_enr_seq: null,
      network: 'mainnet',
    });
    expect(typeof j.rtt_ms).toBe('number');
    expect(typeof j.disc_rtt_ms).toBe('number');
    expect(typeof j.tcp_connect_ms).toBe('number');
    expect(j.status).toMatchObject({
      version: 68,
      network_id: '1',
      genesis_hash: `0x${NETWORKS.mainnet.genesisHash}`,
      best_hash: `0x${bytesToHex(them.bestHash)}`,
      best_block: EJS_BEST_BLOCK.toString(),
      td: '58750003716598352816469',
      fork_verdict: 'compatible',
    });
    expect(j.status?.fork_id.hash).toMatch(/^0x[0-9a-f]{8}$/);
    expect(j.status?.fork_id.next).toBe('0');
    expect(j.disconnect).toBeUndefined();
    expect(j.error).toBeUndefined();
    expect(j.disconnects).toEqual([{ direction: 'sent', reason: 'client_quitting', at_ms: expect.any(Number) }]);
  });

  it('--json: a full node (maxPeers 0) → disconnect.reason too_many_peers, exit 0', async () => {
    const them = await ejs({ withDpt: true, maxPeers: 0 });
    const { code, stdout } = await run('ping', formatEnode(them.node), '--json');
    expect(code).toBe(0);
    const j = parse(stdout);
    expect(j.disconnect).toEqual({ reason: 'too_many_peers' });
    expect(j).toMatchObject({ outcome: 'hello', dial_verdict: 'too_many_peers', client_id: EJS_CLIENT_ID, disc_error: null });
    expect(typeof j.disc_rtt_ms).toBe('number');
    expect(j.status).toBeUndefined();
    expect(j.error).toBeUndefined();
  });

  it('human-readable output: a short summary', async () => {
    const them = await ejs({ withDpt: true });
    const { code, stdout } = await run('ping', formatEnode(them.node));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^node {6}enode:\/\//);
    expect(stdout).toMatch(/^discv4 {4}PONG in \d+\.\d+ ms$/m);
    expect(stdout).toMatch(/^hello {5}EthereumJS\/.* · p2p\/5 · eth\/66 eth\/67 eth\/68 · listen 0$/m);
    expect(stdout).toMatch(/^status {4}eth\/68 · network 1 · .* \(block 23456789\) · fork 0x[0-9a-f]{8}\/0 compatible$/m);
    expect(stdout).toMatch(/^we said {3}client_quitting$/m);
    expect(stdout).toMatch(/^result {4}status \(hello\)$/m);
    expect(stdout.split('\n').length).toBeLessThan(12);
  });

  it('an unreachable node: JSON with the error and the missing PONG, exit 1 and one line on stderr', async () => {
    const listener = await listenTcp({ host: '127.0.0.1', port: 0 });
    const port = listener.port;
    await listener.close(); // nobody listens there now
    const key = publicKeyFromPrivate(generatePrivateKey());
    const enode = formatEnode({ publicKey: key, ip: '127.0.0.1', tcpPort: port, udpPort: port });
    const { code, stdout, stderr } = await run('ping', enode, '--json', '--timeout', '300ms');
    expect(code).toBe(1);
    const j = parse(stdout);
    expect(j.outcome).toBe('error');
    expect(j.error?.kind).toBe('connection_refused');
    expect(j.disc_error?.kind).toBe('timeout');
    expect(j.disc_rtt_ms).toBeNull();
    expect(j.client_id).toBeNull();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^nodefinder: no answer from 127\.0\.0\.1:\d+: connection_refused/);
  });

  it('--netrestrict keeps every packet inside the allow-list', async () => {
    const them = await ejs({ withDpt: true });
    const { code, stdout } = await run('ping', formatEnode(them.node), '--json', '--netrestrict', '10.0.0.0/8');
    expect(code).toBe(1);
    const j = parse(stdout);
    expect(j.error?.kind).toBe('netrestrict');
    expect(j.disc_error?.kind).toBe('netrestrict');
    expect(them.added).toHaveLength(0);
  });

  it('--key uses the given identity', async () => {
    const them = await ejs({ withDpt: true });
    const key = generatePrivateKey();
    const file = join(dir, 'nodekey');
    writeFileSync(file, `${bytesToHex(key)}\n`);
    const { code } = await run('ping', formatEnode(them.node), '--json', '--key', file);
    expect(code).toBe(0);
    expect(them.added.map((p) => bytesToHex(p.getId()!))).toEqual([bytesToHex(publicKeyFromPrivate(key))]);
  });

  it('bad input → one line on stderr, nothing on stdout, exit 2', async () => {
    const good = formatEnode({ publicKey: publicKeyFromPrivate(generatePrivateKey()), ip: '127.0.0.1', tcpPort: 1, udpPort: 1 });
    const badKey = join(dir, 'badkey');
    writeFileSync(badKey, 'not hex\n');
    const cases: string[][] = [
      ['ping', 'enode://1234@127.0.0.1:30303'],
      ['ping', 'http://example.org'],
      ['ping', good.replace('127.0.0.1', 'localhost')],
      ['ping', good.replace(':1', ':0')],
      ['ping', good, '--timeout', 'soon'],
      ['ping', good, '--network', 'ropsten'],
      ['ping', good, '--netrestrict', '10.0.0.0/99'],
      ['ping', good, '--key', badKey],
      ['ping', good, '--key', join(dir, 'missing')],
    ];
    for (const args of cases) {
      const { code, stdout, stderr } = await run(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout, args.join(' ')).toBe('');
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(stderr, args.join(' ')).toMatch(/^nodefinder: /);
    }
    const missing = await run('ping');
    expect(missing.code).toBe(2);
  });
});
