/**
 * A deterministic simulation of the whole crawler: the real Crawler (discovery, scheduler, dials,
 * RLPx, HELLO/STATUS, ENR requests) inside a real CrawlRun (writer into PGlite or Postgres)
 * against a test network of emulated peers (src/testnet: real discv4, real RLPx handshakes,
 * HELLO, STATUS, client policies) — all on in-memory UDP and TCP (src/net/memory-sockets.ts), one
 * ManualClock, and generators seeded from one number (keys, table randomness, lookup targets,
 * dial IDs). Same seed → same events → same database contents (sim-determinism.test.ts).
 *
 * Time moves only in `advance`: the clock steps (timers fire in order), then the harness lets
 * every consequence run — datagrams, stream reads, crypto, database calls of the crawl — until
 * nothing moves any more (`settle`), before the next step. No sockets; the wall clock only bounds
 * how long a database call may take (so a call must never wait on the simulated clock itself).
 */
import { keccak256 } from '../../src/crypto/index.js';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { Prng } from '../../src/analysis/prng.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemorySockets } from '../../src/net/memory-sockets.js';
import { Netrestrict } from '../../src/net/netrestrict.js';
import { CrawlRun, type CrawlRunOptions } from '../../src/run/crawl-run.js';
import type { Database, Queryable } from '../../src/store/database.js';
import type { WriterStats } from '../../src/store/writer.js';
import { testnetPrivateKey } from '../../src/testnet/profiles.js';
import { startTestnet, type Testnet, type TestnetOptions } from '../../src/testnet/testnet.js';
import { bytesToHex } from '../../src/util/bytes.js';

/** 2026-01-15T00:00:00Z: mainnet's fork schedule is current for peers and crawler alike. */
export const SIM_START_MS = Date.UTC(2026, 0, 15);
/** Default clock step: fine enough for discv4's 500 ms-scale timeouts and the 100 ms PING spacing. */
export const SIM_STEP_MS = 50;
/** Crawler instances listen from this port on 127.0.0.1; the testnet's peers from SIM_PEER_PORT. */
export const SIM_CRAWLER_PORT = 30303;
export const SIM_PEER_PORT = 40303;
/** `settle` gives up after this many event-loop turns without reaching quiescence (a livelock). */
const SETTLE_MAX_TURNS = 100_000;
/** Turns in a row with nothing moving before the system counts as settled. */
const SETTLE_QUIET_TURNS = 5;
/** How long `settle` waits for one database answer before it calls the database stuck (wall time). */
const SETTLE_DB_WAIT_MS = 120_000;
/** Database answers one `settle` may wait for: more is a livelock through the database. */
const SETTLE_MAX_DB_WAITS = 10_000;

export interface SimulationOptions {
  seed: number;
  /** Emulated peers in the test network. */
  peers: number;
  /** An open database (a fresh schema); the simulation migrates it and leaves it open. */
  db: Database;
  instances?: number;
  /** Peers given to the crawler as bootnodes (the rest it must discover). Default 3. */
  bootnodes?: number;
  testnet?: Partial<Omit<TestnetOptions, 'nodes' | 'seed' | 'clock' | 'sockets' | 'host' | 'port'>>;
  /** Crawl settings over the simulation's defaults. */
  crawl?: Partial<CrawlRunOptions['crawl']>;
  /** Lease holder name (two simulated crawlers sharing a database need two). */
  leaseHolder?: string;
  /** The clock to run on (default a new ManualClock at SIM_START_MS); sharing it runs two crawls in one world. */
  clock?: ManualClock;
  /** The in-memory network (default a new one); sharing it lets a second crawl reach the same peers. */
  sockets?: MemorySockets;
  /** An already started test network on `sockets` and `clock` (default: one is started). */
  network?: Testnet;
  /** First port of the crawler's instances (default SIM_CRAWLER_PORT). */
  port?: number;
}

/** A seeded RFC 4122 v4 UUID generator (DialEvent IDs). */
export function seededUuids(seed: number): () => string {
  const prng = new Prng(BigInt(seed) * 16n + 3n);
  return () => {
    const b = prng.fillBytes(new Uint8Array(16));
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = bytesToHex(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
}

export class Simulation {
  readonly events: CrawlerEvent[] = [];
  /** Dials (outbound and inbound) by remote node ID. */
  readonly dialsByNode = new Map<string, DialEvent[]>();
  /** Database calls of this crawl (writer commits, leases, static set) not yet answered. */
  private readonly pendingDb = new Set<Promise<unknown>>();
  private readonly linked: Simulation[] = [];
  private stopped: Promise<WriterStats> | undefined;

  private constructor(
    readonly clock: ManualClock,
    readonly sockets: MemorySockets,
    readonly testnet: Testnet,
    private readonly ownsTestnet: boolean,
    public run: CrawlRun,
  ) {}

  get crawler() {
    return this.run.crawler;
  }

  get db(): Database {
    return this.run.db;
  }

  static async start(o: SimulationOptions): Promise<Simulation> {
    const clock = o.clock ?? new ManualClock(SIM_START_MS);
    const sockets = o.sockets ?? new MemorySockets();
    const testnet =
      o.network ??
      (await startTestnet({
        nodes: o.peers,
        seed: o.seed,
        clock,
        sockets,
        host: '127.0.0.1',
        port: SIM_PEER_PORT,
        // Self lookups only: the crawler is under test, not the testnet's own refreshes.
        timings: { randomLookups: 0 },
        ...o.testnet,
      }));
    const sim = new Simulation(clock, sockets, testnet, !o.network, undefined as unknown as CrawlRun);
    // The peers' first lookups must be over before the crawl opens its database: real I/O takes
    // wall time, and peers still busy meanwhile would meet the crawler in a different state each run.
    await sim.settle();
    const instances = o.instances ?? 2;
    const prng = new Prng(BigInt(o.seed) * 16n + 1n);
    const keySeed = Number(BigInt.asUintN(48, BigInt(o.seed) + 0x51_3a_0000n + BigInt(o.port ?? SIM_CRAWLER_PORT)));
    try {
      sim.run = await CrawlRun.start({
        db: sim.tracked(o.db),
        clock,
        sockets,
        journalDir: null,
        keys: { privateKeys: Array.from({ length: instances }, (_, i) => testnetPrivateKey(keySeed, i)) },
        leaseHolder: o.leaseHolder ?? 'sim',
        sinks: [(e) => sim.observe(e)],
        crawl: {
          network: NETWORKS.mainnet,
          bootnodes: testnet.enodes.slice(0, o.bootnodes ?? 3).map((u) => parseEnode(u)),
          instances,
          listenHost: '127.0.0.1',
          port: o.port ?? SIM_CRAWLER_PORT,
          netrestrict: new Netrestrict(['127.0.0.0/8']),
          maxDials: 16,
          redialIntervalMs: 30 * 60_000,
          expireAfterMs: 24 * 3_600_000,
          maxSockets: 256,
          clientId: 'NodeFinder/vsim/linux-amd64/node20',
          codeVersion: 'sim',
          random: () => prng.nextFloat(),
          randomTarget: () => prng.fillBytes(new Uint8Array(64)),
          newDialId: seededUuids(o.seed + (o.port ?? SIM_CRAWLER_PORT)),
          ...o.crawl,
        } as CrawlRunOptions['crawl'],
      });
    } catch (err) {
      if (!o.network) await testnet.close();
      throw err;
    }
    await sim.settle();
    return sim;
  }

  private observe(e: CrawlerEvent): void {
    this.events.push(e);
    if (e.type === 'dial' && e.nodeId) {
      const list = this.dialsByNode.get(e.nodeId) ?? [];
      list.push(e);
      this.dialsByNode.set(e.nodeId, list);
    }
  }

  /**
   * Count the crawl's database calls in flight: `settle` waits for them. They take wall time (a
   * server under load answers late), so a step must not end while a writer commit is still open —
   * a redial claim would then miss the lease rows that commit brings, depending on the machine.
   */
  private tracked(db: Database): Database {
    const track = <T>(p: Promise<T>): Promise<T> => {
      const settled: Promise<void> = p.then(
        () => void this.pendingDb.delete(settled),
        () => void this.pendingDb.delete(settled),
      );
      this.pendingDb.add(settled);
      return p;
    };
    return {
      engine: db.engine,
      description: db.description,
      query: (sql, params) => track(db.query(sql, params)),
      exec: (sql) => track(db.exec(sql)),
      transaction: (fn) => track(db.transaction(fn)),
      close: () => db.close(),
    };
  }

  /** What has moved so far: any change means work is still running. */
  private fingerprint(): string {
    const u = this.sockets.udpNetwork;
    const t = this.sockets.tcpNetwork;
    const crawls = [this, ...this.linked].map((s) => `${s.events.length}/${s.pendingDb.size}`).join('/');
    return `${u.delivered}/${u.dropped}/${t.connected}/${t.refused}/${t.streamEvents}/${crawls}`;
  }

  /** Database calls of this crawl and the linked ones still waiting for an answer. */
  private pendingCalls(): Promise<unknown>[] {
    return [this, ...this.linked].flatMap((s) => [...s.pendingDb]);
  }

  /** Wait (without spinning) until one pending database call answers; a stuck database fails the test. */
  private async awaitDatabase(pending: Promise<unknown>[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((r) => (timer = setTimeout(() => r('stuck'), SETTLE_DB_WAIT_MS)));
    const first = await Promise.race([...pending, stuck]);
    clearTimeout(timer);
    if (first === 'stuck') throw new Error(`a database call of the simulation did not return within ${SETTLE_DB_WAIT_MS} ms`);
  }

  /**
   * Another crawl in the same world (clock, sockets, test network): settling this simulation
   * also waits for its events and database calls.
   */
  link(other: Simulation): void {
    this.linked.push(other);
  }

  /**
   * Run event-loop turns until nothing moves (no datagram, read, connect, event or database call).
   * Waiting for the database does not count as a turn: a loaded server answers late, not never.
   */
  async settle(): Promise<void> {
    let quiet = 0;
    let last = this.fingerprint();
    let dbWaits = 0;
    for (let turn = 0; turn < SETTLE_MAX_TURNS; ) {
      await new Promise<void>((r) => setImmediate(r));
      const now = this.fingerprint();
      const pending = this.pendingCalls();
      if (now === last && pending.length > 0) {
        if (++dbWaits > SETTLE_MAX_DB_WAITS) throw new Error(`simulation did not settle: ${SETTLE_MAX_DB_WAITS} database answers in one step`);
        await this.awaitDatabase(pending);
        quiet = 0;
        last = this.fingerprint();
        continue;
      }
      turn++;
      if (now === last) {
        if (++quiet >= SETTLE_QUIET_TURNS) return;
      } else {
        quiet = 0;
        last = now;
      }
    }
    throw new Error(`simulation did not settle within ${SETTLE_MAX_TURNS} turns`);
  }

  /** Move time step by step until `task` settles. */
  async whileAdvancing<T>(task: Promise<T>): Promise<T> {
    let done = false;
    const watched = task.finally(() => (done = true));
    await this.settle();
    while (!done) await this.advance(SIM_STEP_MS);
    return watched;
  }

  /** Move simulated time forward by `ms` in steps, settling after each. */
  async advance(ms: number, stepMs = SIM_STEP_MS): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.clock.advance(step);
      left -= step;
      await this.settle();
    }
  }

  /** Advance until `done()` holds or `maxMs` of simulated time passed; returns whether it held. */
  async advanceUntil(done: () => boolean, maxMs: number, stepMs = SIM_STEP_MS): Promise<boolean> {
    let elapsed = 0;
    while (!done()) {
      if (elapsed >= maxMs) return false;
      await this.advance(stepMs, stepMs);
      elapsed += stepMs;
    }
    return true;
  }

  /**
   * Stop the crawl (dials in flight are cut short and recorded) and flush the writer; the test
   * network (if the simulation started it) is closed too. Simulated time keeps moving while the
   * shutdown waits on timers. The database stays open.
   */
  stop(): Promise<WriterStats> {
    this.stopped ??= (async () => {
      // The crawler's shutdown may wait on timers (DISCONNECT flushes): time moves until it is done.
      await this.whileAdvancing(this.run.crawler.stop());
      // The writer's flush waits only on the database; moving time now would run out its close timeout.
      const stats = await this.run.stop();
      if (this.ownsTestnet) await this.whileAdvancing(this.testnet.close());
      return stats;
    })();
    return this.stopped;
  }
}

/** Tables the crawl writes (not partitions, not the migrations and batch bookkeeping). */
const BOOKKEEPING_TABLES = new Set(['schema_migrations', 'applied_batches']);

/**
 * A canonical dump of every table the crawl wrote: rows as JSON (bytea as hex, timestamps as
 * ISO strings, bigints as decimal), sorted, per table. Two runs with the same seed compare equal.
 */
export async function canonicalDump(db: Queryable): Promise<Record<string, string[]>> {
  const tables = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  );
  const out: Record<string, string[]> = {};
  for (const { relname } of tables) {
    if (BOOKKEEPING_TABLES.has(relname)) continue;
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM "${relname}"`);
    out[relname] = rows.map((r) => JSON.stringify(r, canonicalValue)).sort();
  }
  return out;
}

function canonicalValue(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return `\\x${bytesToHex(value)}`;
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return `\\x${bytesToHex(Uint8Array.from((value as { data: number[] }).data))}`;
  }
  return value;
}

/** A short digest of a dump (for messages). */
export function dumpDigest(dump: Record<string, string[]>): string {
  return bytesToHex(keccak256(new TextEncoder().encode(JSON.stringify(dump)))).slice(0, 16);
}
