/**
 * `nodefinder demo` (what `npm run demo` runs) end to end, shorter: a 24-peer test network crawled by
 * two instances into a fresh embedded database; the printed snapshot (as JSON) must match the
 * testnet's manifest — every peer discovered and dialed, HELLO / STATUS / mainnet counts, the client
 * mix and the full peers' too_many_peers — and the run must say how to get the HTML report.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_MANIFEST, DEMO_MARKER } from '../../src/cli/demo.js';
import type { Manifest } from '../../src/testnet/manifest.js';
import { lines, runCli, STACK_FRAME } from './cli-run.js';

const root = mkdtempSync(join(tmpdir(), 'nf-ops-demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

describe('nodefinder demo', () => {
  it('crawls a local test network into the embedded database and prints a snapshot that matches its manifest', async () => {
    const dir = join(root, 'demo-db');
    const r = await runCli('demo', '--nodes', '24', '--instances', '2', '--seed', '5', '--db', dir, '--duration', '90s', '--progress-interval', '2s', '--format', 'json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(STACK_FRAME);
    expect(r.err).toMatch(/crawl: every peer dialed after \d+ s/);
    expect(r.err).toMatch(/discovered +\d+\/24 · dialed +\d+\/24/);
    // The testnet's geth ≥ 1.16 mainnet peers dial back once our ENR passes their filter, and the demo counts them.
    const back = /(\d+) of (\d+) geth ≥ 1\.16 peers dialed us/.exec(r.err);
    // How many of them dial within the demo's wait depends on the machine's load: at least one must.
    expect(Number(back?.[2])).toBeGreaterThan(0);
    expect(Number(back?.[1])).toBeGreaterThan(0);
    expect(r.err).toMatch(/inbound +[1-9]\d*\/\d+/);
    expect(r.err).toMatch(/crawl: instance 0 is enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+/);
    expect(r.err).toContain(`nodefinder report snapshot --db ${dir} --format html`);
    expect(r.err).toContain(`nodefinder serve --db ${dir} --listen 127.0.0.1:8080`);
    expect(existsSync(join(dir, DEMO_MARKER))).toBe(true);

    const manifest = JSON.parse(readFileSync(join(dir, DEMO_MANIFEST), 'utf8')) as Manifest;
    expect(manifest.nodes).toBe(24);
    const peers = manifest.peers;
    const hello = peers.filter((p) => p.expected.outcome === 'status' || p.expected.outcome === 'hello');
    const status = peers.filter((p) => p.expected.outcome === 'status');
    const mainnet = status.filter((p) => p.network.name === 'mainnet' && p.expected.forkVerdict === 'compatible');
    const full = peers.filter((p) => p.expected.disconnectReason === 'too_many_peers');
    // the default mix has every kind of peer in it, so each comparison below means something
    expect(full.length).toBeGreaterThan(0);
    expect(hello.length).toBeGreaterThan(status.length);
    expect(status.length).toBeGreaterThan(mainnet.length);
    expect(peers.some((p) => !p.tcp)).toBe(true);

    const snapshot = JSON.parse(r.out) as {
      nodes: Record<string, number>;
      clients: { client: string; count: number }[];
      disconnects: { reason: string; count: number; nodes: number }[];
    };
    // our own instances discover and dial each other; the report never counts them
    expect(snapshot.nodes).toMatchObject({ discovered: 24, dialed: 24, hello: hello.length, status: status.length, mainnet: mainnet.length });
    expect(Object.fromEntries(snapshot.clients.map((c) => [c.client, c.count]))).toEqual(countBy(hello, (p) => p.clientName));
    expect(snapshot.disconnects.find((d) => d.reason === 'too_many_peers')?.nodes).toBe(full.length);
  }, 180_000);

  it('refuses to wipe a directory that is not a demo database (exit 2, one line, nothing touched)', async () => {
    const dir = join(root, 'precious');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const r = await runCli('demo', '--db', dir, '--nodes', '4');
    expect(r.code).toBe(2);
    expect(lines(r.err).filter((l) => l.startsWith('nodefinder: '))).toEqual([
      `nodefinder: --db ${dir} is not empty and not a demo database: choose another directory (the demo recreates it)`,
    ]);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(r.out).toBe('');
  });

  it('`npm run demo` runs this command through the package binary', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
    expect(pkg.scripts.demo).toBe(`node ${pkg.bin.nodefinder} demo`);
  });

  it('rejects a server URL and bad numbers as usage errors', async () => {
    for (const args of [['--db', 'postgres://127.0.0.1:1/x'], ['--nodes', '0'], ['--duration', 'soon'], ['--format', 'pdf']]) {
      const r = await runCli('demo', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(lines(r.err)).toHaveLength(1);
    }
  });
});
