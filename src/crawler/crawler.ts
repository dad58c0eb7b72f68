/**
 * A crawl: N instances in one process (ports port..port+N-1) sharing one socket budget, one
 * process-wide dial memory and one batched writer. With a database it rebuilds the static set
 * from it at start (even after kill -9), coordinates redials with other processes and hosts
 * through lease rows, and periodically expires nodes not seen for --expire-after.
 */
import { hostname } from 'node:os';
import type { NodeFinderError } from '../errors.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { NetworkDefinition } from '../eth/networks.js';
import type { Clock } from '../net/clock.js';
import type { Netrestrict } from '../net/netrestrict.js';
import type { Database } from '../store/database.js';
import { expireNodes, loadStaticSet } from '../store/queries.js';
import { claimRedialNodes } from '../store/leases.js';
import { hexToBytes, bytesToHex } from '../util/bytes.js';
import { CrawlerInstance, SharedCrawlState } from './instance.js';
import type { StaticSeed } from './scheduler.js';
import { SocketBudget } from './socket-budget.js';
import type { ProbeTimeouts } from './probe.js';
import { CrawlStats } from './stats.js';
import type { CrawlerEvent } from '../events.js';
import type { EnrSeqStore } from './keys.js';
import type { ForkId } from '../eth/fork-id.js';
import type { Enr } from '../enode/enr.js';

/** How often the database-side expiry runs. */
export const EXPIRY_SWEEP_MS = 10 * 60_000;
/** Sightings of an unchanged address are recorded at most this often per node. */
export const SIGHTING_WINDOW_MS = 10 * 60_000;

export interface CrawlOptions {
  clock: Clock;
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
  /** With a database: static set at start, redial leases, expiry sweeps. */
  db?: Database;
  exemptLan?: boolean;
  probeTimeouts?: Partial<ProbeTimeouts>;
  discoveryTimeoutMs?: number;
  refreshIntervalMs?: number;
  /** Random lookups feeding each instance's dialer (default on; src/crawler/instance.ts). */
  feedLookups?: boolean;
  /** Discovery v5 beside v4 on each instance's UDP port (default on; src/crawler/discovery-v5.ts). */
  discv5?: boolean;
  checkDaoFork?: boolean;
  /** Per instance, where its record's seq is kept (crawl: beside the keys). */
  enrSeqStores?: readonly EnrSeqStore[];
  /** Our records' "eth" entry: default the network's current fork ID; null omits it (tests). */
  enrForkId?: ForkId | null;
  /** An instance signed a new record (its IP was learned, a fork passed). */
  onEnrChange?: (instance: number, enr: Enr) => void;
  onError?: (err: NodeFinderError) => void;
}

export class Crawler {
  readonly stats = new CrawlStats();
  readonly instances: CrawlerInstance[] = [];
  readonly budget: SocketBudget;
  readonly shared: SharedCrawlState;
  private readonly o: CrawlOptions;
  private readonly holder: string;
  private sweepTimer: ReturnType<Clock['setTimer']> | undefined;
  private stopping: Promise<void> | undefined;
  /** Static nodes loaded from the database at start. */
  restoredStatic = 0;

  constructor(options: CrawlOptions) {
    if (options.privateKeys.length !== options.instances) throw new RangeError('one private key per instance');
    this.o = options;
    this.budget = new SocketBudget(options.maxSockets);
    this.shared = new SharedCrawlState(options.redialIntervalMs, SIGHTING_WINDOW_MS);
    this.holder = `${hostname()}/${process.pid}`;
  }

  private emit = (event: CrawlerEvent): void => {
    this.stats.consume(event);
    for (const sink of this.o.sinks) sink(event);
  };

  async start(): Promise<void> {
    const o = this.o;
    const seeds = o.db ? await this.loadSeeds(o.db) : [];
    this.restoredStatic = seeds.length;
    // Each static node is seeded into one instance (by node ID), so memory does not grow with N.
    const perInstance: StaticSeed[][] = Array.from({ length: o.instances }, () => []);
    for (const s of seeds) perInstance[s.node.id[0]! % o.instances]!.push(s);

    // One scheduler per node in the process, chosen by node ID as for the static seeds: each node
    // is dialed and redialed by one identity, and dial state does not grow with the instances.
    const all: CrawlerInstance[] = [];
    const owner = (node: NodeRecord) => all[node.id[0]! % o.instances]!.dialScheduler;
    for (let i = 0; i < o.instances; i++) {
      all.push(new CrawlerInstance({
        index: i,
        privateKey: o.privateKeys[i]!,
        clock: o.clock,
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
        ...(o.db ? { claim: this.claimFor(o.db) } : {}),
        ...(o.exemptLan !== undefined ? { exemptLan: o.exemptLan } : {}),
        ...(o.probeTimeouts ? { probeTimeouts: o.probeTimeouts } : {}),
        ...(o.discoveryTimeoutMs ? { discoveryTimeoutMs: o.discoveryTimeoutMs } : {}),
        ...(o.refreshIntervalMs ? { refreshIntervalMs: o.refreshIntervalMs } : {}),
        ...(o.feedLookups !== undefined ? { feedLookups: o.feedLookups } : {}),
        ...(o.discv5 !== undefined ? { discv5: o.discv5 } : {}),
        ...(o.checkDaoFork ? { checkDaoFork: true } : {}),
        ...(o.enrSeqStores?.[i] ? { enrSeqStore: o.enrSeqStores[i] } : {}),
        ...(o.enrForkId !== undefined ? { enrForkId: o.enrForkId } : {}),
        ...(o.onEnrChange ? { onEnrChange: (enr: Enr) => o.onEnrChange!(i, enr) } : {}),
        ...(o.onError ? { onError: o.onError } : {}),
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
    this.armSweep(o.db);
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

  private async loadSeeds(db: Database): Promise<StaticSeed[]> {
    const now = this.o.clock.now();
    const rows = await loadStaticSet(db, { now, expireAfterMs: this.o.expireAfterMs });
    const seeds: StaticSeed[] = [];
    for (const r of rows) {
      if (!r.publicKey || !r.ip || r.tcpPort === 0 || !this.o.netrestrict.allows(r.ip)) continue;
      const last = Math.max(r.lastHelloAt ?? 0, r.lastTooManyPeersAt ?? 0);
      seeds.push({
        node: { id: hexToBytes(r.nodeId), publicKey: hexToBytes(r.publicKey), ip: r.ip, udpPort: r.udpPort, tcpPort: r.tcpPort },
        lastDial: last > 0 ? last : null,
        lastSeen: r.lastSeen ?? now,
      });
    }
    return seeds;
  }

  private claimFor(db: Database) {
    return async (due: readonly NodeRecord[]): Promise<readonly NodeRecord[]> => {
      const granted = await claimRedialNodes(
        db,
        this.holder,
        due.map((n) => bytesToHex(n.id)),
        this.o.clock.now(),
        this.o.redialIntervalMs,
      );
      return due.filter((n) => granted.has(bytesToHex(n.id)));
    };
  }

  /** Prune the process-wide maps and, with a database, expire nodes there (both every EXPIRY_SWEEP_MS). */
  private armSweep(db: Database | undefined): void {
    this.sweepTimer = this.o.clock.setTimer(EXPIRY_SWEEP_MS, () => {
      const now = this.o.clock.now();
      this.shared.prune(now, this.o.expireAfterMs);
      for (const i of this.instances) i.prune(now);
      const rearm = () => {
        if (!this.stopping) this.armSweep(db);
      };
      if (!db) return rearm();
      expireNodes(db, now, this.o.expireAfterMs)
        .catch((err: NodeFinderError) => this.o.onError?.(err))
        .finally(rearm);
    });
  }
}
