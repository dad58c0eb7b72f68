/**
 * `nodefinder serve`: node:http, no framework. GET and HEAD only; each request is parsed and
 * validated before any query (params.ts), reads in a READ ONLY transaction with a statement timeout
 * (read-only.ts), and answers HTML (escaped; CSP with a per-response nonce), JSON, or — for any
 * failure — one line: `{"error":{"code":…,"message":…}}` on /api/, a short page elsewhere. Internal
 * errors are logged here and never detailed to the client.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { packagedGeo, type GeoLookup } from '../geo/index.js';
import type { Database } from '../store/database.js';
import { HttpError } from './errors.js';
import { health } from './health.js';
import { renderPage } from './html-page.js';
import { loadNode, parseNodeQuery, MAX_SEARCH_LENGTH } from './node-detail.js';
import { AnswerCache, type AnswerCacheStats } from './answer-cache.js';
import { CpuBudget, processCpuMs, wakeWithTimers, type CpuBudgetStats } from './cpu-budget.js';
import { listNodes, type NodeListPage } from './node-list.js';
import type { NodeDetail } from './node-detail.js';
import { OverviewCache } from './overview.js';
import { errorBody, nodeBody, nodeFilterForm, nodeListBody, overviewBody } from './pages.js';
import { NODE_LIST_PARAMS, parseNodeListQuery, singleParams, type NodeListQuery } from './params.js';
import { ReadOnlyDb, toHttpError } from './read-only.js';

/**
 * Defaults of `serve` (src/cli/serve.ts shows them in --help): a fifth of one core (on Postgres;
 * 0.25 let the crawl's ingest drop 12 %, 0.2 kept it within 3–8 %),
 * one database read at a time, and a queue that holds 200 concurrent clients — bench/serve.bench.ts.
 */
export const DEFAULTS = { cpuShare: 0.2, maxQueries: 1, maxQueue: 256, burstMs: 100, maxWaitMs: 30_000 } as const;

/** Request limits: the longest URL (a pasted ENR fits many times), header bytes, time to send headers. */
export const LIMITS = { urlChars: 4096, headerBytes: 16_384, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveMs: 5_000 } as const;

export interface ServeOptions {
  db: Database;
  host: string;
  port: number;
  /** statement_timeout per query, ms (Postgres). */
  queryTimeoutMs: number;
  /** statement_timeout of the overview's report queries (built once per refresh), ms; default 60 s. */
  overviewTimeoutMs?: number;
  /** Requests reading the database at once (the rest queue); default DEFAULTS.maxQueries. */
  maxQueries?: number;
  /** Requests waiting for their turn (CPU budget or database) at most; more are answered 503 busy with Retry-After (default DEFAULTS.maxQueue). */
  maxQueue?: number;
  /**
   * Fraction of one core the view may spend, its database reads included (cpu-budget.ts); past it,
   * requests wait. Default: DEFAULTS.cpuShare on Postgres (crawls write beside it); none on an
   * embedded database (read after its crawl, and its engine's CPU is all in this process). null: none.
   */
  cpuShare?: number | null;
  /** This process's CPU ms so far (default process.cpuUsage; tests use a manual meter). */
  cpuMs?: () => number;
  /** Monotonic ms for answer ages (default performance.now; tests use a manual clock). */
  monotonic?: () => number;
  /** Page refresh and overview rebuild interval, seconds. */
  refreshSeconds: number;
  /** Span of the overview's charts over time, ms. */
  historyMs: number;
  /** The clock (tests pin it to their dataset). */
  now?: () => number;
  geo?: GeoLookup;
  /** One line per internal error. */
  log?: (line: string) => void;
}

export interface WebServer {
  readonly port: number;
  readonly url: string;
  /** Node list and node answers: kept answers served, requests that joined one in flight, answers computed (database reads). */
  answerStats(): AnswerCacheStats;
  /** The CPU budget's admissions and charges, the overview's database CPU included (zeros without a budget). */
  budgetStats(): CpuBudgetStats;
  close(): Promise<void>;
}

const API_INDEX = {
  endpoints: {
    '/api/overview': 'the overview: snapshot (24 h ending now), fork readiness when available, longitudinal (hourly) reports as in `nodefinder report --format json`',
    '/api/nodes': `node list; parameters ${NODE_LIST_PARAMS.join(', ')}`,
    '/api/node/<node ID | enode URL | ENR>': 'one node: endpoints, sightings, dials with HELLO/STATUS/RTT/DISCONNECT, ENRs (also /api/node?q=…)',
    '/healthz': 'Prometheus text: database reachable, age of the last write',
  },
};

export async function startWebServer(opts: ServeOptions): Promise<WebServer> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const monotonic = opts.monotonic ?? (() => performance.now());
  const maxQueue = opts.maxQueue ?? DEFAULTS.maxQueue;
  const share = opts.cpuShare === undefined ? (opts.db.engine === 'postgres' ? DEFAULTS.cpuShare : null) : opts.cpuShare;
  // The overview's build (seconds of report queries per --refresh) gets its own quarter of the share:
  // its debt then slows the next overview, never the requests (which keep three quarters, and pay
  // for this process's CPU). Under a tight budget the overview may refresh less often than --refresh.
  const budget = share === null ? null : new CpuBudget({ share: share * 0.75, burstMs: DEFAULTS.burstMs, maxQueue, maxWaitMs: DEFAULTS.maxWaitMs, now: monotonic, cpuMs: opts.cpuMs ?? processCpuMs, wake: wakeWithTimers });
  const backgroundBudget = share === null ? null : new CpuBudget({ share: share * 0.25, burstMs: DEFAULTS.burstMs, maxQueue: 0, maxWaitMs: DEFAULTS.maxWaitMs, now: monotonic, cpuMs: () => 0, wake: wakeWithTimers });
  const db = new ReadOnlyDb(opts.db, { queryTimeoutMs: opts.queryTimeoutMs, maxConcurrent: opts.maxQueries ?? DEFAULTS.maxQueries, maxQueue, budget, backgroundBudget, monotonic });
  // Answers are shared by identical requests in flight and reused for one refresh interval (what a
  // page's own refresh would show); /healthz for a second at most, so it stays a liveness probe.
  const answers = new AnswerCache<unknown>({ ttlMs: opts.refreshSeconds * 1000, maxEntries: ANSWER_CACHE_ENTRIES, now: monotonic });
  const probes = new AnswerCache<Awaited<ReturnType<typeof health>>>({ ttlMs: Math.min(1000, opts.refreshSeconds * 1000), maxEntries: 1, now: monotonic });
  const nodePage = (q: NodeListQuery, key: string) => answers.get(`nodes?${key}`, () => db.read((tx) => listNodes(tx, q, geo, now() - opts.historyMs))) as Promise<NodeListPage>;
  const nodeDetail = (id: string) => answers.get(`node/${id}`, () => db.read((tx) => loadNode(tx, id, now(), geo))) as Promise<NodeDetail | null>;
  const geo = () => opts.geo ?? packagedGeo();
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const overview = new OverviewCache(db, {
    historyMs: opts.historyMs,
    ttlMs: opts.refreshSeconds * 1000,
    timeoutMs: opts.overviewTimeoutMs ?? 60_000,
    now,
    geo: opts.geo,
    onError: (err) => log(`nodefinder serve: overview rebuild failed, serving the previous one: ${(err as Error)?.message?.split('\n')[0] ?? String(err)}`),
  });

  async function route(req: IncomingMessage, url: URL, nonce: string): Promise<Reply> {
    const path = url.pathname;
    const search = url.searchParams;
    if (path === '/healthz') {
      singleParams(search, []);
      const h = await probes.get('healthz', () => health(db, now(), startedAt));
      return { status: h.ok ? 200 : 503, type: 'text/plain; version=0.0.4; charset=utf-8', body: h.text };
    }
    if (path === '/api' || path === '/api/') {
      singleParams(search, []);
      return json(API_INDEX);
    }
    if (path === '/api/overview') {
      singleParams(search, []);
      const o = await overview.get();
      return { status: 200, type: 'application/json; charset=utf-8', body: o.json() };
    }
    if (path === '/api/nodes') {
      const q = parseNodeListQuery(search, now());
      const page = await nodePage(q, canonical(search));
      return jsonText(serialized(page, () => JSON.stringify({ nodes: page.nodes, next: page.next, scanned: page.scanned, limit: q.limit })));
    }
    if (path === '/api/node' || path.startsWith('/api/node/')) {
      const text = path === '/api/node' ? (singleParams(search, ['q']).get('q') ?? '') : (singleParams(search, []), decodePath(path.slice('/api/node/'.length)));
      const nq = parseNodeQuery(text);
      const node = await nodeDetail(nq.id);
      if (!node) throw new HttpError('not_found', `node ${nq.id} is not in this database`);
      return jsonText(`{"input":${JSON.stringify(nq.input)},"node":${serialized(node, () => JSON.stringify(node))}}`);
    }
    if (path.startsWith('/api/')) throw new HttpError('not_found', 'no such API endpoint; see /api/');
    // HTML pages: `fragment=1` answers only the live region (the client script's refresh).
    const fragment = search.get('fragment') === '1';
    const params = new URLSearchParams([...search].filter(([k]) => k !== 'fragment'));
    const live = (p: string) => `${p}?${new URLSearchParams([...params, ['fragment', '1']]).toString()}`;
    if (path === '/') {
      singleParams(params, []);
      const body = (await overview.get()).html(overviewBody);
      return fragment ? html(body) : html(renderPage({ title: 'Network overview', nonce, body, liveSrc: live('/'), refreshSeconds: opts.refreshSeconds }));
    }
    if (path === '/nodes') {
      const form = nodeFilterForm(params);
      let body: string;
      let status = 200;
      try {
        const q = parseNodeListQuery(params, now());
        const page = await nodePage(q, canonical(params));
        body = serialized(page, () => nodeListBody(page, q, params), params.toString());
      } catch (err) {
        const e = toHttpError(err);
        if (!(e instanceof HttpError) || e.status >= 500) throw e;
        body = errorBody(e.message);
        status = e.status;
      }
      // Only a good answer refreshes itself.
      const liveSrc = status === 200 ? live('/nodes') : undefined;
      return fragment ? html(body, status) : html(renderPage({ title: 'Nodes', nonce, head: form, body, liveSrc, refreshSeconds: opts.refreshSeconds }), status);
    }
    if (path === '/node' || path.startsWith('/node/')) {
      const text = path === '/node' ? (singleParams(params, ['q']).get('q') ?? '') : decodePath(path.slice('/node/'.length));
      const shown = text.slice(0, MAX_SEARCH_LENGTH);
      if (text.trim() === '') return html(renderPage({ title: 'Is my node seen?', nonce, body: errorBody('Paste a node ID, an enode:// URL or an enr: record into the search box above.') }));
      let body: string;
      let status = 200;
      try {
        const nq = parseNodeQuery(text);
        const node = await nodeDetail(nq.id);
        body = node ? serialized(node, () => nodeBody(node, nq.id), 'html') : nodeBody(node, nq.id);
        if (!node) status = 404;
      } catch (err) {
        const e = toHttpError(err);
        if (!(e instanceof HttpError) || e.status >= 500) throw e;
        body = errorBody(e.message);
        status = e.status;
      }
      const liveSrc = status === 200 ? live(path) : undefined;
      return fragment ? html(body, status) : html(renderPage({ title: 'Node', nonce, search: shown, body, liveSrc, refreshSeconds: opts.refreshSeconds }), status);
    }
    throw new HttpError('not_found', `no page ${path.length > 60 ? `${path.slice(0, 60)}…` : path}`);
  }

  // A loopback server answers only requests addressed to loopback: a web page elsewhere cannot read
  // the API through a DNS name rebound to 127.0.0.1. Any other listen address is meant to be reached
  // by name (behind a proxy), so any Host goes.
  let allowedHosts: Set<string> | null = null;
  const checkHost = (host: string | undefined): void => {
    if (allowedHosts === null || host === undefined) return;
    if (!allowedHosts.has(host.toLowerCase())) throw new HttpError('bad_host', 'this server answers requests to its loopback address only');
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const nonce = randomBytes(16).toString('base64');
    const rawUrl = req.url ?? '/';
    const isApi = rawUrl.startsWith('/api') || rawUrl.startsWith('/healthz');
    let reply: Reply;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError('method_not_allowed', `method ${String(req.method).slice(0, 20)} not allowed: GET or HEAD only`);
      if (rawUrl.length > LIMITS.urlChars) throw new HttpError('uri_too_long', `URL longer than ${LIMITS.urlChars} characters`);
      checkHost(req.headers.host);
      const length = req.headers['content-length'];
      if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) throw new HttpError('payload_too_large', 'requests carry no body here');
      let url: URL;
      try {
        url = new URL(rawUrl, 'http://localhost');
      } catch {
        throw new HttpError('bad_parameter', 'malformed URL');
      }
      // Every answer but the liveness probe waits for the CPU budget (503 busy past --max-queue).
      if (budget && url.pathname !== '/healthz') await budget.admit('new');
      reply = await route(req, url, nonce);
    } catch (err) {
      const e = toHttpError(err);
      const he = e instanceof HttpError ? e : new HttpError('internal', 'internal error; the server log has the details');
      if (!(e instanceof HttpError)) log(`nodefinder serve: ${req.method} ${rawUrl.slice(0, 200)}: ${(e as Error)?.message?.split('\n')[0] ?? String(e)}`);
      reply = isApi
        ? { status: he.status, type: 'application/json; charset=utf-8', body: `${JSON.stringify({ error: { code: he.code, message: he.message } })}\n` }
        : { status: he.status, type: 'text/html; charset=utf-8', body: renderPage({ title: he.status === 404 ? 'Not found' : 'Error', nonce, body: errorBody(he.message) }) };
      if (he.code === 'method_not_allowed') reply.headers = { allow: 'GET, HEAD' };
      // RFC 9110 §10.2.3: when to come back. busy clears as the queue drains; an unreachable database takes longer.
      if (he.status === 503) reply.headers = { 'retry-after': he.code === 'busy' ? '1' : '5' };
      if (he.code === 'payload_too_large' || he.code === 'uri_too_long') reply.headers = { connection: 'close' };
    }
    const isHtml = reply.type.startsWith('text/html');
    res.writeHead(reply.status, {
      'content-type': reply.type,
      'content-length': Buffer.byteLength(reply.body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'content-security-policy': isHtml
        ? `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`
        : "default-src 'none'; frame-ancestors 'none'",
      ...reply.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  const server: Server = createServer({ maxHeaderSize: LIMITS.headerBytes, requestTimeout: LIMITS.requestTimeoutMs, headersTimeout: LIMITS.headersTimeoutMs, keepAliveTimeout: LIMITS.keepAliveMs }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`nodefinder serve: ${(err as Error)?.message ?? String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end('{"error":{"code":"internal","message":"internal error"}}\n');
    });
  });
  // Malformed HTTP: a bare 400, no echo.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  if (isLoopbackHost(opts.host)) allowedHosts = new Set([hostPart, '127.0.0.1', 'localhost', '[::1]'].map((h) => `${h.toLowerCase()}:${port}`));
  return {
    port,
    url: `http://${hostPart}:${port}`,
    answerStats: () => ({ ...answers.stats }),
    budgetStats: () => {
      const s = { ...(budget?.stats ?? { immediate: 0, waited: 0, refused: 0, processMs: 0, databaseMs: 0 }) };
      return { ...s, databaseMs: s.databaseMs + (backgroundBudget?.stats.databaseMs ?? 0) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        budget?.close();
        backgroundBudget?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isLoopbackHost(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host.toLowerCase() === 'localhost';
}

interface Reply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/** Answers kept at most (node pages and list pages; each is tens of kB at most). */
const ANSWER_CACHE_ENTRIES = 2000;

/** A validated query string in one spelling (sorted, no blanks): the key of its answer. */
function canonical(search: URLSearchParams): string {
  const pairs = [...search].filter(([k, v]) => k !== 'fragment' && v.trim() !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(pairs).toString();
}

function json(value: unknown): Reply {
  return jsonText(JSON.stringify(value));
}

function jsonText(text: string): Reply {
  return { status: 200, type: 'application/json; charset=utf-8', body: `${text}\n` };
}

/**
 * A kept answer rendered once (its JSON, its HTML for one spelling of the query) however many
 * requests it answers; dropped with the answer. A few spellings per answer at most.
 */
const renderedAnswers = new WeakMap<object, Map<string, string>>();
function serialized(answer: object, render: () => string, variant = 'json'): string {
  let forms = renderedAnswers.get(answer);
  if (!forms) renderedAnswers.set(answer, (forms = new Map()));
  let text = forms.get(variant);
  if (text === undefined) {
    text = render();
    if (forms.size < 8) forms.set(variant, text);
  }
  return text;
}

function html(body: string, status = 200): Reply {
  return { status, type: 'text/html; charset=utf-8', body };
}

/** A path segment holding a pasted record ("enode://…" arrives percent-encoded or not). */
function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError('bad_node', 'malformed percent-encoding in the node path');
  }
}
