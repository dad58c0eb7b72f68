/**
 * One NodeFinder instance: a node identity with its own UDP+TCP port — a discv4 node (endpoint,
 * k-bucket table, refresh lookups), a dialer (dynamic + static redials via DialScheduler) and an
 * RLPx listener that accepts every inbound peer. It yields CrawlerEvents through `emit` and never
 * stores anything itself. Every instance hears, tables and sights the nodes it learns; their dial
 * state goes to one owner instance of the process (InstanceOptions.owner, chosen by the Crawler).
 */
import { setMaxListeners } from 'node:events';
import type { NodeFinderError } from '../errors.js';
import { publicKeyFromPrivate } from '../crypto/index.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';
import { Discv4Endpoint, type Discv4Counters } from '../discv4/endpoint.js';
import { Table } from '../discv4/table.js';
import { Refresher, lookup, randomLookupTarget, type FindNodeFn } from '../discv4/lookup.js';
import type { Clock } from '../net/clock.js';
import type { Netrestrict } from '../net/netrestrict.js';
import type { SocketFactory, TcpDialer, TcpListener } from '../net/transport.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { DialScheduler, type ClaimFn, type ScheduledDialKind, type StaticSeed } from './scheduler.js';
import type { SocketBudget } from './socket-budget.js';
import { dialVerdict, probeInbound, probeOutbound, withDiscPing, type ProbeConfig, type ProbeTimeouts } from './probe.js';
import type { AddressSource, CrawlerEvent, DialEvent, DialVerdict, DiscoveryProtocol } from '../events.js';
import type { NetworkDefinition } from '../eth/networks.js';
import type { ForkId } from '../eth/fork-id.js';
import type { Enr } from '../enode/enr.js';
import type { EnrSeqStore } from './keys.js';
import { LocalNode } from './local-node.js';
import { Enumerator, type DiscoveryMode, type EnumerationLimits, type EnumerationStats } from './enumerate.js';
import { V4TargetPool, v4EnumerationAdapter } from './enumerate-v4.js';
import { shareTransport } from '../discv5/demux.js';
import { V5Discovery, v5DialTarget, v5Sighting, type V5Counters, type V5Source } from './discovery-v5.js';
import { HeardSet } from './heard-set.js';
import { sleep } from './sleep.js';
import type { SharedCrawlState } from './shared-state.js';
import { DiscoveryCounterReporter } from './discovery-counters.js';

export { COUNTER_INTERVAL_MS } from './discovery-counters.js';
export { SharedCrawlState } from './shared-state.js';

/**
 * Dial feeding: geth's dialer takes its candidates from random lookups run whenever a dynamic dial
 * slot is free (p2p/dial.go over discover's lookup iterator, at most one lookup per second). A
 * NodeFinder instance never has enough peers, so it keeps looking up while its dial queue is empty:
 * at most one lookup per FEED_MIN_INTERVAL_MS, backing off (doubling, up to FEED_MAX_INTERVAL_MS)
 * while lookups teach it no new node. The table's own refresh keeps geth's 30 minutes.
 */
export const FEED_MIN_INTERVAL_MS = 1_000;
export const FEED_MAX_INTERVAL_MS = 30_000;

export interface InstanceOptions {
  index: number;
  privateKey: Uint8Array;
  clock: Clock;
  /** UDP socket, TCP listener and dialer (Node's in a crawl, in-memory ones in simulations). */
  sockets: SocketFactory;
  network: NetworkDefinition;
  /** Address to bind UDP and TCP on. */
  listenHost: string;
  port: number;
  /** IP announced in PING/ENR (default: listenHost unless it is a wildcard). */
  externalIp?: string;
  bootnodes: readonly NodeRecord[];
  netrestrict: Netrestrict;
  budget: SocketBudget;
  shared: SharedCrawlState;
  emit: (event: CrawlerEvent) => void;
  clientId: string;
  codeVersion: string;
  maxDials: number;
  redialIntervalMs: number;
  expireAfterMs: number;
  claim?: ClaimFn;
  staticSeed?: readonly StaticSeed[];
  /**
   * The scheduler that dials `node`: one per node in the process (Crawler routes by node ID), so
   * memory and static redials do not grow with the number of instances. Default: this instance's.
   */
  owner?: (node: NodeRecord) => DialScheduler;
  /** Exempt loopback/LAN from the table's IP limits (local test networks). */
  exemptLan?: boolean;
  probeTimeouts?: Partial<ProbeTimeouts>;
  /** discv4 reply timeout (geth 500 ms). */
  discoveryTimeoutMs?: number;
  /** Refresh-lookup interval (geth 30 min). */
  refreshIntervalMs?: number;
  /** Random lookups that feed the dialer (default on; see FEED_MIN_INTERVAL_MS). */
  feedLookups?: boolean;
  /**
   * Where new nodes come from (`crawl --discovery`, default 'both'): geth-style lookups (table
   * refresh and the dialer-feeding lookups), routing-table enumeration (enumerate.ts), or both.
   */
  discovery?: DiscoveryMode;
  /** Enumeration limits (default DEFAULT_ENUMERATION_LIMITS, exemptLan as the table's). */
  enumeration?: Partial<EnumerationLimits>;
  /** Whether this instance enumerates `node` (the Crawler gives each node one owner). Default: all. */
  enumerates?: (node: NodeRecord) => boolean;
  /** FINDNODE targets per bucket, shared by the process's instances (default: this instance's own). */
  v4Targets?: V4TargetPool;
  checkDaoFork?: boolean;
  /** Where our record's seq is kept (default: in memory, starting from the clock). */
  enrSeqStore?: EnrSeqStore;
  /** Our record's "eth" entry: default the network's current fork ID; null omits it (tests). */
  enrForkId?: ForkId | null;
  /** We signed a new record (after start). */
  onEnrChange?: (enr: Enr) => void;
  /** Run discovery v5 beside v4 on the same UDP port (default true; src/crawler/discovery-v5.ts). */
  discv5?: boolean;
  onError?: (err: NodeFinderError) => void;
  /** Uniform [0, 1) for the routing table (default Math.random; seeded in simulations). */
  random?: () => number;
  /** 64-byte random lookup targets (default: the CSPRNG; seeded in simulations). */
  randomTarget?: () => Uint8Array;
  /** DialEvent IDs (default: random UUIDs; seeded in simulations). */
  newDialId?: () => string;
}

export class CrawlerInstance {
  readonly index: number;
  readonly publicKey: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly idHex: string;
  private readonly o: InstanceOptions;
  private endpoint: Discv4Endpoint | undefined;
  private v5: V5Discovery | undefined;
  private localNode: LocalNode | undefined;
  private table: Table | undefined;
  private refresher: Refresher | undefined;
  private findNode: FindNodeFn | undefined;
  private readonly scheduler: DialScheduler;
  private readonly probeConfig: ProbeConfig;
  /** Node IDs this instance heard of within --expire-after (for the new-nodes counter). */
  private readonly heard = new HeardSet();
  private listener: TcpListener | undefined;
  private counters: DiscoveryCounterReporter | undefined;
  private readonly inbound = new Set<Promise<unknown>>();
  private readonly dials = new Set<Promise<unknown>>();
  /** Nodes heard of outside --netrestrict, ignored. */
  private outsideNetrestrict = 0;
  /** Packets from senders without an endpoint proof, ignored until they answer our PING. */
  private unproven = 0;
  /** Inbound connections closed at once: the socket budget was spent. */
  private inboundShed = 0;
  /** Nodes new to this instance (within --expire-after), all time. */
  private learned = 0;
  private feedLookupCount = 0;
  private feeding: Promise<void> | undefined;
  private enumerator: Enumerator<NodeRecord> | undefined;
  private readonly stopAbort = new AbortController();
  private stopped = false;

  constructor(options: InstanceOptions) {
    // Every inbound connection and discovery PING of a dial in progress listens on this signal.
    setMaxListeners(0, this.stopAbort.signal);
    this.o = options;
    this.index = options.index;
    this.publicKey = publicKeyFromPrivate(options.privateKey);
    this.nodeId = nodeIdFromPublicKey(this.publicKey);
    this.idHex = bytesToHex(this.nodeId);
    const o = options;
    this.probeConfig = {
      clock: o.clock,
      privateKey: o.privateKey,
      publicKey: this.publicKey,
      instance: this.idHex,
      clientId: o.clientId,
      listenPort: o.port,
      network: o.network,
      timeouts: o.probeTimeouts,
      checkDaoFork: o.checkDaoFork,
      ...(o.newDialId ? { newDialId: o.newDialId } : {}),
    };
    const dialer = o.sockets.tcpDialer({ netrestrict: o.netrestrict, clock: o.clock });
    // Built before start() so other instances can route nodes here while this one starts.
    this.scheduler = new DialScheduler({
      clock: o.clock,
      budget: o.budget,
      maxDials: o.maxDials,
      redialIntervalMs: o.redialIntervalMs,
      expireAfterMs: o.expireAfterMs,
      ...(o.claim ? { claim: o.claim } : {}),
      dial: (node, kind, signal) => this.dial(dialer, node, kind, signal),
      onExpire: (node, at) => o.emit({ type: 'node_expired', nodeId: bytesToHex(node.id), at }),
    });
    if (o.staticSeed?.length) this.scheduler.seed(o.staticSeed);
  }

  get udpPort(): number {
    return this.o.port;
  }

  /** Our current signed record (after start). */
  get enr(): Enr | undefined {
    return this.localNode?.enr;
  }

  /** Our enode URL as the record states it (after start). */
  get enode(): string | undefined {
    return this.localNode?.enode;
  }

  get tableSize(): number {
    return this.table?.size ?? 0;
  }

  schedulerStats() {
    return this.scheduler.stats();
  }

  discoveryCounters(): Discv4Counters | undefined {
    return this.endpoint?.counters();
  }

  /** discv5 counters (undefined without discv5). */
  discoveryV5Counters(): V5Counters | undefined {
    return this.v5?.counters();
  }

  /** The discv5 node (after start, unless discv5 is off). */
  get discv5(): V5Discovery | undefined {
    return this.v5;
  }

  /** discv4 requests waiting for replies (bounded: each has a timeout). */
  get pendingDiscovery(): number {
    return this.endpoint?.pendingCount ?? 0;
  }

  /** Nodes heard of outside --netrestrict and ignored. */
  get ignoredOutsideNetrestrict(): number {
    return this.outsideNetrestrict;
  }

  /** Packets from senders without an endpoint proof, ignored. */
  get ignoredUnproven(): number {
    return this.unproven;
  }

  /**
   * Take `node` as discovery takes a NEIGHBORS entry: table, dial queue, sighting (--netrestrict
   * applies). Benchmarks and tests feed instances this way.
   */
  hear(node: NodeRecord): void {
    this.onNodeSeen(node, 'neighbors');
  }

  /** Random lookups run to feed the dialer. */
  get feedLookups(): number {
    return this.feedLookupCount;
  }

  /** Routing-table enumeration counters (undefined with --discovery lookups). */
  enumerationStats(): EnumerationStats | undefined {
    return this.enumerator?.stats();
  }

  /** Inbound connections closed at once because the socket budget was spent. */
  get inboundRefused(): number {
    return this.inboundShed;
  }

  /** Inbound connections being probed now. */
  get inboundInFlight(): number {
    return this.inbound.size;
  }

  /** The routing table and dial scheduler once started (benchmarks and tests fill and inspect them). */
  get routingTable(): Table | undefined {
    return this.table;
  }

  get dialScheduler(): DialScheduler {
    return this.scheduler;
  }

  /** Forget heard-of node IDs older than --expire-after (the Crawler's sweep calls this). */
  prune(now: number): void {
    this.heard.prune(now, this.o.expireAfterMs);
    this.enumerator?.prune();
  }

  async start(): Promise<void> {
    const o = this.o;
    const clock = o.clock;
    const socket = await o.sockets.udp({
      host: o.listenHost,
      port: o.port,
      netrestrict: o.netrestrict,
      onError: (err) => o.onError?.(err),
    });
    try {
      this.listener = await o.sockets.tcpListen({ host: o.listenHost, port: o.port, netrestrict: o.netrestrict });
    } catch (err) {
      await socket.close();
      throw err;
    }
    // One UDP port for both discovery protocols (demux.ts): v4 packets by their hash, the rest to v5.
    const ports = o.discv5 === false ? undefined : shareTransport(socket);
    const transport = ports?.v4 ?? socket;
    const wildcard = o.listenHost === '0.0.0.0' || o.listenHost === '::';
    const advertisedIp = o.externalIp ?? (wildcard ? undefined : o.listenHost);
    const localNode = new LocalNode({
      privateKey: o.privateKey,
      clock,
      network: o.network,
      udpPort: o.port,
      tcpPort: o.port,
      ...(o.externalIp ? { staticIp: o.externalIp } : {}),
      ...(wildcard ? {} : { fallbackIp: o.listenHost }),
      ...(o.enrSeqStore ? { seqStore: o.enrSeqStore } : {}),
      ...(o.enrForkId !== undefined ? { forkId: o.enrForkId } : {}),
      // discv5 reads the record through localEnr() on every packet.
      onChange: (enr) => {
        this.endpoint?.setEnr(enr);
        o.onEnrChange?.(enr);
      },
      onError: (err) => o.onError?.(err),
    });
    try {
      await localNode.start();
    } catch (err) {
      await Promise.allSettled([transport.close(), ports?.v5.close(), this.listener.close()]);
      throw err;
    }
    this.localNode = localNode;

    const table = new Table({
      selfId: this.nodeId,
      clock,
      exemptLan: o.exemptLan ?? true,
      ...(o.random ? { random: o.random } : {}),
      ping: (node, signal) => this.endpoint!.ping(node, { signal }),
    });
    this.table = table;
    const endpoint = new Discv4Endpoint({
      privateKey: o.privateKey,
      transport,
      clock,
      tcpPort: o.port,
      ...(advertisedIp ? { advertisedIp } : {}),
      enr: localNode.enr,
      // Only entries that answered our PING: never relay hearsay (stricter than geth's preferLive,
      // which falls back to unverified entries when it has no live one).
      closest: (target, n) => table.closest(target, n, 'live'),
      onNodeSeen: (node, source) => this.onNodeSeen(node, source),
      onEndpointStatement: (from, to) => localNode.endpointStatement(from, to),
      onContact: (to) => localNode.contact(to),
      ...(o.discoveryTimeoutMs ? { responseTimeoutMs: o.discoveryTimeoutMs } : {}),
      onRebond: (node, answered) => {
        if (this.stopped) return;
        o.emit({ type: 'findnode_rebond', instance: this.idHex, nodeId: bytesToHex(node.id), answered, at: clock.now() });
      },
    });
    this.endpoint = endpoint;
    if (ports) {
      this.v5 = new V5Discovery({
        transport: ports.v5,
        privateKey: o.privateKey,
        clock,
        localEnr: () => localNode.enr,
        netrestrict: o.netrestrict,
        bootnodes: o.bootnodes,
        ...(o.discoveryTimeoutMs ? { responseTimeoutMs: o.discoveryTimeoutMs } : {}),
        // `crawl --discovery`: lookups, table enumeration (enumerate-v5.ts) or both, as for v4.
        lookups: o.feedLookups !== false && (o.discovery ?? 'both') !== 'enumerate',
        enumeration: (o.discovery ?? 'both') === 'lookups' ? false : { exemptLan: o.exemptLan ?? true, ...o.enumeration },
        ...(o.enumerates ? { enumerates: (enr: Enr) => { const n = enr.toNodeRecord(); return n !== undefined && o.enumerates!(n); } } : {}),
        // v5 targets are node IDs (32 bytes): the first half of a seeded v4 target (a public key).
        ...(o.randomTarget ? { randomTarget: () => o.randomTarget!().slice(0, 32) } : {}),
        onNode: (enr, source) => this.onV5Node(enr, source),
        onAnswer: (id) => this.reportAnswer(id, 'v5'),
        ...(o.onError ? { onError: o.onError } : {}),
      });
    }

    this.listener.onConnection((stream) => {
      // Every inbound peer is accepted whatever our peer count, but its socket counts against the
      // process-wide budget like a dial's: past it, a flood of connections is shed at once.
      if (this.stopped || !o.budget.tryAcquire()) {
        this.inboundShed++;
        stream.destroy();
        return;
      }
      const task = probeInbound(this.probeConfig, stream, this.stopAbort.signal)
        .then(({ event }) => this.onInbound(event))
        .finally(() => o.budget.release());
      this.inbound.add(task);
      void task.finally(() => this.inbound.delete(task));
    });

    // geth drops NEIGHBORS entries outside --netrestrict on receipt: lookups never even try them.
    const findNode: FindNodeFn = (node, target, signal) =>
      endpoint.findNode(node, target, { signal }).then((nodes) => nodes.filter((n) => o.netrestrict.allows(n.ip)));
    this.findNode = findNode;
    this.refresher = new Refresher({
      table,
      clock,
      selfPublicKey: this.publicKey,
      bootnodes: o.bootnodes,
      findNode,
      ...(o.refreshIntervalMs ? { intervalMs: o.refreshIntervalMs } : {}),
      ...(o.randomTarget ? { randomTarget: o.randomTarget } : {}),
    });
    const mode = o.discovery ?? 'both';
    if (mode !== 'lookups') {
      // Unfiltered answers: the stop rule counts every entry the remote sent (enumerate-v4.ts).
      this.enumerator = new Enumerator(clock, v4EnumerationAdapter({
        targets: o.v4Targets ?? new V4TargetPool(),
        ...(o.random ? { random: o.random } : {}),
        findNode: (node, target, signal) => endpoint.findNode(node, target, { signal }),
        learn: (_from, nodes) => {
          const before = this.learned;
          for (const n of nodes) this.onNodeSeen(n, 'neighbors');
          return this.learned - before;
        },
      }), { exemptLan: o.exemptLan ?? true, ...o.enumeration });
    }
    for (const b of o.bootnodes) {
      table.addSeen(b);
      this.reportSighting(b, 'bootnode');
      this.offerEnumeration(b);
    }

    o.emit({
      type: 'instance_started',
      instance: this.idHex,
      publicKey: bytesToHex(this.publicKey),
      host: advertisedIp ?? o.listenHost,
      udpPort: o.port,
      tcpPort: o.port,
      network: o.network.name,
      codeVersion: o.codeVersion,
      at: clock.now(),
    });
    this.counters = new DiscoveryCounterReporter({
      clock,
      instance: this.idHex,
      counters: () => endpoint.counters(),
      tableSize: () => table.size,
      emit: o.emit,
    });
    this.counters.start();
    table.start();
    this.scheduler.start();
    this.v5?.start();
    if (mode !== 'enumerate') {
      this.refresher.start();
      if (o.feedLookups !== false) this.feeding = this.feedDialer();
    } else {
      this.feeding = this.retryBootnodes();
    }
  }

  /**
   * Enumeration alone has no lookup to fall back on: while it has nothing left to ask (the
   * bootnodes did not answer, or everything is read), ask the bootnodes again, backing off as
   * the dialer-feeding lookups do. Never rejects.
   */
  private async retryBootnodes(): Promise<void> {
    const signal = this.stopAbort.signal;
    let wait = FEED_MIN_INTERVAL_MS;
    while (!this.stopped) {
      await sleep(this.o.clock, wait, signal);
      if (this.stopped || !this.enumerator) return;
      if (!this.enumerator.idle) {
        wait = FEED_MIN_INTERVAL_MS;
        continue;
      }
      for (const b of this.o.bootnodes) this.enumerator.offer(b, true);
      wait = Math.min(wait * 2, FEED_MAX_INTERVAL_MS);
    }
  }

  /** Hand a node to routing-table enumeration, if this instance enumerates it. */
  private offerEnumeration(node: NodeRecord): void {
    if (!this.enumerator || node.udpPort <= 0) return;
    if (this.o.enumerates && !this.o.enumerates(node)) return;
    this.enumerator.offer(node);
  }

  /** Stop discovery and dialing, wait for dials in flight to be cut short and recorded. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopAbort.abort();
    await Promise.allSettled([this.refresher?.stop(), this.table?.stop(), this.scheduler?.stop(), this.feeding, this.enumerator?.stop(), this.v5?.stop()]);
    // A probe that ends adds the task that emits its event: wait until none is left.
    while (this.inbound.size + this.dials.size > 0) await Promise.allSettled([...this.inbound, ...this.dials]);
    this.counters?.stop();
    await Promise.allSettled([this.endpoint?.close(), this.listener?.close(), this.localNode?.close()]);
    this.o.emit({ type: 'instance_stopped', instance: this.idHex, at: this.o.clock.now() });
  }

  /** Random lookups while the dialer has room and nothing queued (FEED_MIN_INTERVAL_MS). Never rejects. */
  private async feedDialer(): Promise<void> {
    const { clock, maxDials } = this.o;
    const signal = this.stopAbort.signal;
    let wait = FEED_MIN_INTERVAL_MS;
    while (!this.stopped) {
      await sleep(clock, wait, signal);
      if (this.stopped || !this.table || !this.scheduler || !this.findNode) return;
      const s = this.scheduler.stats();
      if (s.queued > 0 || s.inFlight.dynamic >= maxDials || this.refresher?.refreshing) {
        wait = FEED_MIN_INTERVAL_MS; // busy: look again soon
        continue;
      }
      const before = this.learned;
      this.feedLookupCount++;
      try {
        await lookup({ table: this.table, findNode: this.findNode, clock, target: (this.o.randomTarget ?? randomLookupTarget)(), seeds: this.o.bootnodes, signal });
      } catch {
        // aborted by stop(), or nobody answered: the next round starts afresh
      }
      wait = this.learned > before ? FEED_MIN_INTERVAL_MS : Math.min(wait * 2, FEED_MAX_INTERVAL_MS);
    }
  }

  /**
   * One scheduled dial. A dynamic dial of a node another instance dialed this period, or is dialing
   * now, reuses that answer instead of connecting again.
   */
  private dial(dialer: TcpDialer, node: NodeRecord, kind: ScheduledDialKind, signal: AbortSignal): Promise<DialVerdict> {
    const shared = this.o.shared;
    const idHex = bytesToHex(node.id);
    if (kind === 'dynamic') {
      const recent = shared.recentDial(idHex, this.o.clock.now());
      if (recent) return Promise.resolve(recent);
      const running = shared.runningDial(idHex);
      if (running) return running;
    }
    // discv4 PING→PONG alongside the TCP dial: the node's discovery RTT at the time of the dial.
    const discPing = this.discoveryPing(node);
    const verdict = probeOutbound(this.probeConfig, dialer, node, kind, signal).then(({ event }) => {
      const v = dialVerdict(event);
      shared.recordDial(idHex, event.startedAt, v);
      // The dial slot is free now; the event waits for the PING (at most one discovery timeout).
      this.track(
        discPing.then((ms) => {
          withDiscPing(event, ms);
          this.o.emit(event);
          if (v === 'hello') this.fetchEnr(node, idHex);
        }),
      );
      return v;
    });
    shared.trackDial(idHex, verdict);
    // stop() waits for the probe itself (the scheduler lets go of a dial as soon as it aborts),
    // so its DialEvent is emitted before instance_stopped and reaches the writer.
    this.track(verdict);
    return verdict;
  }

  private track(task: Promise<unknown>): void {
    this.dials.add(task);
    void task.finally(() => this.dials.delete(task));
  }

  /** PING→PONG time in ms, or null when the node does not answer discovery. Never rejects. */
  private discoveryPing(node: NodeRecord): Promise<number | null> {
    if (!this.endpoint || node.udpPort <= 0) return Promise.resolve(null);
    return this.endpoint.ping(node, { signal: this.stopAbort.signal }).then(
      (r) => r.rttMs,
      () => null,
    );
  }

  /**
   * A node learned outside discovery, from a signed DNS tree (EIP-1459): hearsay for the table like
   * a bootnode, a dial candidate for its owner (geth feeds DNS nodes to its dialer the same way).
   */
  learnExternal(node: NodeRecord, source: Extract<AddressSource, 'dns'>): void {
    if (this.stopped || !this.table) return;
    if (!this.o.netrestrict.allows(node.ip)) {
      this.outsideNetrestrict++;
      return;
    }
    this.table.addSeen(node);
    if (this.heard.add(node.id, this.o.clock.now())) this.learned++;
    if (node.tcpPort > 0) this.ownerOf(node).learn(node);
    this.reportSighting(node, source);
    this.offerEnumeration(node);
  }

  private onNodeSeen(node: NodeRecord, source: 'ping' | 'neighbors'): void {
    if (this.stopped || !this.table || !this.scheduler) return;
    // --netrestrict: a node outside the allow-list is neither kept nor dialed (geth does the same).
    if (!this.o.netrestrict.allows(node.ip)) {
      this.outsideNetrestrict++;
      return;
    }
    if (source === 'ping') {
      // A packet's UDP source can be forged: only an endpoint proof (its PONG to our PING, discv4.md)
      // verifies it. The endpoint pings back an unproven PING, and that PONG brings the node here
      // again; an unproven FINDNODE or ENRREQUEST teaches nothing (geth adds inbound nodes the same way).
      if (!this.endpoint?.isBonded(node)) {
        this.unproven++;
        return;
      }
      this.table.addVerified(node);
      // Bonded = it answered our PING with a PONG: the node speaks discv4.
      this.reportAnswer(node.id, 'v4');
    } else {
      this.table.addSeen(node); // NEIGHBORS entries are hearsay
    }
    if (this.heard.add(node.id, this.o.clock.now())) {
      this.counters?.countNewNode();
      this.learned++;
    }
    if (node.tcpPort > 0) this.ownerOf(node).learn(node);
    this.reportSighting(node, source);
    this.offerEnumeration(node);
  }

  /**
   * A record from discv5 (a NODES entry, or the record of a node that opened a session with us):
   * sighted and stored always; dialed over RLPx only when it has a TCP port and is not a
   * consensus-layer record (discovery-v5.ts v5DialTarget).
   */
  private onV5Node(enr: Enr, source: V5Source): boolean {
    if (this.stopped) return false;
    const node = v5Sighting(enr);
    // Our own record comes back in other nodes' NODES answers: never a sighting, never a dial.
    if (!node || equalBytes(node.id, this.nodeId)) return false;
    if (!this.o.netrestrict.allows(node.ip)) {
      this.outsideNetrestrict++;
      return false;
    }
    const fresh = this.heard.add(node.id, this.o.clock.now());
    if (fresh) {
      this.counters?.countNewNode();
      this.learned++;
    }
    const dialable = v5DialTarget(enr);
    if (dialable) this.ownerOf(dialable).learn(dialable);
    this.reportSighting(node, source);
    const idHex = bytesToHex(enr.nodeId);
    const at = this.o.clock.now();
    if (this.o.shared.shouldReportEnr(idHex, enr.seq, at)) this.o.emit({ type: 'enr', instance: this.idHex, nodeId: idHex, seq: enr.seq, raw: bytesToHex(enr.raw), at });
    return fresh;
  }

  private reportAnswer(id: Uint8Array, protocol: DiscoveryProtocol): void {
    if (this.stopped) return;
    const idHex = bytesToHex(id);
    const at = this.o.clock.now();
    if (this.o.shared.shouldReportAnswer(idHex, protocol, at)) this.o.emit({ type: 'discovery_answer', instance: this.idHex, nodeId: idHex, protocol, at });
  }

  private ownerOf(node: NodeRecord): DialScheduler {
    return this.o.owner?.(node) ?? this.scheduler;
  }

  private reportSighting(node: NodeRecord, source: AddressSource): void {
    const idHex = bytesToHex(node.id);
    if (!this.o.shared.shouldReportSighting(node, idHex, this.o.clock.now(), source)) return;
    this.o.emit({
      type: 'node_seen',
      instance: this.idHex,
      nodeId: idHex,
      publicKey: bytesToHex(node.publicKey),
      ip: node.ip,
      udpPort: node.udpPort,
      tcpPort: node.tcpPort,
      source,
      at: this.o.clock.now(),
    });
  }

  private onInbound(event: DialEvent): void {
    this.o.emit(event);
    if (!event.nodeId || !event.publicKey || !this.scheduler) return;
    const verdict = dialVerdict(event);
    if (verdict === 'failed') return;
    // The peer dialed us: we know its key and IP; its listening port comes from HELLO.
    const port = event.hello?.listenPort ?? 0;
    if (port > 0) {
      const node: NodeRecord = {
        id: Buffer.from(event.nodeId, 'hex'),
        publicKey: Buffer.from(event.publicKey, 'hex'),
        ip: event.ip,
        udpPort: port,
        tcpPort: port,
      };
      this.ownerOf(node).recordInbound(node, verdict);
      this.reportSighting(node, 'inbound');
    }
  }

  /** One ENR request per node per process, after it proved alive. Cut short by stop(). */
  private fetchEnr(node: NodeRecord, idHex: string): void {
    if (this.stopped || !this.endpoint || !this.o.shared.claimEnrFetch(idHex, this.o.clock.now())) return;
    this.endpoint
      .requestEnr(node, { signal: this.stopAbort.signal })
      .then((enr) => {
        if (this.stopped) return;
        this.o.emit({ type: 'enr', instance: this.idHex, nodeId: idHex, seq: enr.seq, raw: bytesToHex(enr.raw), at: this.o.clock.now() });
        this.v5?.seed(enr); // a node that runs v5 on its v4 port becomes a v5 lookup candidate
      })
      .catch(() => {
        // Many nodes do not answer ENRREQUEST (pre-EIP-868): nothing to record.
      });
  }
}
