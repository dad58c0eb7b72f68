/**
 * The database goes away for real. On Postgres: a TCP proxy on 127.0.0.1 between the pg adapter and
 * the server is cut and restored during a simulated crawl. On the embedded engine: a writer process is
 * killed with SIGKILL while its database is unavailable, and the next run replays its journal.
 * Nothing waits a fixed time or counts on a speed: each phase lasts until the writer's stats show
 * what it is there for (with a generous deadline: the machine may be loaded), and the counts
 * asserted are the writer's own account (sent, committed, journaled), whatever their size.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CrawlerEvent } from '../../src/events.js';
import { migrate } from '../../src/store/migrations.js';
import { openPostgres } from '../../src/store/pg-adapter.js';
import { openMigratedDatabase } from '../../src/store/open.js';
import { EventWriter, type WriterStats } from '../../src/store/writer.js';
import { closeSharedPglite, engineTitle, postgresEngine, storedEventCount } from './helpers.js';
import { countableStream, makeWorld, Rng, T0 } from './fixtures.js';

afterAll(closeSharedPglite);

/** A TCP relay that can be cut (every connection reset, new ones refused) and restored. */
class CuttableProxy {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private up = true;
  port = 0;
  connections = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (!this.up) {
        client.destroy();
        return;
      }
      this.connections++;
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline for each phase on a shared machine that may be loaded (vite-node start-up alone took ~2 min at load 16). */
const DEADLINE_MS = 300_000;
/** Connection and query limits far above anything a loaded machine needs: a cut is a reset, seen at once. */
const PG_LIMITS = { connectTimeoutMs: 30_000, queryTimeoutMs: 60_000 };

describe.skipIf(postgresEngine.skip !== null)(`Postgres cut mid-crawl on ${engineTitle(postgresEngine)}`, () => {
  it('keeps crawling through the outage; every event sent is stored afterwards', async () => {
    const t = await postgresEngine.fresh();
    const target = new URL(postgresEngine.url!);
    const proxy = new CuttableProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(postgresEngine.url!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const journalDir = mkdtempSync(join(tmpdir(), 'nf-outage-'));
    const db = await openPostgres(viaProxy.toString(), { schema: t.schema, ...PG_LIMITS });
    try {
      await migrate(db);
      const writer = await EventWriter.open(db, {
        journalDir,
        batchSize: 200,
        flushIntervalMs: 50,
        maxBufferedEvents: 1000,
        retryInitialMs: 20,
        retryMaxMs: 200,
        closeTimeoutMs: DEADLINE_MS,
      });
      const rng = new Rng(1234);
      const world = makeWorld(rng, 4, 300);
      const stream = countableStream(rng, world, 1_000_000, T0, 5);
      let sent = 0;
      // The "crawl": about 2 000 events/s from 4 instances arrive in small bursts, on real timers.
      const crawlFor = async (ms: number) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          for (let i = 0; i < 10; i++) {
            writer.write(stream.next().value as CrawlerEvent);
            sent++;
          }
          await sleep(2);
        }
      };
      // crawl until the first batches are committed (however slow the machine)
      for (const end = Date.now() + DEADLINE_MS; Date.now() < end && writer.stats().written === 0; ) await crawlFor(200);
      expect(writer.stats().written).toBeGreaterThan(0);

      proxy.cut();
      // the database is unreachable: crawl on until failed attempts and more events than the memory bound
      for (const end = Date.now() + DEADLINE_MS; Date.now() < end && (writer.stats().spilled === 0 || writer.stats().failures === 0); ) await crawlFor(200);
      const during = writer.stats();
      expect(during.failures).toBeGreaterThan(0);
      expect(during.spilled).toBeGreaterThan(0); // more than the memory bound arrived
      expect(during.buffered).toBeLessThanOrEqual(1000 + 200);

      proxy.restore();
      // the crawl goes on while the writer catches up: until it has committed something new
      const before = writer.stats().written;
      for (const end = Date.now() + DEADLINE_MS; Date.now() < end && writer.stats().written === before; ) await crawlFor(200);
      expect(writer.stats().written).toBeGreaterThan(before);
      const end: WriterStats = await writer.close(); // drains (replays the journal) with a generous deadline
      expect(end).toMatchObject({ accepted: sent, dropped: 0, rejected: 0, buffered: 0, journalBytes: 0 });
      expect(end.written).toBe(sent);
      expect(end.replayed).toBe(end.spilled);
      expect(await storedEventCount(t.db)).toBe(sent);
      expect(readdirSync(journalDir).filter((f) => f.startsWith('segment-'))).toEqual([]);
      expect(proxy.connections).toBeGreaterThan(1); // it really reconnected
    } finally {
      await db.close();
      await proxy.stop();
      await t.dispose();
      rmSync(journalDir, { recursive: true, force: true });
    }
  }, 3 * DEADLINE_MS);

  it('a shutdown during the outage leaves the rest in the journal for the next run', async () => {
    const t = await postgresEngine.fresh();
    const target = new URL(postgresEngine.url!);
    const proxy = new CuttableProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(postgresEngine.url!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const journalDir = mkdtempSync(join(tmpdir(), 'nf-outage-'));
    const db = await openPostgres(viaProxy.toString(), { schema: t.schema, ...PG_LIMITS });
    try {
      await migrate(db);
      const w1 = await EventWriter.open(db, { journalDir, batchSize: 100, maxBufferedEvents: 500, retryInitialMs: 20, retryMaxMs: 100, closeTimeoutMs: 2000 });
      const rng = new Rng(77);
      const world = makeWorld(rng);
      w1.writeMany(countableStream(rng, world, 300, T0));
      await w1.flush();
      proxy.cut();
      w1.writeMany(countableStream(rng, world, 1500, T0 + 3_600_000));
      const s1 = await w1.close();
      expect(s1).toMatchObject({ accepted: 1800, written: 300, spilled: 1500, dropped: 0, buffered: 0 });
      proxy.restore();
      // the next run replays it all before its close deadline (generous: replay may meet a loaded machine)
      const w2 = await EventWriter.open(db, { journalDir, retryInitialMs: 20, retryMaxMs: 200, closeTimeoutMs: DEADLINE_MS });
      const s2 = await w2.close();
      expect(s2).toMatchObject({ replayed: 1500, written: 1500, dropped: 0 });
      expect(await storedEventCount(t.db)).toBe(1800);
    } finally {
      await db.close();
      await proxy.stop();
      await t.dispose();
      rmSync(journalDir, { recursive: true, force: true });
    }
  }, 2 * DEADLINE_MS);
});

describe('kill -9 of a writer process (embedded database)', () => {
  it('after restart the data is there and the journal is replayed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-kill-'));
    const journalDir = join(dir, 'journal');
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url)), fileURLToPath(new URL('./crash-child.ts', import.meta.url)), dir, journalDir, '400', '2000'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? -1 : code)));
    try {
      for (const end = Date.now() + DEADLINE_MS; Date.now() < end && !out.includes('\n'); ) {
        if (child.exitCode !== null) break;
        await sleep(100);
      }
      expect(out, err).toContain('\n');
      const stats = JSON.parse(out.split('\n')[0]!) as WriterStats;
      expect(stats).toMatchObject({ accepted: 2400, written: 400, dropped: 0 });
      // (the first 400 arrived faster than the memory bound: some went through the journal already)
      // Journaled and not yet replayed when the child reported: durable from then on. Its spill task
      // may journal more of the rest before the kill lands — how much depends on the machine's speed.
      const journaled = stats.spilled - stats.replayed;
      expect(journaled + stats.buffered).toBe(2000);
      expect(journaled).toBeGreaterThan(1000);
      child.kill('SIGKILL');
      expect(await exited).toBe(-1);

      const { db } = await openMigratedDatabase(dir); // stale lock of the killed process is taken over
      try {
        expect(await storedEventCount(db)).toBe(400);
        const w = await EventWriter.open(db, { journalDir, retryInitialMs: 20, retryMaxMs: 200, closeTimeoutMs: DEADLINE_MS });
        const s = await w.close();
        // everything the child reported journaled is replayed (more if its spill went on before the
        // kill); what was only in the killed process's memory is gone
        expect(s).toMatchObject({ dropped: 0, spilled: 0 });
        expect(s.replayed).toBeGreaterThanOrEqual(journaled);
        expect(s.replayed).toBeLessThanOrEqual(2000);
        // and each replayed event is stored exactly once, beside the 400 committed before the outage
        expect(await storedEventCount(db)).toBe(400 + s.replayed);
        expect(readdirSync(journalDir).filter((f) => f.startsWith('segment-'))).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 2 * DEADLINE_MS);
});
