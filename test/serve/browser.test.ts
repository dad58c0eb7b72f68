/**
 * The web view in headless Chromium (playwright-core driving the system Chromium; never a browser
 * download): each page loads with no CSP violation or script error, shows what the database holds,
 * the filters narrow the list, a pasted enode URL opens its node page, and the live region refreshes
 * without a reload. One screenshot per page goes to test-artifacts/serve/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { chromiumPath, describeBrowser } from '../browser/chromium.js';
import { ReportContext } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { toJsonObject } from '../../src/report/render/json.js';
import { startWebServer, type WebServer } from '../../src/serve/server.js';
import { closeSharedPglite, pgliteEngine, warmUp, type TestDb } from '../store/helpers.js';
import { datasetGeo, NODES, UNTIL } from '../report/dataset.js';
import { EVIL_NODE, enodeOf, fillDatabase } from './fixture.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'serve');

// A browser page per filter set: on a shared 2-core machine one test can take over the default 30 s.
vi.setConfig({ testTimeout: 120_000 });

describeBrowser('the web view in headless Chromium', () => {
  let t: TestDb;
  let web: WebServer;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await warmUp();
    t = await pgliteEngine.fresh();
    await fillDatabase(t.db);
    // A 1-second refresh so the test sees the live region update.
    // Behaviour, not pacing: no CPU budget (its meter would be this test process; cpu-budget.test.ts drives it by hand).
    web = await startWebServer({ db: t.db, host: '127.0.0.1', port: 0, queryTimeoutMs: 20_000, cpuShare: null, refreshSeconds: 1, historyMs: 2 * 86_400_000, now: () => UNTIL, geo: datasetGeo(), log: (l) => problems.push(l) });
    browser = await chromium.launch({
      executablePath: chromiumPath ?? undefined,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await t?.dispose();
    await closeSharedPglite();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${path}: console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${path}: page error ${e.message}`));
    const res = await page.goto(`${web.url}${path}`);
    expect(res?.status()).toBeLessThan(500);
    return page;
  }

  it('overview: stage counts and the report charts; refreshes in place', async () => {
    const expected = toJsonObject(await buildReport('snapshot', new ReportContext(t.db, { since: UNTIL - 86_400_000, until: UNTIL, generatedAt: UNTIL, geo: datasetGeo() }))) as { nodes: Record<string, number> };
    const page = await open('/');
    for (const stage of ['discovered', 'hello', 'status', 'mainnet']) {
      expect(await page.locator(`.card[data-stage="${stage}"] b`).textContent(), stage).toBe(String(expected.nodes[stage]));
    }
    expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('svg.chart .mark').count()).toBeGreaterThan(10);
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'overview-top.png') });
    // One section up close, by its box (the 1-second refresh may replace the element meanwhile).
    const box = await page.locator('section').nth(6).boundingBox();
    if (box) await page.screenshot({ path: join(ARTIFACTS, 'overview-section.png'), clip: box, fullPage: true });
    // the script swaps the live region without navigating
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    await page.waitForSelector('#live[data-updated]', { timeout: 20_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(42);
    expect(await page.locator('#live-status').textContent()).toMatch(/^Updated /);
    expect(await page.locator('.card[data-stage="discovered"] b').textContent()).toBe(String(expected.nodes['discovered']));
    await page.close();
  });

  it('node list: every node, then the filters narrow it', async () => {
    const page = await open('/nodes');
    const all = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes WHERE id NOT IN (SELECT id FROM instances)');
    expect(await page.locator('#live tbody tr').count()).toBe(all[0]!.n);
    await page.screenshot({ path: join(ARTIFACTS, 'nodes.png'), fullPage: true });
    await page.fill('input[name="client"]', 'Geth');
    await page.fill('input[name="version"]', 'v1.14');
    await page.selectOption('select[name="network"]', 'mainnet');
    await Promise.all([page.waitForURL(/client=Geth/), page.click('form.filters button')]);
    const shown = (await page.locator('#live td[data-key="node"] a').evaluateAll((as) => as.map((a) => new URL((a as unknown as { href: string }).href).searchParams.get('q'))))
      .sort();
    expect(shown).toEqual(['n0', 'n1', 'n2', 's0'].map((n) => NODES[n]!.id).sort());
    expect(await page.locator('select[name="network"]').inputValue()).toBe('mainnet');
    await page.selectOption('select[name="fork_verdict"]', 'remote_stale');
    await page.fill('input[name="client"]', '');
    await page.fill('input[name="version"]', '');
    await Promise.all([page.waitForURL(/fork_verdict=remote_stale/), page.click('form.filters button')]);
    expect(await page.locator('#live td[data-key="client"]').allTextContents()).toEqual(['erigon']);
    await page.screenshot({ path: join(ARTIFACTS, 'nodes-filtered.png'), fullPage: true });
    // a bad filter value is a message on the page, not a crash
    await page.fill('input[name="country"]', 'Atlantis');
    await Promise.all([page.waitForURL(/country=Atlantis/), page.click('form.filters button')]);
    expect(await page.locator('#error').textContent()).toMatch(/invalid country "Atlantis"/);
    await page.close();
  });

  it('node list: country, AS, seen since and direction in the page agree with the database', async () => {
    const page = await open('/nodes');
    const geo = datasetGeo();
    const horizon = new Date(UNTIL - 2 * 86_400_000);
    // Each node's facts straight from the tables: latest IP, connections since the horizon, last seen.
    const facts = await t.db.query<{ id: string; ip: string | null; inbound: boolean; dialed: boolean; last_seen: Date }>(
      `SELECT encode(n.id, 'hex') AS id, host((SELECT a.ip FROM addresses a WHERE a.node_id = n.id ORDER BY a.last_seen DESC LIMIT 1)) AS ip,
              EXISTS (SELECT 1 FROM dials d WHERE d.node_id = n.id AND d.kind = 'inbound' AND d.started_at >= $1) AS inbound,
              EXISTS (SELECT 1 FROM dials d WHERE d.node_id = n.id AND d.kind <> 'inbound' AND d.started_at >= $1) AS dialed, n.last_seen
       FROM nodes n WHERE n.id NOT IN (SELECT id FROM instances)`,
      [horizon],
    );
    const place = (ip: string | null) => (ip === null ? null : geo.lookup(ip));
    const shownIds = async () =>
      (await page.locator('#live td[data-key="node"] a').evaluateAll((as) => as.map((a) => new URL((a as unknown as { href: string }).href).searchParams.get('q')))).sort();
    const fields = { country: 'input', asn: 'input', seen_since: 'input', direction: 'select' } as const;
    const apply = async (values: Partial<Record<keyof typeof fields, string>>) => {
      for (const [name, kind] of Object.entries(fields)) {
        const v = values[name as keyof typeof fields] ?? '';
        if (kind === 'input') await page.fill(`input[name="${name}"]`, v);
        else await page.selectOption(`select[name="${name}"]`, v);
      }
      await Promise.all([page.waitForURL((u) => u.pathname === '/nodes' && Object.entries(values).every(([k, v]) => u.searchParams.get(k) === v)), page.click('form.filters button')]);
      return shownIds();
    };
    const cases: [Partial<Record<keyof typeof fields, string>>, (f: (typeof facts)[number]) => boolean][] = [
      [{ country: 'DE' }, (f) => place(f.ip)?.country === 'DE'],
      [{ asn: 'AS24940' }, (f) => place(f.ip)?.asn === 24940],
      [{ seen_since: '6h' }, (f) => f.last_seen.getTime() >= UNTIL - 6 * 3_600_000],
      [{ direction: 'inbound' }, (f) => f.inbound],
      [{ direction: 'dialed', country: 'US' }, (f) => f.dialed && place(f.ip)?.country === 'US'],
    ];
    for (const [values, keep] of cases) {
      const want = facts.filter(keep).map((f) => f.id).sort();
      expect(want.length, JSON.stringify(values)).toBeGreaterThan(0);
      expect(want.length, JSON.stringify(values)).toBeLessThan(facts.length);
      expect(await apply(values), JSON.stringify(values)).toEqual(want);
      // The form keeps what was asked.
      for (const [k, v] of Object.entries(values)) expect(await page.locator(`[name="${k}"]`).inputValue()).toBe(v);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'nodes-direction-country.png'), fullPage: true });
    await page.close();
  });

  it('node page: a pasted enode URL opens the node with its connection history', async () => {
    const page = await open('/');
    await page.fill('form.search input[name="q"]', enodeOf('n3'));
    await Promise.all([page.waitForURL(/\/node\?q=/), page.press('form.search input[name="q"]', 'Enter')]);
    expect(await page.locator('#node-id').textContent()).toBe(NODES['n3']!.id);
    expect(await page.locator('#verdict').textContent()).toMatch(/^Seen: yes\./);
    const rows = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dials WHERE node_id = $1`, [Buffer.from(NODES['n3']!.id, 'hex')]);
    const clients = await page.locator('td[data-key="client_id"]').allTextContents();
    expect(clients).toHaveLength(rows[0]!.n);
    expect(new Set(clients)).toEqual(new Set(['Nethermind/v1.29.1+abc/linux-x64/dotnet8.0.10']));
    expect((await page.locator('td[data-key="rtt_ms"]').allTextContents()).sort()).toEqual(['20', '30']);
    await page.screenshot({ path: join(ARTIFACTS, 'node.png'), fullPage: true });
    await page.close();
    // the hostile client ID shows as text; no script of the peer ran
    const evil = await open(`/node?q=${EVIL_NODE}`);
    expect(await evil.locator('td[data-key="client_id"]').first().textContent()).toContain('<script>alert("x")</script>');
    expect(await evil.locator('#live script, #live img').count()).toBe(0);
    await evil.close();
    const missing = await open(`/node?q=${'ab'.repeat(32)}`);
    expect(await missing.locator('#verdict').textContent()).toMatch(/^Not seen/);
    await missing.close();
  });

  it('no CSP violation, script error or server error on any page', () => {
    // 4xx answers to the deliberately bad filter and the unknown node are the only failed loads
    const expected = /Failed to load resource: the server responded with a status of 40[04]/;
    expect(problems.filter((p) => !expected.test(p))).toEqual([]);
    expect(problems.filter((p) => expected.test(p))).toHaveLength(2);
  });
});
