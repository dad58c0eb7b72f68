/**
 * `nodefinder demo` (`npm run demo`): the first five minutes, with no server and no internet. Starts a
 * local test network of emulated peers on 127.0.0.1 (src/testnet, the default client mix; in a child
 * process, so its work is not in the crawler's RTT samples: demo-testnet.ts), crawls it
 * with a few NodeFinder instances into the embedded database (./nodefinder-demo unless --db), stops
 * once every peer has been dialed (or after --duration), and prints the snapshot report.
 *
 * The directory is the demo's own: a rerun starts it afresh (a marker file says it is a demo
 * database); any other non-empty directory is refused rather than overwritten. It keeps the
 * testnet's manifest (ground truth) beside the data, so the report can be checked against it.
 */
import { existsSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generatePrivateKey } from '../crypto/index.js';
import { parseEnode } from '../enode/enode-url.js';
import { NETWORKS } from '../eth/networks.js';
import { LOOPBACK_ONLY } from '../net/netrestrict.js';
import type { CrawlerEvent } from '../events.js';
import { MAX_DIALS, REDIAL_INTERVAL_MS, EXPIRE_AFTER_MS } from '../crawler/scheduler.js';
import { addReportOutputOptions, emitReport, parseReportOutputOptions } from './report-output.js';
import { isPostgresUrl } from '../store/database.js';
import { openMigratedDatabase } from '../store/open.js';
import { CrawlRun, CrawlRunStartError } from '../run/crawl-run.js';
import { spawnTestnet, type ChildTestnet } from './demo-testnet.js';
import { VERSION } from '../version.js';
import { parseDuration, parseIntOption } from './durations.js';
import { RuntimeError, UsageError } from './errors.js';
import { runReport } from './report.js';

export const DEMO_DEFAULTS = {
  nodes: 80,
  instances: 3,
  db: './nodefinder-demo',
  duration: '60s',
  seed: 1,
  progressInterval: '5s',
} as const;
/** Marks a directory as the demo's, so a rerun may wipe it. */
export const DEMO_MARKER = '.nodefinder-demo';
export const DEMO_MANIFEST = 'testnet-manifest.json';
/** How many testnet peers the crawler is given as bootnodes (the rest it must discover). */
const DEMO_BOOTNODES = 3;
/** Faster table refreshes than a real crawl (30 min), so discovery covers the testnet in seconds. */
const DEMO_REFRESH_MS = 5_000;
/** After every peer was dialed, how long to wait for the geth peers' inbound dials. */
const INBOUND_GRACE_MS = 5_000;

interface DemoRawOptions {
  nodes: string;
  instances: string;
  db: string;
  duration: string;
  seed: string;
  port?: string;
  progressInterval: string;
  format?: string;
  out?: string;
}

export interface DemoIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description('crawl a local test network into the embedded database and print the snapshot report (no server, no internet)')
    .option('--nodes <n>', 'emulated peers in the test network', String(DEMO_DEFAULTS.nodes))
    .option('--instances <n>', 'NodeFinder instances crawling it', String(DEMO_DEFAULTS.instances))
    .option('--db <dir>', 'embedded database directory (recreated on each run)', DEMO_DEFAULTS.db)
    .option('--duration <time>', 'stop after this long even if some peers were not dialed yet', DEMO_DEFAULTS.duration)
    .option('--seed <n>', 'seed of the test network (same seed, same peers)', String(DEMO_DEFAULTS.seed))
    .option('--port <n>', "crawler's first port (default: a free range on 127.0.0.1)")
    .option('--progress-interval <time>', 'how often to print progress', DEMO_DEFAULTS.progressInterval);
  addReportOutputOptions(command).action(async (raw: DemoRawOptions) => {
    await runDemo(raw);
  });
}

/** Bind UDP and TCP on each port of [base, base+n) on 127.0.0.1 and release them; true if all were free. */
async function rangeIsFree(base: number, n: number): Promise<boolean> {
  for (let port = base; port < base + n; port++) {
    const ok = await new Promise<boolean>((done) => {
      const tcp = createServer();
      tcp.once('error', () => done(false));
      tcp.listen(port, '127.0.0.1', () => {
        const udp = createSocket('udp4');
        udp.once('error', () => tcp.close(() => done(false)));
        udp.bind(port, '127.0.0.1', () => udp.close(() => tcp.close(() => done(true))));
      });
    });
    if (!ok) return false;
  }
  return true;
}

/** A free range below Linux's ephemeral ports (32768+), which outgoing sockets could take meanwhile. */
export async function findFreePortRange(n: number, random: () => number = Math.random): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(random() * (12_700 - n));
    if (await rangeIsFree(base, n)) return base;
  }
  throw new RuntimeError(`no ${n} free consecutive ports found on 127.0.0.1: pass --port`);
}

/** Make `dir` an empty demo directory: wipe a previous demo's, refuse anything else that is not empty. */
function prepareDirectory(dir: string, say: (line: string) => void): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0) {
      if (!entries.includes(DEMO_MARKER)) {
        throw new UsageError(`--db ${dir} is not empty and not a demo database: choose another directory (the demo recreates it)`);
      }
      rmSync(dir, { recursive: true, force: true });
      say(`demo: removed the previous demo database in ${dir}`);
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DEMO_MARKER), 'This directory was created by `nodefinder demo`, which deletes and recreates it on each run.\n');
}

const pad = (n: number, width: number) => String(n).padStart(width);

export async function runDemo(raw: DemoRawOptions, io: DemoIo = process): Promise<void> {
  const nodes = parseIntOption(raw.nodes, '--nodes', 1, 1000);
  const instances = parseIntOption(raw.instances, '--instances', 1, 16);
  const durationMs = parseDuration(raw.duration, '--duration');
  if (durationMs < 1000) throw new UsageError(`invalid --duration ${JSON.stringify(raw.duration)}: at least 1s`);
  const seed = parseIntOption(raw.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
  const progressMs = Math.max(500, parseDuration(raw.progressInterval, '--progress-interval'));
  const fixedPort = raw.port === undefined ? undefined : parseIntOption(raw.port, '--port', 1024, 65535 - instances + 1);
  const output = parseReportOutputOptions(raw);
  if (isPostgresUrl(raw.db) || /^[a-z][a-z0-9+.-]*:\/\//i.test(raw.db)) {
    throw new UsageError(`--db ${JSON.stringify(raw.db)}: the demo uses the embedded database, give a directory`);
  }
  const dir = resolve(raw.db);
  const say = (line: string) => io.stderr.write(`${line}\n`);

  say(`demo: a test network of ${nodes} emulated peers on 127.0.0.1, crawled by ${instances} NodeFinder instance(s) into ${dir} (embedded database; no server, no internet)`);
  prepareDirectory(dir, say);

  // Creating the embedded database takes seconds: do it while the testnet starts.
  const opening = openMigratedDatabase(dir);
  opening.catch(() => undefined); // awaited below; a rejection must not go unhandled meanwhile
  let testnet: ChildTestnet;
  try {
    // Its own process: the peers' work must not sit in the crawler's event loop (demo-testnet.ts).
    testnet = await spawnTestnet({
      nodes,
      seed,
      port: await findFreePortRange(nodes),
      enodesFile: join(dir, 'testnet-enodes.txt'),
      maxLifetimeMs: durationMs + 10 * 60_000,
    });
  } catch (err) {
    await opening.then((o) => o.db.close(), () => undefined);
    throw err;
  }
  let run: CrawlRun | undefined;
  let db: Awaited<ReturnType<typeof openMigratedDatabase>>['db'] | undefined;
  let dbHandedOver = false;
  let progress: ReturnType<typeof setInterval> | undefined;
  const started = Date.now();
  try {
    writeFileSync(join(dir, DEMO_MANIFEST), testnet.manifestJson);
    const s = testnet.manifest.summary;
    say(
      `testnet: ${nodes} peers (seed ${seed}): ${Object.entries(s.clients).map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
        `${s.full} full, ${s.noTcp} discovery-only, networks ${Object.entries(s.networks).map(([k, v]) => `${k} ${v}`).join(', ')}; ground truth in ${DEMO_MANIFEST}`,
    );

    say('database: creating the embedded database (PGlite, a few seconds)…');
    ({ db } = await opening);
    const port = fixedPort ?? (await findFreePortRange(instances));

    // What the crawl has done with the testnet's peers (its own instances aside).
    const peers = new Set(testnet.manifest.peers.map((p) => p.nodeId));
    const discovered = new Set<string>();
    const dialed = new Set<string>();
    const hello = new Set<string>();
    const status = new Set<string>();
    /** Peers that dialed us (the testnet's geth ≥ 1.16 peers do once our ENR passes their filter). */
    const inbound = new Set<string>();
    const track = (e: CrawlerEvent): void => {
      if (e.type === 'node_seen' && peers.has(e.nodeId)) discovered.add(e.nodeId);
      if (e.type === 'dial' && e.nodeId && peers.has(e.nodeId)) {
        if (e.kind !== 'inbound') dialed.add(e.nodeId);
        else if (e.hello) inbound.add(e.nodeId);
        if (e.hello) hello.add(e.nodeId);
        if (e.status) status.add(e.nodeId);
      }
    };
    try {
      run = await CrawlRun.start({
        db,
        closeDatabase: true,
        journalDir: join(dir, 'journal'),
        keys: { privateKeys: Array.from({ length: instances }, () => generatePrivateKey()) },
        sinks: [track],
        crawl: {
          network: NETWORKS.mainnet,
          bootnodes: testnet.enodes.slice(0, DEMO_BOOTNODES).map((u) => parseEnode(u)),
          instances,
          listenHost: '127.0.0.1',
          port,
          netrestrict: LOOPBACK_ONLY,
          maxDials: MAX_DIALS,
          redialIntervalMs: REDIAL_INTERVAL_MS,
          expireAfterMs: EXPIRE_AFTER_MS,
          maxSockets: 256,
          clientId: `NodeFinder/v${VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`,
          codeVersion: VERSION,
          refreshIntervalMs: DEMO_REFRESH_MS,
        },
      });
    } catch (err) {
      dbHandedOver = true; // the failed start closed it
      const cause = err instanceof CrawlRunStartError ? err.cause : err;
      throw new RuntimeError(`cannot start the crawler on 127.0.0.1 port ${port}: ${cause instanceof Error ? cause.message : String(cause)}; pass another --port`);
    }
    const crawler = run.crawler;
    const w = run.writer;
    for (const instance of crawler.instances) say(`crawl: instance ${instance.index} is ${instance.enode ?? '?'}`);
    // geth ≥ 1.16 peers on mainnet: they dial us once our ENR passes their fork filter (src/testnet/geth-dialer.ts).
    const gethDialers = testnet.manifest.peers.filter((p) => p.dialsByEnr && p.network.name === 'mainnet').length;
    say(`crawl: ${instances} instance(s) on 127.0.0.1:${port}${instances > 1 ? `-${port + instances - 1}` : ''}, netrestrict 127.0.0.0/8, bootnodes: ${DEMO_BOOTNODES} of the peers; stops when every peer was dialed or after ${raw.duration}`);

    const width = String(nodes).length;
    const line = () =>
      `[${pad(Math.round((Date.now() - started) / 1000), 3)}s] discovered ${pad(discovered.size, width)}/${nodes} · dialed ${pad(dialed.size, width)}/${nodes} · ` +
      `hello ${pad(hello.size, width)} · status ${pad(status.size, width)} · inbound ${pad(inbound.size, String(gethDialers).length)}/${gethDialers} · events written ${w.stats().written}`;
    progress = setInterval(() => say(line()), progressMs);
    const deadline = Date.now() + durationMs;
    // Ctrl-C ends the crawl early; the report is still printed from what was written.
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
    };
    process.once('SIGINT', onSignal);
    // Done once every peer was dialed and the geth peers dialed back (or a short grace passed).
    let allDialedAt: number | undefined;
    const done = () => {
      if (dialed.size < nodes) return false;
      allDialedAt ??= Date.now();
      return inbound.size >= gethDialers || Date.now() - allDialedAt >= INBOUND_GRACE_MS;
    };
    try {
      while (!done() && Date.now() < deadline && !interrupted) await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('SIGINT', onSignal);
    }
    clearInterval(progress);
    progress = undefined;
    say(line());
    say(
      dialed.size === nodes
        ? `crawl: every peer dialed after ${Math.round((Date.now() - started) / 1000)} s, ${inbound.size} of ${gethDialers} geth ≥ 1.16 peers dialed us; stopping`
        : `crawl: ${interrupted ? 'interrupted' : '--duration reached'} with ${nodes - dialed.size} peer(s) not dialed yet; stopping`,
    );
  } finally {
    if (progress) clearInterval(progress);
    const ws = run ? (await run.close()).writer : undefined;
    if (!run && !dbHandedOver) await (db ?? (await opening.then((o) => o.db, () => undefined)))?.close();
    await testnet.close();
    if (ws) say(`database: ${ws.written} events written to ${dir}${ws.spilled ? `, ${ws.spilled} left in the journal` : ''}`);
  }

  const report = await runReport('snapshot', {
    db: dir,
    bucket: 'day',
    abusiveMinIds: '10',
    top: '15',
    network: 'mainnet',
    maxPairNodes: '200',
    releaseMinNodes: '2',
  });
  await emitReport(report, output, {}, io);
  const rel = raw.db;
  say(
    `\nNext: the same report as HTML — nodefinder report snapshot --db ${rel} --format html --out snapshot.html` +
      `\n      (or npx nodefinder …); other reports: clients, latency, disconnects, coverage… (nodefinder report --help);` +
      `\n      the test network's ground truth is ${join(rel, DEMO_MANIFEST)}.` +
      `\n      The web view (overview, node list, "is my node seen?"): nodefinder serve --db ${rel} --listen 127.0.0.1:8080, then open http://127.0.0.1:8080/`,
  );
}
