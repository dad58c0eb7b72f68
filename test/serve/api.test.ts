/**
 * The web view's JSON API on both engines, against the reports' hand-built crawl: what it answers
 * agrees with the database, keyset paging walks every node once, and hostile requests (injection
 * attempts, huge pages, bad IDs, other methods, bodies, long URLs) get one-line JSON errors and
 * nothing else. The read-only transaction refuses writes.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyDb } from '../../src/serve/read-only.js';
import { listNodes } from '../../src/serve/node-list.js';
import { parseNodeListQuery } from '../../src/serve/params.js';
import { startWebServer, type WebServer } from '../../src/serve/server.js';
import { HttpError } from '../../src/serve/errors.js';
import { closeSharedPglite, ENGINES, engineTitle, warmUp, type TestDb } from '../store/helpers.js';
import { datasetGeo, I1, NODES, SINCE, UNTIL } from '../report/dataset.js';
import { ReportContext } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { toJsonObject } from '../../src/report/render/index.js';
import { ENR_NODE, ENR_V2, EVIL_CLIENT_ID, EVIL_NODE, enodeOf, fillDatabase } from './fixture.js';

afterAll(closeSharedPglite);

const geo = datasetGeo();

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(base: string, path: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // agent: false — a fresh connection each time (a kept-alive one may be closed by the server's keepAliveTimeout as it is reused).
    const req = request(`${base}${path}`, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A one-line JSON error with this code; nothing that looks like a stack trace or SQL. */
function expectJsonError(a: Answer, status: number, code: string): void {
  expect(a.status, a.body).toBe(status);
  expect(a.headers['content-type']).toMatch(/^application\/json/);
  expect(a.body.endsWith('\n')).toBe(true);
  expect(a.body.trimEnd().includes('\n')).toBe(false);
  const j = JSON.parse(a.body) as { error: { code: string; message: string } };
  expect(Object.keys(j)).toEqual(['error']);
  expect(j.error.code).toBe(code);
  expect(j.error.message).not.toMatch(/\n|    at |SELECT|FROM |\.ts:\d/);
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`serve API on ${engineTitle(engine)}`, () => {
    let t: TestDb;
    let web: WebServer;
    let base: string;
    let allIds: string[];
    const api = async (path: string) => {
      const a = await raw(base, path);
      return { ...a, json: a.headers['content-type']?.toString().startsWith('application/json') ? (JSON.parse(a.body) as any) : null };
    };

    beforeAll(async () => {
      await warmUp();
      t = await engine.fresh();
      await fillDatabase(t.db);
      // Behaviour, not pacing: no CPU budget (its meter would be this test process; cpu-budget.test.ts drives it by hand).
      web = await startWebServer({ db: t.db, host: '127.0.0.1', port: 0, queryTimeoutMs: 20_000, cpuShare: null, refreshSeconds: 30, historyMs: 2 * 86_400_000, now: () => UNTIL, geo, log: () => {} });
      base = web.url;
      allIds = (await t.db.query<{ id: string }>(`SELECT encode(id, 'hex') AS id FROM nodes WHERE id NOT IN (SELECT id FROM instances) ORDER BY id`)).map((r) => r.id);
    }, 120_000);
    afterAll(async () => {
      await web?.close();
      await t?.dispose();
    });

    it('lists every node once, in node-ID order, across keyset pages', async () => {
      expect(allIds.length).toBe(36); // 34 dataset nodes + the ENR node + the hostile one
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 20; i++) {
        const { status, json } = await api(`/api/nodes?limit=7${after ? `&after=${after}` : ''}`);
        expect(status).toBe(200);
        expect(json.nodes.length).toBeLessThanOrEqual(7);
        seen.push(...json.nodes.map((n: { id: string }) => n.id));
        after = json.next;
        if (!after) break;
      }
      expect(seen).toEqual(allIds);
    });

    it('shows the latest facts per node with the report field names', async () => {
      const { json } = await api(`/api/nodes?limit=200`);
      const n0 = json.nodes.find((n: { id: string }) => n.id === NODES['n0']!.id);
      expect(n0).toMatchObject({ ip: NODES['n0']!.ip, tcp_port: 30303, client: 'Geth', version: 'v1.14.11-stable-aaa', network_id: '1', fork_id: { hash: '0xc376cf8b', next: '0' }, fork_verdict: 'compatible', best_block: '1000', rtt_ms: 40, country: 'US', asn: 15169, dialed: true, inbound: false, last_outcome: 'status' });
      expect(n0.client_id).toBe('Geth/v1.14.11-stable-aaa/linux-amd64/go1.23.2');
      expect(n0.sources).toEqual(['neighbors']);
      const n10 = json.nodes.find((n: { id: string }) => n.id === NODES['n10']!.id);
      expect(n10).toMatchObject({ client: 'Reth', inbound: true, dialed: false, sources: ['inbound'] });
      // The same names and shapes as `report nodes --format json` for what both carry.
      const report = toJsonObject(await buildReport('nodes', new ReportContext(t.db, { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo }))) as { nodes: Record<string, unknown>[] };
      const shared = ['id', 'ip', 'tcp_port', 'udp_port', 'client_id', 'client', 'version', 'os', 'network_id', 'fork_id', 'fork_verdict', 'best_block', 'first_seen'];
      for (const name of ['n0', 'n4', 'n5', 'n10']) {
        const api = json.nodes.find((n: { id: string }) => n.id === NODES[name]!.id);
        const row = report.nodes.find((n) => n['id'] === NODES[name]!.id)!;
        expect(Object.fromEntries(shared.map((k) => [k, api[k]])), name).toEqual(Object.fromEntries(shared.map((k) => [k, row[k]])));
      }
    });

    const ids = async (query: string) => ((await api(`/api/nodes?limit=200&${query}`)).json.nodes as { id: string }[]).map((n) => n.id).sort();
    const named = (...names: string[]) => names.map((n) => NODES[n]!.id).sort();

    it('filters by client, version, network, fork verdict, direction, country, AS and last seen', async () => {
      expect(await ids('client=geth')).toEqual(named('n0', 'n1', 'n2', 'n5', 'n6', 'n12', 's0'));
      expect(await ids('client=Geth&version=v1.14')).toEqual(named('n0', 'n1', 'n2', 'n5', 's0'));
      expect(await ids('network=sepolia')).toEqual(named('n5'));
      expect(await ids('network=11155111')).toEqual(named('n5'));
      expect(await ids('fork_verdict=remote_stale')).toEqual(named('n4'));
      expect(await ids('direction=inbound')).toEqual(named('n10'));
      expect((await ids('direction=dialed')).length).toBe(13); // n0-n9, n12, s0, the hostile node
      expect(await ids('country=de&client=nethermind')).toEqual(named('n3'));
      expect(await ids('asn=AS24940')).toEqual([...named('n2', 'n3', 'n4'), ENR_NODE].sort());
      const since = new Date(UNTIL).toISOString();
      expect(await ids(`seen_since=${since}`)).toEqual(named('n13'));
      const expected = (await t.db.query<{ id: string }>(`SELECT encode(id, 'hex') AS id FROM nodes WHERE last_seen >= $1 AND id NOT IN (SELECT id FROM instances) ORDER BY id`, [new Date(UNTIL - 3_600_000)])).map((r) => r.id);
      expect(await ids('seen_since=1h')).toEqual(expected);
    });

    it('filtered pages: a short scan gives short pages with a cursor, and the walk finds every match once', async () => {
      const ro = new ReadOnlyDb(t.db, { queryTimeoutMs: 20_000 });
      const walk = async (query: string, scanLimit: number, limit: number) => {
        const found: string[] = [];
        let after: string | null = null;
        for (let i = 0; i < 100; i++) {
          const q = parseNodeListQuery(new URLSearchParams(`${query}&limit=${limit}${after ? `&after=${after}` : ''}`), UNTIL);
          const page = await ro.read((tx) => listNodes(tx, q, () => geo, UNTIL - 2 * 86_400_000, scanLimit));
          expect(page.nodes.length).toBeLessThanOrEqual(limit);
          if (page.scanned !== null) expect(page.scanned).toBeLessThanOrEqual(scanLimit);
          found.push(...page.nodes.map((n) => n.id));
          after = page.next;
          if (!after) return found;
        }
        throw new Error('no end');
      };
      const sybils = Array.from({ length: 10 }, (_, i) => NODES[`s${i}`]!.id).sort();
      expect(await walk('country=NL', 5, 3)).toEqual(sybils);
      expect(await walk('country=NL', 1000, 3)).toEqual(sybils);
      expect(await walk('asn=64500&client=geth', 4, 50)).toEqual([NODES['s0']!.id]);
      expect(await walk('client=geth', 5, 2)).toEqual(named('n0', 'n1', 'n2', 'n5', 'n6', 'n12', 's0'));
    });

    it('a node by ID, enode URL or ENR: sightings, dials with HELLO/STATUS/RTT/DISCONNECT, ENR history', async () => {
      const byEnode = await api(`/api/node?q=${encodeURIComponent(enodeOf('n0'))}`);
      expect(byEnode.status).toBe(200);
      expect(byEnode.json.input).toBe('enode');
      const n = byEnode.json.node;
      expect(n.id).toBe(NODES['n0']!.id);
      expect(n.sightings.map((s: { instance: string }) => s.instance).sort()).toEqual(['11', '22', '33'].map((b) => b.repeat(32)));
      expect(n.sightings.map((s: { sources: string }) => s.sources)).toEqual(['neighbors', 'neighbors', 'neighbors']);
      // the dataset has no discovery answers and n0 no record: nothing claimed
      expect(n.discovery).toEqual([]);
      expect(n.layer).toBeNull();
      expect(n.dials).toHaveLength(1);
      expect(n.dials[0]).toMatchObject({ kind: 'dynamic', outcome: 'status', client: 'Geth', network_id: '1', best_block: '1000', fork_verdict: 'compatible', rtt_ms: 40, disconnects: 'sent client_quitting' });
      expect(n.dials[0].caps).toEqual(['eth/68', 'snap/1']);
      const byId = await api(`/api/node/${NODES['n8']!.id}`);
      expect(byId.json.node.dials.map((d: { disconnects: string }) => d.disconnects)).toEqual(['received too_many_peers', 'received too_many_peers']);
      const byEnr = await api(`/api/node/${ENR_V2.toText()}`);
      expect(byEnr.json.input).toBe('enr');
      expect(byEnr.json.node.enrs.map((e: { seq: string; ip: string }) => [e.seq, e.ip])).toEqual([['2', '5.9.1.77'], ['1', '5.9.1.76']]);
      expect(byEnr.json.node.enrs[0]).toMatchObject({ fork_id: '0x9f3d2254/0', udp_port: 30301, enr: ENR_V2.toText(), error: null });
      expect(byEnr.json.node.enrs[0]).toMatchObject({ layer: 'execution', eth2: null });
      expect(byEnr.json.node.layer).toBe('execution');
    });

    it('the overview carries the reports as `report --format json` does', async () => {
      const { status, json } = await api('/api/overview');
      expect(status).toBe(200);
      expect(json.reports.map((r: { report: string }) => r.report)).toEqual(expect.arrayContaining(['snapshot', 'longitudinal']));
      const snapshot = json.reports[0];
      expect(snapshot.nodes).toMatchObject({ discovered: 23, hello: 10, status: 7, mainnet: 5 });
      expect(snapshot.generated_at).toBe(new Date(UNTIL).toISOString().replace('.000Z', 'Z'));
    });

    it('healthz is Prometheus text', async () => {
      const a = await raw(base, '/healthz');
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(a.body).toMatch(/^nodefinder_serve_database_up 1$/m);
      expect(a.body).toMatch(/^nodefinder_serve_last_write_age_seconds \d+(\.\d)?$/m);
    });

    it('hostile parameters: one-line JSON errors, nothing else', async () => {
      const cases: [string, number, string][] = [
        ["/api/nodes?client=x'%20OR%201=1--", 400, 'bad_parameter'],
        ['/api/nodes?client=Geth%3BDROP%20TABLE%20nodes', 400, 'bad_parameter'],
        ['/api/nodes?version=%25', 400, 'bad_parameter'],
        ['/api/nodes?limit=100000', 400, 'bad_parameter'],
        ['/api/nodes?limit=0', 400, 'bad_parameter'],
        ['/api/nodes?limit=-5', 400, 'bad_parameter'],
        ['/api/nodes?limit=1e3', 400, 'bad_parameter'],
        ['/api/nodes?after=zz', 400, 'bad_parameter'],
        ["/api/nodes?after=00'--", 400, 'bad_parameter'],
        ['/api/nodes?network=99999999999999999999999', 400, 'bad_parameter'],
        ['/api/nodes?network=mainnet&network=sepolia', 400, 'bad_parameter'],
        ['/api/nodes?fork_verdict=compatible%27', 400, 'bad_parameter'],
        ['/api/nodes?seen_since=yesterday', 400, 'bad_parameter'],
        ['/api/nodes?seen_since=99999999d', 400, 'bad_parameter'],
        ['/api/nodes?country=%00%00', 400, 'bad_parameter'],
        ['/api/nodes?asn=4294967296', 400, 'bad_parameter'],
        ['/api/nodes?orderby=id', 400, 'bad_parameter'],
        ['/api/overview?x=1', 400, 'bad_parameter'],
        ['/api/node/12345', 400, 'bad_node'],
        ['/api/node/enode://zz@1.2.3.4:30303', 400, 'bad_node'],
        ['/api/node/enr:-AAAA', 400, 'bad_node'],
        ['/api/node/%E0%A4%A', 400, 'bad_node'],
        [`/api/node?q=${'a'.repeat(700)}`, 400, 'bad_node'],
        [`/api/node/${'ab'.repeat(32)}`, 404, 'not_found'],
        ['/api/nothing', 404, 'not_found'],
        ['/api/../../etc/passwd', 404, 'not_found'],
        [`/api/nodes?client=${'a'.repeat(5000)}`, 414, 'uri_too_long'],
      ];
      for (const [path, status, code] of cases) {
        const a = await raw(base, path);
        if (path.startsWith('/api/../')) {
          // the URL normalises to /etc/passwd: an HTML 404, not a file
          expect(a.status).toBe(404);
          expect(a.body).not.toContain('root:');
          continue;
        }
        expectJsonError(a, status, code);
      }
      expectJsonError(await raw(base, '/api/nodes', { method: 'POST' }), 405, 'method_not_allowed');
      expectJsonError(await raw(base, '/api/nodes', { method: 'DELETE' }), 405, 'method_not_allowed');
      expectJsonError(await raw(base, '/api/nodes', { method: 'PUT', body: 'x'.repeat(1000), headers: { 'content-type': 'text/plain' } }), 405, 'method_not_allowed');
      expectJsonError(await raw(base, '/api/nodes', { method: 'GET', body: 'x'.repeat(1000), headers: { 'content-length': '1000' } }), 413, 'payload_too_large');
      // DNS rebinding: a page on evil.example whose name now points at 127.0.0.1
      expectJsonError(await raw(base, '/api/nodes', { headers: { host: `evil.example:${web.port}` } }), 421, 'bad_host');
      expect((await raw(base, '/api/nodes?limit=1', { headers: { host: `localhost:${web.port}` } })).status).toBe(200);
      // the database is intact after the injection attempts
      expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes'))[0]!.n).toBe(36);
    });

    it('HEAD answers headers only; security headers everywhere; hostile text is escaped in HTML', async () => {
      const head = await raw(base, '/api/nodes', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      const page = await raw(base, `/node?q=${EVIL_NODE}`);
      expect(page.status).toBe(200);
      const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(String(page.headers['content-security-policy']))![1]!;
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
      // every script element carries this response's nonce; the peer's text is inert
      const scripts = [...page.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
      expect(scripts).toEqual([` nonce="${nonce}"`]);
      expect(page.body).not.toContain(EVIL_CLIENT_ID);
      expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;/v1.0&lt;img src=x onerror=alert(1)&gt;');
      const api404 = await raw(base, `/api/node/${'cd'.repeat(32)}`);
      expect(api404.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    });

    it('reads only: a write inside the read transaction is refused by the database', async () => {
      const ro = new ReadOnlyDb(t.db, { queryTimeoutMs: 5000 });
      await expect(ro.read((tx) => tx.query(`INSERT INTO instances VALUES ($1, $1, now(), now())`, [Buffer.from(I1, 'hex')]))).rejects.toThrow(/read-only/);
      await expect(ro.read((tx) => tx.query(`DELETE FROM nodes`))).rejects.toThrow(/read-only/);
    });

    it('admission: reads beyond the limit wait their turn, and answer busy after the longest wait', async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const ro = new ReadOnlyDb(t.db, { queryTimeoutMs: 5000, maxConcurrent: 1, maxWaitMs: 300 });
      const first = ro.read(async (tx) => {
        await held;
        return (await tx.query<{ n: number }>('SELECT 1 AS n'))[0]!.n;
      });
      const err = await ro.read((tx) => tx.query('SELECT 2')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).code).toBe('busy');
      const patient = new ReadOnlyDb(t.db, { queryTimeoutMs: 5000, maxConcurrent: 1, maxWaitMs: 60_000 });
      let hold!: () => void;
      const gate = new Promise<void>((r) => (hold = r));
      const order: number[] = [];
      const a = patient.read(async () => {
        await gate;
        order.push(1);
      });
      const b = patient.read(async () => void order.push(2));
      const c = patient.read(async () => void order.push(3));
      hold();
      release();
      await Promise.all([a, b, c, first]);
      expect(order).toEqual([1, 2, 3]);
    });

    // PGlite cannot cancel a running statement: this case exists on Postgres only (not skipped elsewhere).
    if (engine.name === 'postgres') it('a query past the statement timeout is cancelled: HTTP timeout error', async () => {
      const ro = new ReadOnlyDb(t.db, { queryTimeoutMs: 200 });
      const err = await ro.read((tx) => tx.query('SELECT pg_sleep(3)')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).code).toBe('timeout');
    });
  });
}
