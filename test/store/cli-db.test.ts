import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/open.js';
import { engineTitle, postgresEngine, uniqueSchema } from './helpers.js';

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

const names = loadMigrations().map((m) => m.name);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('nodefinder db (embedded)', () => {
  it('status on a missing directory lists everything pending and creates nothing; migrate applies; status agrees', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nf-cli-db-'));
    dirs.push(root);
    const dir = join(root, 'data');
    const s0 = await run('db', 'status', '--db', dir);
    expect(s0.code).toBe(0);
    expect(s0.out).toContain('no database yet');
    expect(s0.out).toContain(`pending ${names[0]}`);
    expect(existsSync(dir)).toBe(false);

    const m = await run('db', 'migrate', '--db', dir);
    expect(m).toMatchObject({ code: 0, err: '' });
    expect(m.out.split('\n').filter((l) => l.startsWith('applied ')).length).toBe(names.length);
    expect((await run('db', 'migrate', '--db', dir)).out).toContain('up to date');

    const s1 = await run('db', 'status', '--db', dir);
    expect(s1.out).toContain(`schema version ${names.length} of ${names.length}`);
    expect(s1.out).not.toContain('pending');

    // a database from a newer NodeFinder: one line on stderr, exit 1
    const db = await openDatabase(dir);
    await db.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, 'future', 'x')`, [names.length + 1]);
    await db.close();
    for (const cmd of ['status', 'migrate']) {
      const r = await run('db', cmd, '--db', dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^nodefinder: database schema is at version \d+ but this NodeFinder knows only up to \d+: upgrade NodeFinder\n$/);
    }
  }, 120_000);

  it('rejects an unsupported --db with exit 2', async () => {
    const r = await run('db', 'status', '--db', 'mysql://localhost/x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^nodefinder: unsupported --db/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

describe.skipIf(postgresEngine.skip !== null)(`nodefinder db on ${engineTitle(postgresEngine)}`, () => {
  it('migrates and reports a server database; an unreachable server is one line, exit 1', async () => {
    const schema = uniqueSchema('cli');
    const admin = await openDatabase(postgresEngine.url!);
    await admin.exec(`CREATE SCHEMA "${schema}"`);
    try {
      const url = new URL(postgresEngine.url!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const m = await run('db', 'migrate', '--db', url.toString());
      expect(m.code).toBe(0);
      expect(m.out).toContain(`applied ${names[0]}`);
      const s = await run('db', 'status', '--db', url.toString());
      expect(s.out).toContain(`schema version ${names.length} of ${names.length}`);

      const dead = await run('db', 'status', '--db', 'postgres://postgres:secret@127.0.0.1:1/none');
      expect(dead.code).toBe(1);
      expect(dead.err.trim().split('\n')).toHaveLength(1);
      expect(dead.err).not.toContain('secret');
    } finally {
      await admin.exec(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.close();
    }
  }, 60_000);
});
