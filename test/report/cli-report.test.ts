/**
 * `nodefinder report`: time parsing, window resolution, usage errors (exit 2), and the command end to
 * end on an embedded database directory holding the hand-built dataset (JSON contract of snapshot).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseTime, resolveWindow } from '../../src/cli/report.js';
import { UsageError } from '../../src/cli/errors.js';
import type { Queryable } from '../../src/store/database.js';
import { openMigratedDatabase } from '../../src/store/open.js';
import { migrateAndWrite } from '../store/helpers.js';
import { datasetEvents, externalEnodes, UNTIL } from './dataset.js';

const NOW = Date.UTC(2024, 0, 20, 12);

describe('parseTime', () => {
  it.each([
    ['2024-01-15', Date.UTC(2024, 0, 15)],
    ['2024-01-15T12:30:00Z', Date.UTC(2024, 0, 15, 12, 30)],
    ['2024-01-15T12:30:00', Date.UTC(2024, 0, 15, 12, 30)],
    ['2024-01-15 12:30', Date.UTC(2024, 0, 15, 12, 30)],
    ['2024-01-15T14:30:00+02:00', Date.UTC(2024, 0, 15, 12, 30)],
    ['now', NOW],
    ['6h', NOW - 6 * 3_600_000],
    ['7d', NOW - 7 * 86_400_000],
  ])('%s', (text, ms) => {
    expect(parseTime(text, '--at', NOW)).toBe(ms);
  });

  it.each(['yesterday', '2024-13-45', '', '-5h', '12'])('refuses %j', (text) => {
    expect(() => parseTime(text, '--at', NOW)).toThrow(UsageError);
  });
});

describe('resolveWindow', () => {
  const db = { query: async () => [{ first_ms: Date.UTC(2024, 0, 1), last_ms: NOW }], exec: async () => {} } as unknown as Queryable;
  it('--at is the 24 hours ending then; --since/--until as given; longitudinal spans the data', async () => {
    expect(await resolveWindow('snapshot', { at: '2024-01-16' }, NOW, db)).toEqual({ since: Date.UTC(2024, 0, 15), until: Date.UTC(2024, 0, 16) });
    expect(await resolveWindow('clients', {}, NOW, db)).toEqual({ since: NOW - 86_400_000, until: NOW });
    expect(await resolveWindow('clients', { since: '2024-01-10', until: '2024-01-12' }, NOW, db)).toEqual({ since: Date.UTC(2024, 0, 10), until: Date.UTC(2024, 0, 12) });
    expect(await resolveWindow('longitudinal', {}, NOW, db)).toEqual({ since: Date.UTC(2024, 0, 1), until: NOW });
    await expect(resolveWindow('snapshot', { at: 'now', since: '1d' }, NOW, db)).rejects.toThrow(/cannot be combined/);
    await expect(resolveWindow('clients', { since: '2024-01-12', until: '2024-01-10' }, NOW, db)).rejects.toThrow(/empty window/);
  });
});

describe('nodefinder report (embedded database)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodefinder-report-cli-'));
  const dbDir = join(dir, 'db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const { db } = await openMigratedDatabase(dbDir);
    await migrateAndWrite(db, datasetEvents());
    await db.close();
  }, 120_000);

  const run = async (...args: string[]) => {
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      return { code: await main(['node', 'nodefinder', 'report', ...args]), stderr: err.join('') };
    } finally {
      process.stderr.write = write;
    }
  };

  it('snapshot --format json holds the contract fields', async () => {
    const out = join(dir, 'snapshot.json');
    const r = await run('snapshot', '--db', dbDir, '--at', new Date(UNTIL).toISOString(), '--format', 'json', '--out', out);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.report).toBe('snapshot');
    expect(j.nodes).toMatchObject({ discovered: 21, hello: 9, status: 7, mainnet: 5 });
    expect(j.clients[0]).toEqual({ client: 'Geth', count: 5, mainnet: 3 });
    expect(j.disconnects[0]).toEqual({ reason: 'too_many_peers', count: 2, nodes: 1 });
    expect(j.latency_ms.p50).toBeCloseTo(50, 6);
    expect(j.latency_ms.p90).toBeCloseTo(90, 6);
    // the packaged database labels loopback as reserved
    expect(j.countries[0]).toMatchObject({ country: 'reserved', count: 10 });
  }, 60_000);

  it('report forks, and the snapshot fork_ids contract', async () => {
    const out = join(dir, 'forks.json');
    const r = await run('forks', '--db', dbDir, '--at', new Date(UNTIL).toISOString(), '--format', 'json', '--out', out);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    // n0–n4 and n10 on mainnet (n4 remote_stale: the verdict most of them got is shown), n5 on sepolia
    expect(j.fork_ids).toEqual([
      { hash: '0xc376cf8b', next: '0', nodes: 6, verdict: 'compatible', network: 'mainnet' },
      { hash: '0xc376cf8b', next: '0', nodes: 1, verdict: 'unchecked', network: 'sepolia' },
    ]);
    const csv = await run('forks', '--db', dbDir, '--at', new Date(UNTIL).toISOString(), '--format', 'csv', '--out', join(dir, 'forks.csv'));
    expect(csv.code).toBe(0);
    expect(readFileSync(join(dir, 'forks.csv'), 'utf8')).toContain('0xc376cf8b');
  }, 60_000);

  it('coverage --external and --include-abusive', async () => {
    const list = join(dir, 'nodes.txt');
    writeFileSync(list, externalEnodes());
    const out = join(dir, 'coverage.json');
    const r = await run('coverage', '--db', dbDir, '--since', '2024-01-15', '--until', '2024-01-16', '--external', list, '--format', 'json', '--out', out);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).external).toMatchObject({ external: 5, reached: 2 });
    const out2 = join(dir, 'snap-all.json');
    expect((await run('snapshot', '--db', dbDir, '--at', '2024-01-16', '--include-abusive', '--format', 'json', '--out', out2)).code).toBe(0);
    expect(JSON.parse(readFileSync(out2, 'utf8')).nodes.discovered).toBe(31);
  }, 60_000);

  it('nodes --network --client --format json: one row per node, filtered', async () => {
    const out = join(dir, 'nodes.json');
    const r = await run('nodes', '--db', dbDir, '--at', '2024-01-16', '--network', 'mainnet', '--client', 'geth', '--format', 'json', '--out', out);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.report).toBe('nodes');
    expect(j.parameters).toMatchObject({ network: 'mainnet', client: 'geth' });
    // n0, n1, n2 (dataset.ts): Geth on mainnet; RTTs 40, 60 (nearest of 60/90) and 100.
    expect(j.nodes.map((n: { rtt_ms: number }) => n.rtt_ms).sort((a: number, b: number) => a - b)).toEqual([40, 60, 100]);
    for (const n of j.nodes) expect(n).toMatchObject({ client: 'Geth', network_id: '1', fork_verdict: 'compatible' });
    for (const format of ['table', 'csv', 'html']) {
      expect((await run('nodes', '--db', dbDir, '--at', '2024-01-16', '--format', format, '--out', join(dir, `nodes.${format}`))).code).toBe(0);
    }
  }, 60_000);

  it('nodes with the web list\'s other filters (shared parser): version, fork verdict, direction, country, AS, seen since', async () => {
    const nodes = async (...filters: string[]) => {
      const out = join(dir, 'nodes-filtered.json');
      const r = await run('nodes', '--db', dbDir, '--at', '2024-01-16', ...filters, '--format', 'json', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(readFileSync(out, 'utf8')) as { parameters: Record<string, unknown>; nodes: Record<string, any>[] };
    };
    const j = await nodes('--client', 'geth', '--client-version', 'v1.14', '--fork-verdict', 'compatible', '--direction', 'dialed', '--country', 'us', '--seen-since', '2024-01-01');
    expect(j.parameters).toMatchObject({ client: 'geth', version: 'v1.14', fork_verdict: 'compatible', direction: 'dialed', country: 'US', seen_since: '2024-01-01T00:00:00.000Z' });
    expect(j.nodes.length).toBeGreaterThan(0);
    for (const n of j.nodes) expect(n).toMatchObject({ client: 'Geth', version: expect.stringMatching(/^v1\.14/), fork_verdict: 'compatible' });
    expect((await nodes('--direction', 'inbound')).nodes.map((n) => n['client'])).toContain('Reth');
    expect((await nodes('--asn', 'AS24940', '--network', '1')).nodes.length).toBeGreaterThan(0);
  }, 60_000);

  it('usage errors exit 2 with one line', async () => {
    for (const args of [
      ['nosuch', '--db', dbDir],
      ['snapshot', '--db', dbDir, '--format', 'pdf'],
      ['snapshot', '--db', dbDir, '--at', 'yesterday'],
      ['snapshot', '--db', dbDir, '--top', '0'],
      ['coverage', '--db', dbDir, '--external', join(dir, 'missing.txt')],
      ['clients', '--db', dbDir, '--external', join(dir, 'missing.txt')],
      ['clients', '--db', dbDir, '--client', 'Geth'],
      ['nodes', '--db', dbDir, '--client', ' '],
      ['nodes', '--db', dbDir, '--client', 'x'.repeat(200)],
      ['nodes', '--db', dbDir, '--fork-verdict', 'maybe'],
      ['nodes', '--db', dbDir, '--direction', 'sideways'],
      ['nodes', '--db', dbDir, '--asn', 'ASX'],
      ['nodes', '--db', dbDir, '--seen-since', 'last tuesday'],
      ['nodes', '--db', dbDir, '--network', 'nosuchnet'],
      ['snapshot', '--db', dbDir, '--country', 'DE'],
      ['freshness', '--db', dbDir, '--network', '1'],
    ]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').length).toBe(1);
    }
  }, 60_000);

  it('a missing embedded database is a runtime failure (exit 1), not created', async () => {
    const r = await run('snapshot', '--db', join(dir, 'nope'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nodefinder: /);
  });
});
