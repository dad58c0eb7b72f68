import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrawlerEvent } from '../../src/events.js';
import { buildStatements } from '../../src/store/batch.js';
import { combineStatements } from '../../src/store/batch-combine.js';
import type { Queryable } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';
import type { Statement } from '../../src/store/statement.js';
import { closeSharedPglite, ENGINES, engineTitle, ensurePartitions, warmUp } from './helpers.js';
import { crawlStream, makeWorld, Rng } from './fixtures.js';

beforeAll(warmUp);
afterAll(closeSharedPglite);

const placeholders = (sql: string) => [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));

/** Batches of a crawl over few nodes (rows touched again and again), the last one replayed. */
function batches(): CrawlerEvent[][] {
  const rng = new Rng(13);
  const events = [...crawlStream(rng, makeWorld(rng, 3, 60), 3000)];
  const out: CrawlerEvent[][] = [];
  for (let i = 0; i < events.length; i += 500) out.push(events.slice(i, i + 500));
  out.push(out[2]!);
  return out;
}

describe('combineStatements', () => {
  const statements = buildStatements(batches()[0]!);

  it('sends the independent tables as one statement and keeps nodes and HELLO statements their own, in order', () => {
    const combined = combineStatements(statements);
    expect(combined.length).toBeLessThan(statements.length);
    expect(combined.map((s) => s.table).join(',')).toBe(
      'nodes,addresses+node_sightings+instance_totals+dials,client_ids,cap_sets,hello_rows,statuses+disconnects+rtts+enrs+redial_leases',
    );
    expect(combined.flatMap((s) => s.table.split('+'))).toEqual(statements.map((s) => s.table));
  });

  it('never puts two statements on one table in one statement (v4 and v5 instance_totals sums)', () => {
    const st = (table: string) => ({ table, sql: `INSERT INTO ${table} VALUES ($1)`, params: [1] });
    const combined = combineStatements([st('discovery_counters'), st('instance_totals'), st('discovery_v5_counters'), st('instance_totals'), st('dials')]);
    expect(combined.map((s) => s.table)).toEqual(['discovery_counters+instance_totals+discovery_v5_counters', 'instance_totals+dials']);
  });

  it('renumbers every parameter after the statements before it', () => {
    for (const st of combineStatements(statements)) {
      const used = new Set(placeholders(st.sql));
      expect([...used].sort((a, b) => a - b)).toEqual(st.params.map((_, i) => i + 1));
    }
    const merged = combineStatements(statements).find((s) => s.table.startsWith('addresses'))!;
    expect(merged.params).toEqual(statements.filter((s) => merged.table.split('+').includes(s.table)).flatMap((s) => s.params));
  });

  it('leaves a lone statement and statements on other tables untouched', () => {
    const one: Statement = { table: 'dials', sql: 'INSERT INTO dials SELECT $1', params: [1] };
    const other: Statement = { table: 'nodes', sql: 'UPDATE nodes SET x = $1', params: [2] };
    expect(combineStatements([one, other, one])).toEqual([one, other, one]);
  });
});

async function apply(db: Queryable, st: readonly Statement[]): Promise<void> {
  for (const s of st) await db.query(s.sql, s.params);
}

async function fingerprint(db: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of ['nodes', 'addresses', 'node_sightings', 'discovery_counters', 'instance_totals', 'dials', 'hellos', 'statuses', 'disconnects', 'rtts', 'enrs', 'redial_leases']) {
    const [r] = await db.query<{ n: number; h: string | null }>(`SELECT count(*)::int AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM ${t} x`);
    out[t] = `${r!.n}:${r!.h}`;
  }
  return out;
}

describe.each(ENGINES)('combined statements write what the statements one by one write ($name)', (engine) => {
  it.skipIf(engine.skip !== null)(`same rows, replay included: ${engineTitle(engine)}`, async () => {
    const prints: Record<string, string>[] = [];
    for (const combine of [false, true]) {
      const t = await engine.fresh();
      try {
        await migrate(t.db);
        for (const b of batches()) {
          await ensurePartitions(t.db, b);
          const st = buildStatements(b);
          await t.db.transaction((tx) => apply(tx, combine ? combineStatements(st) : st));
        }
        prints.push(await fingerprint(t.db));
      } finally {
        await t.dispose();
      }
    }
    expect(prints[1]).toEqual(prints[0]);
    expect(Number(prints[0]!['dials']!.split(':')[0])).toBeGreaterThan(0);
  }, 60_000);
});
