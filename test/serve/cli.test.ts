/**
 * `nodefinder serve` as a command: bad options are one-line usage errors (exit 2), a missing or
 * unmigrated database and a taken port are one-line errors, and on an embedded database directory
 * it serves until --duration, then exits 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open.js';
import { lines, occupyPort, runCli, STACK_FRAME } from '../ops/cli-run.js';
import { fillDatabase } from './fixture.js';

const root = mkdtempSync(join(tmpdir(), 'nodefinder-serve-cli-'));
const dataDir = join(root, 'data');
const emptyDir = join(root, 'empty');

beforeAll(async () => {
  const db = await openDatabase(dataDir);
  await fillDatabase(db);
  await db.close();
  await (await openDatabase(emptyDir)).close();
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function oneLineError(r: { code: number; out: string; err: string }, code: number, pattern: RegExp): void {
  expect(r.code, r.err).toBe(code);
  expect(lines(r.err)).toHaveLength(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(STACK_FRAME);
}

describe('nodefinder serve', () => {
  it('refuses bad options with one line (exit 2)', async () => {
    oneLineError(await runCli('serve', '--db', dataDir, '--listen', 'everywhere'), 2, /invalid --listen "everywhere"/);
    oneLineError(await runCli('serve', '--db', dataDir, '--listen', '127.0.0.1:99999'), 2, /invalid --listen/);
    oneLineError(await runCli('serve', '--db', dataDir, '--query-timeout', '1ms'), 2, /invalid --query-timeout "1ms": expected 100ms\.\.5m/);
    oneLineError(await runCli('serve', '--db', dataDir, '--refresh', 'soon'), 2, /invalid --refresh/);
    oneLineError(await runCli('serve', '--db', dataDir, '--at', 'yesterday-ish'), 2, /invalid --at/);
    for (const share of ['0', '65', '1e3', ' 0.5', 'x'.repeat(100)]) {
      oneLineError(await runCli('serve', '--db', dataDir, '--cpu-share', share), 2, /invalid --cpu-share ".*": expected a fraction of one core, 0\.01\.\.64/);
    }
  }, 60_000);

  it('a missing or empty database is a one-line error naming what to do', async () => {
    oneLineError(await runCli('serve', '--db', join(root, 'nothing-here')), 1, /no embedded database in .*nothing-here: crawl into it first/);
    oneLineError(await runCli('serve', '--db', emptyDir), 2, /no NodeFinder data in .*empty: crawl into it first/);
  });

  it('a port in use names --listen', async () => {
    const taken = await occupyPort();
    try {
      oneLineError(await runCli('serve', '--db', dataDir, '--listen', `127.0.0.1:${taken.port}`, '--duration', '5s'), 1, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken.port}: address in use; choose another --listen`));
    } finally {
      await taken.release();
    }
  });

  it('serves an embedded database directory until --duration, then exits 0', async () => {
    const free = await occupyPort();
    const port = free.port;
    await free.release();
    const run = runCli('serve', '--db', dataDir, '--listen', `127.0.0.1:${port}`, '--duration', '8s', '--at', '2024-01-16T00:00:00Z', '--cpu-share', '2');
    let health = '';
    for (let i = 0; i < 60 && !health; i++) {
      await new Promise((r) => setTimeout(r, 100));
      health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.text(), () => '');
    }
    expect(health).toMatch(/^nodefinder_serve_database_up 1$/m);
    const nodes = (await (await fetch(`http://127.0.0.1:${port}/api/nodes?limit=200`)).json()) as { nodes: unknown[] };
    expect(nodes.nodes).toHaveLength(36);
    const r = await run;
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`nodefinder serve: http://127.0.0.1:${port}/ (read-only view of ${dataDir}); Ctrl-C stops\n`);
  }, 30_000);
});
