/**
 * `nodefinder simulate` into a real database: the same seed gives the same database contents (on
 * PGlite and on Postgres), the reports run on the result and agree with the simulation, and bad
 * input is a one-line usage error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { simulate, parseSimulateOptions, type SimulateCliOptions } from '../../src/cli/simulate.js';
import { migrate } from '../../src/store/migrations.js';
import type { Queryable } from '../../src/store/database.js';
import { HOUR_MS, SIM_DEFAULTS, steadyJoinRate, type SimOptions } from '../../src/sim/options.js';
import { ENGINES, closeSharedPglite, engineTitle, warmUp } from '../store/helpers.js';

const START = Date.UTC(2026, 0, 1);
const OPTIONS: SimOptions = {
  ...SIM_DEFAULTS,
  nodes: 150,
  hours: 2,
  start: START,
  seed: 3,
  joinRatePerHour: steadyJoinRate(150, SIM_DEFAULTS.sessionMs, SIM_DEFAULTS.downtimeMs, SIM_DEFAULTS.leaveShare),
};

/** Tables holding what the crawl recorded (not bookkeeping such as applied_batches or migrations). */
const TABLES = ['instances', 'instance_runs', 'nodes', 'addresses', 'node_sightings', 'discovery_counters', 'dials', 'hellos', 'statuses', 'disconnects', 'rtts'];

async function dump(db: Queryable): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${t}`);
    out[t] = rows
      .map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)))
      .sort();
  }
  return out;
}

beforeAll(warmUp, 120_000);
afterAll(closeSharedPglite);

describe.each(ENGINES)('simulate into $name', (engine) => {
  it.skipIf(engine.skip !== null)(`same seed, same database contents (${engineTitle(engine)})`, async () => {
    const dumps: Record<string, string[]>[] = [];
    for (const seed of [3, 3, 4]) {
      const t = await engine.fresh();
      try {
        await migrate(t.db);
        await simulate({ ...OPTIONS, seed }, t.db);
        dumps.push(await dump(t.db));
      } finally {
        await t.dispose();
      }
    }
    expect(dumps[0]!['dials']!.length).toBeGreaterThan(100);
    expect(dumps[0]!['statuses']!.length).toBeGreaterThan(20);
    expect(dumps[1]).toEqual(dumps[0]);
    expect(dumps[2]!['nodes']).not.toEqual(dumps[0]!['nodes']);
  }, 300_000);
});

describe('nodefinder simulate (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nf-sim-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const [wo, we] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      return { code: await main(['node', 'nodefinder', ...args]), stdout: out.join(''), stderr: err.join('') };
    } finally {
      process.stdout.write = wo;
      process.stderr.write = we;
    }
  };

  it('writes a database the reports read, and prints the same coverage for the same seed', async () => {
    const db = join(dir, 'db');
    const args = ['simulate', '--nodes', '120', '--hours', '2', '--seed', '5', '--start', '2026-01-01T00:00:00Z', '--full', '0.3'];
    const a = await run(...args, '--db', db, '--format', 'json');
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/simulate: hour 2\/2: online \d+/);
    const sim = JSON.parse(a.stdout) as { rows: { hour: number; discovered: number }[]; totals: { succeeded: number } };
    expect(sim.rows.map((r) => r.hour)).toEqual([1, 2]);

    const b = await run(...args, '--no-db', '--format', 'json', '--no-progress');
    expect(b.code).toBe(0);
    expect(b.stderr).toBe('');
    expect(b.stdout).toBe(a.stdout);

    const out = join(dir, 'snapshot.json');
    const r = await run('report', 'snapshot', '--db', db, '--at', new Date(START + 2 * HOUR_MS).toISOString(), '--format', 'json', '--out', out);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { nodes: { discovered: number; hello: number }; disconnects: { reason: string }[]; clients: { client: string }[] };
    expect(j.nodes.discovered).toBeGreaterThan(50);
    expect(j.nodes.hello).toBeGreaterThan(10);
    expect(j.disconnects.map((d) => d.reason)).toContain('too_many_peers');
    expect(j.clients.length).toBeGreaterThan(1);
    const nodes = await run('report', 'nodes', '--db', db, '--at', new Date(START + 2 * HOUR_MS).toISOString(), '--format', 'csv');
    expect(nodes.code).toBe(0);
    expect(nodes.stdout.split('\n').length).toBeGreaterThan(j.nodes.hello);

    const table = await run(...args, '--no-db', '--no-progress');
    expect(table.stdout).toMatch(/^hour\s+online\s+reachable\s+discovered\s+dialed_ok_1h\s+coverage_%/);
  }, 300_000);

  it('refuses bad input with one line and exit code 2', async () => {
    for (const bad of [
      ['--nodes', '0'],
      ['--hours', 'x'],
      ['--redial-interval', 'soon'],
      ['--leave-share', '1.5'],
      ['--start', 'yesterday'],
      ['--join-rate', '-1'],
      ['--discovery', 'magic'],
    ]) {
      const r = await run('simulate', '--no-db', ...bad);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/--|argument/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('defaults the start to --hours before now, on the hour', () => {
    const raw = { ...cliDefaults(), hours: '24' };
    const now = Date.UTC(2026, 5, 1, 12, 34, 56);
    expect(parseSimulateOptions(raw, now).start).toBe(Date.UTC(2026, 4, 31, 12));
  });
});

function cliDefaults(): SimulateCliOptions {
  return {
    nodes: '100',
    hours: '1',
    seed: '1',
    instances: '1',
    redialInterval: '30m',
    expireAfter: '24h',
    maxDials: '16',
    maxSockets: '1024',
    discovery: 'both',
    lookupInterval: '30s',
    session: '8h',
    downtime: '4h',
    leaveShare: '0.2',
    unreachable: '0.3',
    full: '0.15',
    otherNetwork: '0.1',
    bootnodes: '5',
    db: false,
    format: 'table',
    progress: false,
  };
}
