/**
 * The web view under a crowd, deterministically: a database whose transactions wait for the test
 * (held) stands for a slow read. Identical requests in flight share one read and are then answered
 * from the kept answer until it is a refresh interval old (manual clock); past --max-queue a request
 * is refused at once with 503 busy and Retry-After instead of waiting.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerCache } from '../../src/serve/answer-cache.js';
import { startWebServer, type WebServer } from '../../src/serve/server.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, type TestDb } from '../store/helpers.js';
import { datasetGeo, NODES, UNTIL } from '../report/dataset.js';
import { fillDatabase } from './fixture.js';

afterAll(closeSharedPglite);

describe('AnswerCache', () => {
  it('shares one computation among identical requests in flight, keeps the answer for ttl, never keeps a failure', async () => {
    let clock = 0;
    const cache = new AnswerCache<number>({ ttlMs: 1000, maxEntries: 2, now: () => clock });
    let computed = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = async () => {
      computed++;
      await held;
      return computed;
    };
    const together = [cache.get('a', slow), cache.get('a', slow), cache.get('a', slow)];
    release();
    expect(await Promise.all(together)).toEqual([1, 1, 1]);
    expect(computed).toBe(1);
    clock = 999;
    expect(await cache.get('a', slow)).toBe(1);
    clock = 1000;
    expect(await cache.get('a', slow)).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, joined: 2, computed: 2 });
    await expect(cache.get('b', () => Promise.reject(new Error('read failed')))).rejects.toThrow('read failed');
    expect(await cache.get('b', async () => 7)).toBe(7);
    // Bounded: the oldest answer goes first.
    await cache.get('c', async () => 8);
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 99)).toBe(99);
  });
});

function get(base: string, path: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `db` whose transactions start only once the test opens the gate (`hold()` closes it again). */
function heldDatabase(db: Database): { db: Database; hold(): void; open(): void; started(): number } {
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => {};
  let started = 0;
  const wrapped: Database = {
    engine: db.engine,
    description: db.description,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>) => {
      started++;
      await gate;
      return db.transaction(fn);
    },
  } as Database;
  return {
    db: wrapped,
    hold: () => (gate = new Promise<void>((r) => (release = r))),
    open: () => release(),
    started: () => started,
  };
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`serve under a crowd on ${engineTitle(engine)}`, () => {
    let t: TestDb;
    let web: WebServer;
    let held: ReturnType<typeof heldDatabase>;
    let clock = 0;

    beforeAll(async () => {
      await warmUp();
      t = await engine.fresh();
      await fillDatabase(t.db);
      held = heldDatabase(t.db);
      web = await startWebServer({ db: held.db, host: '127.0.0.1', port: 0, queryTimeoutMs: 20_000, refreshSeconds: 30, historyMs: 2 * 86_400_000, maxQueries: 1, maxQueue: 1, cpuShare: null, now: () => UNTIL, monotonic: () => clock, geo: datasetGeo(), log: () => {} });
    }, 120_000);
    afterAll(async () => {
      await web?.close();
      await t?.dispose();
    });

    it('identical requests in flight share one read; the answer is kept for the refresh interval', async () => {
      const path = '/api/nodes?client=geth&limit=10';
      held.hold();
      const before = web.answerStats();
      const crowd = Array.from({ length: 8 }, () => get(web.url, path));
      // The same question spelled differently (order, blank parameter) is the same answer.
      crowd.push(get(web.url, '/api/nodes?limit=10&version=&client=geth'));
      // Open the database once all nine have reached the server (each computes or joins).
      const arrived = () => web.answerStats().computed + web.answerStats().joined - before.computed - before.joined;
      for (let i = 0; i < 400 && arrived() < crowd.length; i++) await new Promise((r) => setTimeout(r, 25));
      held.open();
      const answers = await Promise.all(crowd);
      for (const a of answers) expect(a.status, a.body).toBe(200);
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      let stats = web.answerStats();
      expect(stats.computed - before.computed).toBe(1);
      expect(stats.joined - before.joined).toBe(8);
      // Within the interval: from the kept answer (no read even while the database is held).
      held.hold();
      const startedBefore = held.started();
      clock += 29_000;
      expect((await get(web.url, path)).body).toBe(answers[0]!.body);
      expect(held.started()).toBe(startedBefore);
      // A refresh interval later: read again.
      clock += 1_000;
      const again = get(web.url, path);
      for (let i = 0; i < 400 && web.answerStats().computed - before.computed < 2; i++) await new Promise((r) => setTimeout(r, 25));
      held.open();
      expect((await again).status).toBe(200);
      stats = web.answerStats();
      expect(stats.computed - before.computed).toBe(2);
      expect(stats.hits - before.hits).toBe(1);
    });

    /** Send requests; resolve with the answers that arrive while the database is held (expected: `n`). */
    async function whileHeld(paths: string[], n: number) {
      held.hold();
      const early: Awaited<ReturnType<typeof get>>[] = [];
      const all = paths.map((p) => get(web.url, p).then((a) => (early.push(a), a)));
      for (let i = 0; i < 200 && early.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      const refused = [...early];
      held.open();
      return { refused, all: await Promise.all(all) };
    }

    it('past --max-queries and --max-queue: 503 busy with Retry-After at once, the others answered', async () => {
      // One reads (held), one waits; the other two are refused without waiting for the database.
      const api = await whileHeld(['n0', 'n1', 'n2', 'n3'].map((n) => `/api/node/${NODES[n]!.id}`), 2);
      expect(api.refused).toHaveLength(2);
      for (const a of api.refused) {
        expect(a.status).toBe(503);
        expect(a.retryAfter).toBe('1');
        expect(JSON.parse(a.body)).toMatchObject({ error: { code: 'busy' } });
      }
      expect(api.all.filter((a) => a.status === 200)).toHaveLength(2);
      // HTML pages answer the same way.
      const html = await whileHeld(['n4', 'n5', 'n6'].map((n) => `/node/${NODES[n]!.id}`), 1);
      expect(html.refused.map((a) => [a.status, a.retryAfter])).toEqual([[503, '1']]);
      expect(html.all.filter((a) => a.status === 200)).toHaveLength(2);
    });

    it('--cpu-share: past the budget requests wait (never refused within --max-queue), the probe does not; credit back, they are answered', async () => {
      // The budget on a manual clock and CPU meter: the server spends only what the test says.
      let meter = 0;
      let now = 0;
      const paced = await startWebServer({ db: t.db, host: '127.0.0.1', port: 0, queryTimeoutMs: 20_000, refreshSeconds: 30, historyMs: 2 * 86_400_000, maxQueue: 1, cpuShare: 64, cpuMs: () => meter, monotonic: () => now, now: () => UNTIL, geo: datasetGeo(), log: () => {} });
      try {
        expect((await get(paced.url, `/api/node/${NODES['n0']!.id}`)).status).toBe(200);
        meter += 10_000; // 10 s of CPU: at 64 cores' credit a second, in debt until the clock moves
        let answered = 0;
        const early: Awaited<ReturnType<typeof get>>[] = [];
        const two = ['n1', 'n2'].map((n) => get(paced.url, `/api/node/${NODES[n]!.id}`).then((a) => (answered++, early.push(a), a)));
        for (let i = 0; i < 100 && answered < 1; i++) await new Promise((r) => setTimeout(r, 20));
        // One waits, the other is past --max-queue 1: refused at once.
        expect(early.map((a) => [a.status, a.retryAfter, (JSON.parse(a.body) as { error: { code: string } }).error.code])).toEqual([[503, '1', 'busy']]);
        expect((await get(paced.url, '/healthz')).status).toBe(200);
        await new Promise((r) => setTimeout(r, 500));
        expect(answered).toBe(1); // still waiting: no credit while the clock stands still
        now += 1_000;
        const all = await Promise.all(two);
        expect(all.map((a) => a.status).sort()).toEqual([200, 503]);
        expect(paced.budgetStats()).toMatchObject({ refused: 1 });
        expect(paced.budgetStats().waited).toBeGreaterThanOrEqual(1);
        expect(paced.budgetStats().processMs).toBeGreaterThanOrEqual(10_000);
      } finally {
        await paced.close();
      }
    }, 90_000);
  });
}
