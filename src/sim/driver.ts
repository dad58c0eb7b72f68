/**
 * A model-level crawl: the simulated network (population.ts, tables.ts) against the crawler's REAL
 * dial policy — one DialScheduler per instance (each node owned by one instance, chosen by node ID,
 * as src/crawler/crawler.ts does), one process-wide SocketBudget, the SharedCrawlState sighting
 * window — emitting the real CrawlerEvent union, so the batched writer and every report work on
 * the result. Time is a SimClock driven by its event queue; promise continuations (the scheduler's
 * dial completions) settle between timer firings. Everything is deterministic from the seed.
 */
import { Prng } from '../analysis/prng.js';
import { keccak256 } from '../crypto/index.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { CrawlerEvent } from '../events.js';
import { RequestAbortedError } from '../net/request.js';
import { DialScheduler, type ScheduledDialKind } from '../crawler/scheduler.js';
import type { DialVerdict } from '../events.js';
import { SocketBudget } from '../crawler/socket-budget.js';
import { SharedCrawlState } from '../crawler/instance.js';
import { SIGHTING_WINDOW_MS } from '../crawler/crawler.js';
import { bytesToHex } from '../util/bytes.js';
import { VERSION } from '../version.js';
import { SimClock } from './clock.js';
import { SimDiscovery, SimInstance, zeroCounters } from './discovery.js';
import { simulateDial } from './dialer.js';
import { HOUR_MS, checkSimOptions, type SimOptions } from './options.js';
import { Population, type SimNode } from './population.js';
import { SimTables } from './tables.js';

/** Coverage is sampled (and the sink given a chance to catch up) this often. */
export const SAMPLE_MS = 10 * 60_000;

/** A node's scheduler entry is refreshed at most this often (store/writer.ts lastSeenRefreshMs: 1 min). */
export const LEARN_REFRESH_MS = 60_000;

/** One sample of the crawl against the truth. */
export interface CoverageRow {
  /** Simulated hours since the start. */
  hour: number;
  at: number;
  /** Truth: nodes online now, and those of them a dial can reach (not behind NAT). */
  online: number;
  reachable: number;
  /** Online nodes the crawl has learned from discovery (ever). */
  discovered: number;
  /** Reachable online nodes with a successful dial (HELLO / TOO_MANY_PEERS) in the last hour. */
  dialedOk: number;
  /** dialedOk / reachable, in %. */
  coverage: number;
  /** Dials started since the previous row (dynamic + static). */
  dials: number;
  /** The static (redial) set, and those of it that are offline or gone now (stale). */
  staticNodes: number;
  stale: number;
  /** Static nodes expired so far (--expire-after). */
  expired: number;
}

export interface SimResult {
  rows: CoverageRow[];
  churn: Population['churn'];
  totals: { dials: { dynamic: number; static: number }; succeeded: number; lookups: number; enumerations: number; events: number; nodes: number };
}

export interface SimHooks {
  /** Every event, in order (e.g. the writer). */
  sink?: (event: CrawlerEvent) => void;
  /** After every SAMPLE_MS of simulated time (e.g. await writer.flush() for back-pressure). */
  checkpoint?: () => Promise<void>;
  /** Every hourly row as it is taken. */
  onRow?: (row: CoverageRow) => void;
}

export class SimCrawl {
  readonly clock: SimClock;
  readonly population: Population;
  readonly tables: SimTables;
  readonly discovery: SimDiscovery;
  readonly instances: SimInstance[] = [];
  readonly schedulers: DialScheduler[] = [];
  private readonly shared: SharedCrawlState;
  private readonly budget: SocketBudget;
  private readonly dialPrng: Prng;
  private readonly ofRecord = new Map<NodeRecord, SimNode>();
  private readonly o: SimOptions;
  private readonly hooks: SimHooks;
  private events = 0;
  private lastDials = 0;

  constructor(options: SimOptions, hooks: SimHooks = {}) {
    checkSimOptions(options);
    this.o = options;
    this.hooks = hooks;
    this.clock = new SimClock(options.start);
    this.population = new Population(this.clock, options);
    this.tables = new SimTables(this.population.nodes, new Prng(BigInt(options.seed) * 4n + 4n));
    this.population.onJoin = (node) => {
      this.tables.add(node);
      this.ofRecord.set(node.record, node);
    };
    this.discovery = new SimDiscovery(this.tables, this.population.nodes, options.discovery, { learn: (inst, node) => this.learn(inst, node, 'neighbors') }, options.seed);
    this.shared = new SharedCrawlState(options.redialIntervalMs, SIGHTING_WINDOW_MS);
    this.budget = new SocketBudget(options.maxSockets);
    this.dialPrng = new Prng(BigInt(options.seed) * 4n + 5n);
    const idPrng = new Prng(BigInt(options.seed) * 4n + 6n);
    for (let i = 0; i < options.instances; i++) {
      const pub = idPrng.fillBytes(new Uint8Array(64));
      const id = keccak256(pub);
      this.instances.push(new SimInstance(i, id, pub, bytesToHex(id), bytesToHex(pub)));
      this.schedulers.push(
        new DialScheduler({
          clock: this.clock,
          budget: this.budget,
          maxDials: options.maxDials,
          redialIntervalMs: options.redialIntervalMs,
          expireAfterMs: options.expireAfterMs,
          dial: (node, kind, signal) => this.dial(i, node, kind, signal),
          onExpire: (node, at) => this.emit({ type: 'node_expired', nodeId: bytesToHex(node.id), at }),
        }),
      );
    }
  }

  private emit(event: CrawlerEvent): void {
    this.events++;
    this.hooks.sink?.(event);
  }

  /** The instance that dials `node` (src/crawler/crawler.ts: by the node ID's first byte). */
  private owner(node: SimNode): DialScheduler {
    return this.schedulers[node.record.id[0]! % this.schedulers.length]!;
  }

  private learn(inst: SimInstance, node: SimNode, source: 'neighbors' | 'bootnode'): void {
    node.discovered = true;
    const now = this.clock.now();
    if (this.shared.shouldReportSighting(node.record, node.idHex, now, source)) {
      const r = node.record;
      this.emit({ type: 'node_seen', instance: inst.idHex, nodeId: node.idHex, publicKey: node.pubHex, ip: r.ip, udpPort: r.udpPort, tcpPort: r.tcpPort, source, at: now });
    }
    // The scheduler only needs "seen" for expiry (hours): one refresh a minute, as the writer's
    // last_seen, spares millions of redundant calls when every instance enumerates every table.
    if (now - node.lastLearnAt >= LEARN_REFRESH_MS) {
      node.lastLearnAt = now;
      this.owner(node).learn(node.record);
    }
  }

  private dial(i: number, record: NodeRecord, kind: ScheduledDialKind, signal: AbortSignal): Promise<DialVerdict> {
    const node = this.ofRecord.get(record);
    if (!node) return Promise.resolve('failed');
    const { durationMs, verdict, event } = simulateDial(this.population, this.dialPrng, this.instances[i]!.idHex, node, kind, this.clock.now());
    return new Promise<DialVerdict>((resolve, reject) => {
      const onAbort = () => {
        this.clock.clearTimer(timer);
        reject(new RequestAbortedError('simulated dial', { cause: signal.reason }));
      };
      const timer = this.clock.setTimer(durationMs, () => {
        signal.removeEventListener('abort', onAbort);
        if (verdict !== 'failed') node.lastOkAt = this.clock.now();
        this.emit(event);
        resolve(verdict);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Run the whole simulation. */
  async run(): Promise<SimResult> {
    const o = this.o;
    const start = o.start;
    this.population.populate();
    for (const inst of this.instances) {
      this.emit({ type: 'instance_started', instance: inst.idHex, publicKey: inst.pubHex, host: '127.0.0.1', udpPort: 30303 + inst.index, tcpPort: 30303 + inst.index, network: 'mainnet', codeVersion: `${VERSION}+sim`, at: start });
    }
    for (const s of this.schedulers) s.start();
    // Bootnodes: the first online nodes of the population, known to every instance.
    const boot = this.population.nodes.filter((n) => n.online).slice(0, o.bootnodes);
    for (const inst of this.instances) {
      for (const b of boot) {
        inst.addToTable(b);
        inst.markLearned(b, this.discovery.enumerates);
        this.learn(inst, b, 'bootnode');
      }
      // Ticks staggered over one interval so instances do not move in lockstep.
      const tick = () => {
        this.discovery.tick(inst, this.clock.now());
        this.clock.setTimer(o.lookupIntervalMs, tick);
      };
      this.clock.setTimer(Math.floor((inst.index * o.lookupIntervalMs) / this.instances.length), tick);
    }
    this.armCounters();

    const rows: CoverageRow[] = [];
    const end = start + o.hours * HOUR_MS;
    for (let t = start + SAMPLE_MS; ; t = Math.min(end, t + SAMPLE_MS)) {
      await this.runUntil(t);
      if ((t - start) % HOUR_MS === 0 || t === end) {
        const row = this.sample((t - start) / HOUR_MS);
        rows.push(row);
        this.hooks.onRow?.(row);
      }
      if (this.hooks.checkpoint) await this.hooks.checkpoint();
      if (t >= end) break;
    }
    for (const s of this.schedulers) await s.stop();
    for (const inst of this.instances) this.emit({ type: 'instance_stopped', instance: inst.idHex, at: end });
    let succeeded = 0;
    const dials = { dynamic: 0, static: 0 };
    for (const s of this.schedulers) {
      const st = s.stats();
      dials.dynamic += st.dialed.dynamic;
      dials.static += st.dialed.static;
      succeeded += st.succeeded.dynamic + st.succeeded.static;
    }
    return {
      rows,
      churn: { ...this.population.churn },
      totals: { dials, succeeded, lookups: this.discovery.lookups, enumerations: this.discovery.enumerations, events: this.events, nodes: this.population.nodes.length },
    };
  }

  /** Fire every timer due up to `t`, letting promise continuations settle after each. */
  private async runUntil(t: number): Promise<void> {
    while (this.clock.fireNext(t)) await new Promise<void>((resolve) => setImmediate(resolve));
    this.clock.moveTo(t);
  }

  /** discovery_counters once per simulated minute of activity would be ~1 440 rows a day per instance: hourly is enough here. */
  private armCounters(): void {
    const flush = () => {
      const minute = this.clock.now() - 60_000;
      for (const inst of this.instances) {
        const c = inst.counters;
        inst.counters = zeroCounters();
        this.emit({
          type: 'discovery_counters',
          instance: inst.idHex,
          minute: minute - (minute % 60_000),
          findnodeSent: c.findnodeSent,
          neighborsReceived: c.neighborsReceived,
          nodesLearned: c.nodesLearned,
          newNodes: c.newNodes,
          pingsSent: 0,
          pongsReceived: 0,
          pingsReceived: 0,
          findnodeReceived: 0,
          tableSize: inst.tableSize,
        });
      }
      this.clock.setTimer(HOUR_MS, flush);
    };
    this.clock.setTimer(HOUR_MS, flush);
  }

  private sample(hour: number): CoverageRow {
    const now = this.clock.now();
    let online = 0;
    let reachable = 0;
    let discovered = 0;
    let dialedOk = 0;
    for (const n of this.population.nodes) {
      if (!n.online) continue;
      online++;
      if (n.discovered) discovered++;
      if (n.reach === 'unreachable') continue;
      reachable++;
      if (n.lastOkAt > now - HOUR_MS) dialedOk++;
    }
    let staticNodes = 0;
    let stale = 0;
    let expired = 0;
    let dials = 0;
    for (const s of this.schedulers) {
      const st = s.stats();
      staticNodes += st.static;
      expired += st.expired;
      dials += st.dialed.dynamic + st.dialed.static;
      for (const d of s.staticNodes()) if (!this.ofRecord.get(d.node)?.online) stale++;
    }
    const row: CoverageRow = {
      hour,
      at: now,
      online,
      reachable,
      discovered,
      dialedOk,
      coverage: reachable === 0 ? 0 : Math.round((1000 * dialedOk) / reachable) / 10,
      dials: dials - this.lastDials,
      staticNodes,
      stale,
      expired,
    };
    this.lastDials = dials;
    return row;
  }
}
