import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portBase } from '../integration/helpers.js';
import { runCli } from '../ops/cli-run.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { MANIFEST_FORMAT, type Manifest } from '../../src/testnet/manifest.js';

/** Run the program in-process, as the binary would, capturing what it prints. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await runCli(...args);
  return { code, stdout: out, stderr: err };
}

const dir = mkdtempSync(join(tmpdir(), 'nodefinder-testnet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A base port whose next `n` ports are free right now (UDP checked; TCP follows the same numbers). */
async function freeBase(n: number): Promise<number> {
  for (;;) {
    const base = portBase();
    const sockets = await Promise.all(
      Array.from({ length: n }, (_, i) => new Promise<ReturnType<typeof createSocket> | null>((resolve) => {
        const s = createSocket('udp4');
        s.once('error', () => resolve(null));
        s.bind(base + i, '127.0.0.1', () => resolve(s));
      })),
    );
    await Promise.all(sockets.map((s) => s && new Promise<void>((r) => s.close(() => r()))));
    if (sockets.every((s) => s !== null)) return base;
  }
}

describe('nodefinder testnet', () => {
  it('runs for --duration, writes enodes (one per line) and the manifest, then stops cleanly', async () => {
    const base = await freeBase(6);
    const enodes = join(dir, 'enodes.txt');
    const r = await run('testnet', '--nodes', '6', '--port', String(base), '--duration', '1500ms', '--enodes-out', enodes, '--seed', '4', '--progress-interval', '500ms');
    expect(r.stderr).not.toMatch(/nodefinder:/);
    expect(r.code).toBe(0);
    const lines = readFileSync(enodes, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    lines.forEach((line, i) => {
      const node = parseEnode(line);
      expect([node.ip, node.tcpPort, node.udpPort]).toEqual(['127.0.0.1', base + i, base + i]);
    });
    const manifest = JSON.parse(readFileSync(`${enodes}.json`, 'utf8')) as Manifest;
    expect(manifest.format).toBe(MANIFEST_FORMAT);
    expect(manifest.seed).toBe(4);
    expect(manifest.basePort).toBe(base);
    expect(manifest.peers.map((p) => p.enode)).toEqual(lines);
    expect(r.stderr).toMatch(/testnet: 6 peers on 127\.0\.0\.1/);
    expect(r.stderr).toMatch(/\] tables \d+\/[\d.]+\/\d+ \(min\/mean\/max\)/);
    expect(r.stderr).toMatch(/duration reached, stopping\ntestnet: stopped, sockets closed\n$/);
    expect(r.stdout).toBe('');
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('prints the enodes on stdout without --enodes-out, and honours --manifest; the same seed gives the same peers', async () => {
    const base = await freeBase(3);
    const manifestFile = join(dir, 'truth.json');
    const a = await run('testnet', '--nodes', '3', '--port', String(base), '--duration', '300ms', '--manifest', manifestFile, '--seed', '9');
    expect(a.code).toBe(0);
    const lines = a.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    expect(manifest.peers.map((p) => p.enode)).toEqual(lines);
    const b = await run('testnet', '--nodes', '3', '--port', String(base), '--duration', '300ms', '--seed', '9');
    expect(b.stdout).toBe(a.stdout);
  });

  it('a SIGINT stops it', async () => {
    const base = await freeBase(2);
    const pending = run('testnet', '--nodes', '2', '--port', String(base), '--progress-interval', '10m');
    // Signal once the command is waiting (its handler is installed).
    for (let i = 0; i < 500 && process.listenerCount('SIGINT') === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(process.listenerCount('SIGINT')).toBe(1);
    process.emit('SIGINT', 'SIGINT');
    const r = await pending;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/SIGINT received, stopping/);
  });

  it('refuses bad usage with exit 2 and a one-line message', async () => {
    for (const args of [
      ['--host', '0.0.0.0'],
      ['--host', '192.168.0.2'],
      ['--nodes', '0'],
      ['--nodes', 'many'],
      ['--port', '65530', '--nodes', '10'],
      ['--full-fraction', '1.5'],
      ['--parity-fraction', 'x'],
      ['--duration', 'soon'],
      ['--stale-fork-peers', '30', '--nodes', '5'],
      ['--enodes-out', ' '],
    ]) {
      const r = await run('testnet', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('a port already in use is a runtime failure (exit 1), with nothing left open', async () => {
    const base = await freeBase(1);
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(base, '127.0.0.1', () => r()));
    try {
      const r = await run('testnet', '--nodes', '3', '--port', String(base), '--duration', '200ms');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^nodefinder: cannot start the testnet on 127\.0\.0\.1:\d+\.\.\d+ \(address_in_use\)/);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
