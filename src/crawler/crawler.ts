/**
 * A crawl: N instances in one process (ports port..port+N-1) sharing one socket budget, one
 * process-wide dial memory and one event sink list. With a CrawlStateStore (the database, through
 * src/run/crawl-state.ts) it rebuilds the static set at start (even after kill -9), coordinates
 * redials with other processes and hosts through leases, and periodically expires nodes not seen
 * for --expire-after. Sockets come from the injected SocketFactory and time from the Clock, so the
 * same code runs on Node's sockets and in a deterministic simulation (test/sim).
 */
import type { NodeFinderError } from '../errors.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { NetworkDefinition } from '../eth/networks.js';
import type { Clock } from '../net/clock.js';
import type { Netrestrict } from '../net/netrestrict.js';
import type { SocketFactory } from '../net/transport.js';
import { bytesToHex } from '../util/bytes.js';
import { CrawlerInstance } from './instance.js';
import { SharedCrawlState } from './shared-state.js';
import type { CrawlStateStore } from './state-store.js';
import type { StaticSeed } from './scheduler.js';
import { SocketBudget } from './socket-budget.js';
import type { ProbeTimeouts } from './probe.js';
import { CrawlStats } from './stats.js';
import type { CrawlerEvent } from '../events.js';
import type { EnrSeqStore } from './keys.js';
import type { ForkId } from '../eth/fork-id.js';
import type { Enr } from '../enode/enr.js';
import type { DiscoveryMode, EnumerationLimits } from './enumerate.js';
import { V4TargetPool } from './enumerate-v4.js';

/** How often the database-side expiry runs. */
export const EXPIRY_SWEEP_MS = 10 * 60_000;
/** Sightings of an unchanged address are recorded at most this often per node. */
export const SIGHTING_WINDOW_MS = 10 * 60_000;

export interface CrawlOptions {
  clock: Clock;
  /** Where sockets come from: src/net/node-sockets.ts, or an in-memory network in simulations. */
  sockets: SocketFactory;
  network: NetworkDefinition;
  bootnodes: readonly NodeRecord[];
  instances: number;
  listenHost: string;
  port: number;
  externalIp?: string;
  netrestrict: Netrestrict;
  maxDials: number;
  redialIntervalMs: number;
  expireAfterMs: number;
  /** Process-wide cap on open dial sockets (file descriptors). */
  maxSockets: number;
  privateKeys: readonly Uint8Array[];
  clientId: string;
  codeVersion: string;
  /** Where events go (the writer, metrics…); the crawl's own stats consume them too. */
  sinks: ((event: CrawlerEvent) => void)[];
  /** Persistent state: static set at start, redial leases, expiry sweeps (src/run/crawl-state.ts). */
  store?: CrawlStateStore;
  exemptLan?: boolean;
  probeTimeouts?: Partial<ProbeTimeouts>;
  discoveryTimeoutMs?: number;
  refreshIntervalMs?: number;
  /** Random lookups feeding each instance's dialer (default on; src/crawler/instance.ts). */
  feedLookups?: boolean;
  /** Discovery v5 beside v4 on each instance's UDP port (default on; src/crawler/discovery-v5.ts). */
  discv5?: boolean;
  /** Lookups, routing-table enumeration or both (default; `crawl --discovery`). */
  discovery?: DiscoveryMode;
  enumeration?: Partial<EnumerationLimits>;
  checkDaoFork?: boolean;
  /** Per instance, where its record's seq is kept (crawl: beside the keys). */
  enrSeqStores?: readonly EnrSeqStore[];
  /** Our records' "eth" entry: default the network's current fork ID; null omits it (tests). */
  enrForkId?: ForkId | null;
  /** An instance signed a new record (its IP was learned, a fork passed). */
  onEnrChange?: (instance: number, enr: Enr) => void;
  onError?: (err: NodeFinderError) => void;
  /** Uniform [0, 1) for routing tables (default Math.random; seeded in simulations). */
  random?: () => number;
  /** 64-byte random lookup targets (default the CSPRNG; seeded in simulations). */
  randomTarget?: () => Uint8Array;
  /** DialEvent IDs (default random UUIDs; seeded in simulations). */
  newDialId?: () => string;
}

export class Crawler {
  readonly stats = new CrawlStats();
  readonly instances: CrawlerInstance[] = [];
  readonly budget: SocketBudget;
  readonly shared: SharedCrawlState;
  private readonly o: CrawlOptions;
  private sweepTimer: ReturnType<Clock['setTimer']> | undefined;
  private stopping: Promise<void> | undefined;
  /** Static nodes loaded from the database at start. */
  restoredStatic = 0;

  constructor(options: CrawlOptions) {
    if (options.privateKeys.length !== options.instances) throw new RangeError('one private key per instance');
    this.o = options;
    this.budget = new SocketBudget(options.maxSockets);
    this.shared = new SharedCrawlState(options.redialIntervalMs, SIGHTING_WINDOW_MS);
  }

  private emit = (event: CrawlerEvent): void => {
    this.stats.consume(event);
    for (const sink of this.o.sinks) sink(event);
  };

  async start(): Promise<void> {
    const o = this.o;
    const seeds = o.store ? await this.loadSeeds(o.store) : [];
    this.restoredStatic = seeds.length;
    // Each static node is seeded into one instance (by node ID), so memory does not grow with N.
    const perInstance: StaticSeed[][] = Array.from({ length: o.instances }, () => []);
    for (const s of seeds) perInstance[s.node.id[0]! % o.instances]!.push(s);

    // One scheduler per node in the process, chosen by node ID as for the static seeds: each node
    // is dialed and redialed by one identity, and dial state does not grow with the instances.
    const all: CrawlerInstance[] = [];
    const owner = (node: NodeRecord) => all[node.id[0]! % o.instances]!.dialScheduler;
    // Any identity reads the same table: each node is enumerated by its dial owner only.
    const v4Targets = new V4TargetPool();
    for (let i = 0; i < o.instances; i++) {
      all.push(new CrawlerInstance({
        index: i,
        privateKey: o.privateKeys[i]!,
        clock: o.clock,
        sockets: o.sockets,
        network: o.network,
        listenHost: o.listenHost,
        port: o.port + i,
        ...(o.externalIp ? { externalIp: o.externalIp } : {}),
        // Nothing outside --netrestrict is ever contacted, bootnodes included.
        bootnodes: o.bootnodes.filter((b) => o.netrestrict.allows(b.ip)),
        netrestrict: o.netrestrict,
        budget: this.budget,
        shared: this.shared,
        emit: this.emit,
        clientId: o.clientId,
        codeVersion: o.codeVersion,
        maxDials: o.maxDials,
        redialIntervalMs: o.redialIntervalMs,
        expireAfterMs: o.expireAfterMs,
        staticSeed: perInstance[i]!,
        owner,
        ...(o.store ? { claim: this.claimFor(o.store) } : {}),
        ...(o.exemptLan !== undefined ? { exemptLan: o.exemptLan } : {}),
        ...(o.probeTimeouts ? { probeTimeouts: o.probeTimeouts } : {}),
        ...(o.discoveryTimeoutMs ? { discoveryTimeoutMs: o.discoveryTimeoutMs } : {}),
        ...(o.refreshIntervalMs ? { refreshIntervalMs: o.refreshIntervalMs } : {}),
        ...(o.feedLookups !== undefined ? { feedLookups: o.feedLookups } : {}),
        ...(o.discv5 !== undefined ? { discv5: o.discv5 } : {}),
        ...(o.discovery ? { discovery: o.discovery } : {}),
        ...(o.enumeration ? { enumeration: o.enumeration } : {}),
        enumerates: (node: NodeRecord) => node.id[0]! % o.instances === i,
        v4Targets,
        ...(o.checkDaoFork ? { checkDaoFork: true } : {}),
        ...(o.enrSeqStores?.[i] ? { enrSeqStore: o.enrSeqStores[i] } : {}),
        ...(o.enrForkId !== undefined ? { enrForkId: o.enrForkId } : {}),
        ...(o.onEnrChange ? { onEnrChange: (enr: Enr) => o.onEnrChange!(i, enr) } : {}),
        ...(o.onError ? { onError: o.onError } : {}),
        ...(o.random ? { random: o.random } : {}),
        ...(o.randomTarget ? { randomTarget: o.randomTarget } : {}),
        ...(o.newDialId ? { newDialId: o.newDialId } : {}),
      }));
    }
    for (const instance of all) {
      try {
        await instance.start();
      } catch (err) {
        await Promise.allSettled(this.instances.map((x) => x.stop()));
        throw err;
      }
      this.instances.push(instance);
    }
    this.armSweep(o.store);
  }

  /**
   * Nodes from DNS trees (src/dnsdisc): every instance tables them, the owner by node ID dials
   * them, and the verified record is stored once (its ENR, as an ENR reply would be).
   */
  learnFromDns(records: readonly { node: NodeRecord; seq: bigint; raw: Uint8Array }[]): void {
    if (this.instances.length === 0 || this.stopping) return;
    for (const r of records) {
      for (const instance of this.instances) instance.learnExternal(r.node, 'dns');
      const owner = this.instances[r.node.id[0]! % this.instances.length]!;
      if (!this.o.netrestrict.allows(r.node.ip)) continue;
      this.emit({ type: 'enr', instance: owner.idHex, nodeId: bytesToHex(r.node.id), seq: r.seq, raw: bytesToHex(r.raw), at: this.o.clock.now() });
    }
  }

  /** Stop every instance (dials in flight are cut short and recorded). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.sweepTimer !== undefined) this.o.clock.clearTimer(this.sweepTimer);
      await Promise.allSettled(this.instances.map((i) => i.stop()));
    })();
    return this.stopping;
  }

  /** Dials in flight across instances. */
  inFlight(): number {
    let n = 0;
    for (const i of this.instances) n += i.schedulerStats()?.inFlight.total ?? 0;
    return n;
  }

  queued(): number {
    let n = 0;
    for (const i of this.instances) {
      const s = i.schedulerStats();
      n += (s?.queued ?? 0) + (s?.ready ?? 0);
    }
    return n;
  }

  staticNodes(): number {
    let n = 0;
    for (const i of this.instances) n += i.schedulerStats()?.static ?? 0;
    return n;
  }

  private async loadSeeds(store: CrawlStateStore): Promise<StaticSeed[]> {
    const seeds = await store.loadStaticSet(this.o.clock.now(), this.o.expireAfterMs);
    return seeds.filter((s) => s.node.tcpPort > 0 && this.o.netrestrict.allows(s.node.ip));
  }

  private claimFor(store: CrawlStateStore) {
    return async (due: readonly NodeRecord[]): Promise<readonly NodeRecord[]> => {
      const granted = await store.claimRedials(
        due.map((n) => bytesToHex(n.id)),
        this.o.clock.now(),
        this.o.redialIntervalMs,
      );
      return due.filter((n) => granted.has(bytesToHex(n.id)));
    };
  }

  /** Prune the process-wide maps and, with a store, expire nodes there (both every EXPIRY_SWEEP_MS). */
  private armSweep(store: CrawlStateStore | undefined): void {
    this.sweepTimer = this.o.clock.setTimer(EXPIRY_SWEEP_MS, () => {
      const now = this.o.clock.now();
      this.shared.prune(now, this.o.expireAfterMs);
      for (const i of this.instances) i.prune(now);
      const rearm = () => {
        if (!this.stopping) this.armSweep(store);
      };
      if (!store) return rearm();
      store
        .expireNodes(now, this.o.expireAfterMs)
        .catch((err: NodeFinderError) => this.o.onError?.(err))
        .finally(rearm);
    });
  }
}
