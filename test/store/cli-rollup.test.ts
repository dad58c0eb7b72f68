/**
 * `nodefinder db rollup` and `nodefinder db prune` on an embedded database holding the report
 * dataset (Jan 14–16 2024): what they print, what they change, and one-line errors for bad input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openMigratedDatabase } from '../../src/store/open.js';
import { rawDays, rolledDays } from '../../src/store/rollup.js';
import { datasetEvents } from '../report/dataset.js';
import { migrateAndWrite } from './helpers.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'nodefinder', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const day = (s: string) => Date.parse(`${s}T00:00:00Z`);

describe('nodefinder db rollup|prune (embedded)', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'nf-cli-rollup-'));
    dir = join(root, 'data');
    const { db } = await openMigratedDatabase(dir);
    await migrateAndWrite(db, datasetEvents());
    await db.close();
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const state = async () => {
    const { db } = await openMigratedDatabase(dir);
    try {
      return { raw: await rawDays(db), rolled: await rolledDays(db) };
    } finally {
      await db.close();
    }
  };

  it('rejects bad input with one line and exit 2, touching nothing', async () => {
    const bad = await run('db', 'prune', '--db', dir, '--older-than', 'last tuesday');
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toContain('--older-than');
    const empty = await run('db', 'rollup', '--db', dir, '--since', '2024-01-16', '--until', '2024-01-15');
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('--since');
    const missing = await run('db', 'prune', '--db', dir);
    expect(missing.code).toBe(2);
    expect((await state()).rolled).toEqual([]);
  }, 60_000);

  it('prune keeps days not rolled up; rollup rolls every closed day; prune then drops them', async () => {
    const early = await run('db', 'prune', '--db', dir, '--older-than', '2024-01-17');
    expect(early.code).toBe(0);
    expect(early.out).toContain('no raw day to drop');
    expect(early.out).toContain('kept 3 day(s) not rolled up yet: 2024-01-14, 2024-01-15, 2024-01-16');
    expect((await state()).raw).toEqual([day('2024-01-14'), day('2024-01-15'), day('2024-01-16')]);

    const r = await run('db', 'rollup', '--db', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^rolled up 2024-01-14 in \d+\.\d s$/m);
    expect(r.out).toContain('3 day(s) rolled up: 2024-01-14, 2024-01-15, 2024-01-16');
    expect((await run('db', 'rollup', '--db', dir)).out).toContain('nothing to roll up');
    const rebuild = await run('db', 'rollup', '--db', dir, '--since', '2024-01-15', '--until', '2024-01-16');
    expect(rebuild.out).toContain('1 day(s) rolled up: 2024-01-15');

    const p = await run('db', 'prune', '--db', dir, '--older-than', '2024-01-16T12:00:00Z');
    expect(p.code).toBe(0);
    expect(p.out).toContain('dropped the raw rows of 2 rolled-up day(s): 2024-01-14, 2024-01-15');
    expect(await state()).toEqual({ raw: [day('2024-01-16')], rolled: [day('2024-01-14'), day('2024-01-15'), day('2024-01-16')] });
  }, 120_000);
});
