/**
 * `nodefinder crawl` as its users meet it: a status line on a terminal every few seconds, a stop
 * (SIGTERM, Ctrl-C, `--duration`) ending the run cleanly (writer flushed, sockets closed, nothing
 * left registered), and Ctrl-C (SIGINT to a child process) flushing everything and exiting 0.
 * No step waits a fixed time: each stop comes once the crawl has shown (status line, metrics) that
 * it reached every peer, however slow the machine — and `--duration` is tested for stopping alone.
 */
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrawl, type CrawlCliOptions } from '../../src/cli/crawl.js';
import { openDatabase } from '../../src/store/open.js';
import { portBase, spawnCli, startPeerNetwork, waitFor } from './helpers.js';
import { LOADED_DEADLINE_MS, metricsUrl, outboundDials, pollUntil, scrape } from './scrape.js';

const PEERS = 3;
/** One status line: what the issue asks for — nodes, dials in flight, HELLO/STATUS, errors, write queue. */
const STATUS_LINE = /^\[\d+m\d{2}s\] nodes (\d+) \| dials (\d+) in flight, \d+ queued, (\d+) done, \d+ inbound \| hello (\d+) status (\d+) too_many_peers \d+ \| errors \d+( \([^)]*\))? \| writer q \d+/;

function options(db: string, port: number, enode: string, extra: Partial<CrawlCliOptions> = {}): CrawlCliOptions {
  return {
    network: 'mainnet',
    bootnodes: enode,
    instances: '2',
    listen: '127.0.0.1',
    port: String(port),
    db,
    maxDials: '16',
    maxSockets: '64',
    redialInterval: '30m',
    expireAfter: '24h',
    netrestrict: '127.0.0.0/8',
    status: true,
    statusInterval: '5s',
    ...extra,
  };
}

/** True when UDP and TCP can both bind `port` on 127.0.0.1 again (nothing of ours holds it). */
async function portFree(port: number): Promise<boolean> {
  const udp = createSocket('udp4');
  const udpOk = await new Promise<boolean>((r) => {
    udp.once('error', () => r(false));
    udp.bind(port, '127.0.0.1', () => r(true));
  });
  if (udpOk) await new Promise<void>((r) => udp.close(() => r()));
  const tcp = createServer();
  const tcpOk = await new Promise<boolean>((r) => {
    tcp.once('error', () => r(false));
    tcp.listen(port, '127.0.0.1', () => r(true));
  });
  if (tcpOk) await new Promise<void>((r) => tcp.close(() => r()));
  return udpOk && tcpOk;
}

async function dbCounts(dir: string) {
  const db = await openDatabase(dir, { mustExist: true });
  try {
    const [d] = await db.query<{ dials: number; hellos: number; statuses: number }>(
      `SELECT (SELECT count(*)::int FROM dials) AS dials, (SELECT count(*)::int FROM hellos) AS hellos, (SELECT count(*)::int FROM statuses) AS statuses`,
    );
    const runs = await db.query<{ stopped: boolean }>(`SELECT stopped_at IS NOT NULL AS stopped FROM instance_runs`);
    return { ...d!, runs };
  } finally {
    await db.close();
  }
}

describe('nodefinder crawl: status line, --duration, Ctrl-C', () => {
  let net: Awaited<ReturnType<typeof startPeerNetwork>>;
  let dir: string;
  const base = portBase();

  beforeAll(async () => {
    net = await startPeerNetwork(PEERS, base);
    dir = await mkdtemp(join(tmpdir(), 'nf-crawl-cli-'));
  });
  afterAll(async () => {
    await net?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('on a terminal: a status line every interval until every peer answered, then SIGTERM stops cleanly (flushed, sockets closed)', async () => {
    const port = base + 100;
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    let out = '';
    stderr.on('data', (d: Buffer) => (out += d.toString()));
    const sigint = process.listenerCount('SIGINT');
    const sigterm = process.listenerCount('SIGTERM');
    // Status lines redraw one terminal line: carriage return + erase line, no newline between them.
    const lines = () => out.split('\r\x1b[2K').slice(1).map((l) => l.split('\n')[0]!);
    const run = runCrawl(options(join(dir, 'tty'), port, net.enode, { statusInterval: '250ms' }), { stderr });
    let ended = false;
    void run.finally(() => (ended = true)).catch(() => {});
    // The peers plus the hub answered HELLO + STATUS (as the status line says), over ≥ 4 lines.
    await pollUntil(
      () => {
        if (ended) return true; // ended early: the assertions below say why
        const l = lines();
        const last = STATUS_LINE.exec(l[l.length - 1] ?? '');
        return l.length >= 4 && last && Number(last[4]) >= PEERS + 1 && Number(last[5]) >= PEERS + 1 ? true : undefined;
      },
      'HELLO + STATUS from every peer on the status line',
      LOADED_DEADLINE_MS,
      () => out,
    );
    // What a service manager sends: the same clean stop as Ctrl-C (vitest's worker has no SIGTERM handler of its own).
    expect(process.listenerCount('SIGTERM')).toBe(sigterm + 1);
    process.emit('SIGTERM');
    await run;

    const all = lines();
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const l of all) expect(l).toMatch(STATUS_LINE);
    const last = STATUS_LINE.exec(all[all.length - 1]!)!;
    expect(Number(last[4])).toBeGreaterThanOrEqual(PEERS + 1);
    expect(Number(last[5])).toBeGreaterThanOrEqual(PEERS + 1);
    expect(out).toMatch(/stopping: closing sockets and flushing the writer/);
    const done = /done: (\d+) dials, (\d+) inbound, (\d+) nodes with HELLO, (\d+) with STATUS, \d+ too_many_peers; written (\d+) events(.*)/.exec(out);
    expect(done, out).not.toBeNull();
    expect(done![6]).not.toMatch(/DROPPED|journal/);

    // Nothing left behind: signal handlers, sockets.
    expect(process.listenerCount('SIGINT')).toBe(sigint);
    expect(process.listenerCount('SIGTERM')).toBe(sigterm);
    expect(await portFree(port)).toBe(true);
    expect(await portFree(port + 1)).toBe(true);

    // Everything the run reported is in the database, and both instance runs ended cleanly.
    const c = await dbCounts(join(dir, 'tty'));
    expect(c.dials).toBe(Number(done![1]) + Number(done![2]));
    expect(c.statuses).toBeGreaterThanOrEqual(PEERS + 1);
    expect(c.runs.map((r) => r.stopped)).toEqual([true, true]);
  }, LOADED_DEADLINE_MS + 120_000);

  it('--duration stops the run by itself, cleanly (whatever it had time to do)', async () => {
    const port = base + 300;
    const stderr = new PassThrough();
    let out = '';
    stderr.on('data', (d: Buffer) => (out += d.toString()));
    const sigterm = process.listenerCount('SIGTERM');
    await runCrawl(options(join(dir, 'duration'), port, net.enode, { duration: '1s', status: false }), { stderr });
    expect(out).toMatch(/; stopping after 1s/);
    expect(out).toMatch(/stopping: closing sockets and flushing the writer/);
    const done = /done: (\d+) dials, (\d+) inbound, .*; written (\d+) events(.*)/.exec(out);
    expect(done, out).not.toBeNull();
    expect(done![4]).not.toMatch(/DROPPED|journal/);
    expect(process.listenerCount('SIGTERM')).toBe(sigterm);
    expect(await portFree(port)).toBe(true);
    expect(await portFree(port + 1)).toBe(true);
    const c = await dbCounts(join(dir, 'duration'));
    expect(c.dials).toBe(Number(done![1]) + Number(done![2]));
    expect(c.runs.map((r) => r.stopped)).toEqual([true, true]);
  }, LOADED_DEADLINE_MS);

  it('Ctrl-C (SIGINT) flushes the writer and exits 0; off a terminal no status line is drawn', async () => {
    const port = base + 200;
    const db = join(dir, 'sigint');
    const child = spawnCli([
      'crawl', '--db', db, '--listen', '127.0.0.1', '--port', String(port), '--instances', '1',
      '--netrestrict', '127.0.0.0/8', '--bootnodes', net.enode, '--status-interval', '1s', '--metrics', '127.0.0.1:0',
    ]);
    await waitFor(() => child.stderr().includes('crawling mainnet') || child.child.exitCode !== null, LOADED_DEADLINE_MS, 'the crawl to start');
    const url = metricsUrl(child.stderr());
    expect(url, child.stderr()).toBeDefined();
    // It does not stop on its own: Ctrl-C once its metrics show STATUS from the peers and the hub. One
    // instance, so outbound dials with STATUS are distinct nodes (each dialed once within --redial-interval).
    await pollUntil(async () => (outboundDials(await scrape(url!), 'status') >= PEERS + 1 ? true : undefined), 'STATUS from every peer', LOADED_DEADLINE_MS, child.stderr);
    expect(child.child.exitCode).toBeNull();
    child.child.kill('SIGINT');
    const { code, signal } = await child.exit;
    const err = child.stderr();
    expect([code, signal], err).toEqual([0, null]);
    expect(err).toMatch(/Ctrl-C stops/);
    expect(err).toMatch(/stopping: closing sockets and flushing the writer/);
    expect(err).not.toMatch(/\x1b\[2K/); // stderr is a pipe: no terminal redraws (plain lines only every 30 s)
    const done = /done: (\d+) dials, (\d+) inbound, (\d+) nodes with HELLO, (\d+) with STATUS, \d+ too_many_peers; written (\d+) events(.*)/.exec(err);
    expect(done, err).not.toBeNull();
    expect(done![6]).not.toMatch(/DROPPED|journal/);
    expect(Number(done![4])).toBeGreaterThanOrEqual(PEERS + 1);

    const c = await dbCounts(db);
    expect(c.dials).toBe(Number(done![1]) + Number(done![2]));
    expect(c.hellos).toBeGreaterThanOrEqual(PEERS + 1);
    expect(c.runs.map((r) => r.stopped)).toEqual([true]);
  }, 2 * LOADED_DEADLINE_MS + 60_000);
});
