/**
 * One NodeFinder instance: a node identity with its own UDP+TCP port — a discv4 node (endpoint,
 * k-bucket table, refresh lookups), a dialer (dynamic + static redials via DialScheduler) and an
 * RLPx listener that accepts every inbound peer. It yields CrawlerEvents through `emit` and never
 * stores anything itself. Every instance hears, tables and sights the nodes it learns; their dial
 * state goes to one owner instance of the process (InstanceOptions.owner, chosen by the Crawler).
 * This file wires the pieces and owns start/stop: the dial and inbound side is instance-dialer.ts,
 * what a heard-of node becomes is node-intake.ts, the dialer-feeding lookups instance-feed.ts.
 */
import { setMaxListeners } from 'node:events';
import { publicKeyFromPrivate } from '../crypto/index.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';
import { Discv4Endpoint, type Discv4Counters } from '../discv4/endpoint.js';
import { Table } from '../discv4/table.js';
import { Refresher, lookup, randomLookupTarget, type FindNodeFn } from '../discv4/lookup.js';
import type { TcpListener } from '../net/transport.js';
import { bytesToHex } from '../util/bytes.js';
import type { DialScheduler } from './scheduler.js';
import type { AddressSource } from '../events.js';
import type { Enr } from '../enode/enr.js';
import { LocalNode } from './local-node.js';
import { Enumerator, type EnumerationStats } from './enumerate.js';
import { V4TargetPool, v4EnumerationAdapter } from './enumerate-v4.js';
import { shareTransport } from '../discv5/demux.js';
import { V5Discovery, type V5Counters } from './discovery-v5.js';
import { NodeIntake } from './node-intake.js';
import { DiscoveryCounterReporter } from './discovery-counters.js';
import { InstanceDialer } from './instance-dialer.js';
import { feedDialer, retryBootnodes } from './instance-feed.js';
import type { InstanceOptions } from './instance-options.js';

export { COUNTER_INTERVAL_MS } from './discovery-counters.js';
export { FEED_MAX_INTERVAL_MS, FEED_MIN_INTERVAL_MS } from './instance-feed.js';
export { SharedCrawlState } from './shared-state.js';
export type { InstanceOptions } from './instance-options.js';

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
  private readonly dialer: InstanceDialer;
  private readonly intake: NodeIntake;
  private listener: TcpListener | undefined;
  private counters: DiscoveryCounterReporter | undefined;
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
    this.dialer = new InstanceDialer({
      o: options,
      publicKey: this.publicKey,
      instance: this.idHex,
      signal: this.stopAbort.signal,
      endpoint: () => this.endpoint,
      v5: () => this.v5,
      reportSighting: (node, source) => this.intake.reportSighting(node, source),
    });
    this.intake = new NodeIntake({
      o: options,
      nodeId: this.nodeId,
      instance: this.idHex,
      isStopped: () => this.stopped,
      table: () => this.table,
      endpoint: () => this.endpoint,
      counters: () => this.counters,
      enumerator: () => this.enumerator,
      ownerOf: (node) => this.dialer.ownerOf(node),
    });
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
    return this.dialer.scheduler.stats();
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
    return this.intake.ignoredOutsideNetrestrict;
  }

  /** Packets from senders without an endpoint proof, ignored. */
  get ignoredUnproven(): number {
    return this.intake.ignoredUnproven;
  }

  /**
   * Take `node` as discovery takes a NEIGHBORS entry: table, dial queue, sighting (--netrestrict
   * applies). Benchmarks and tests feed instances this way.
   */
  hear(node: NodeRecord): void {
    this.intake.fromDiscv4(node, 'neighbors');
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
    return this.dialer.inboundRefused;
  }

  /** Inbound connections being probed now. */
  get inboundInFlight(): number {
    return this.dialer.inboundInFlight;
  }

  /** The routing table and dial scheduler once started (benchmarks and tests fill and inspect them). */
  get routingTable(): Table | undefined {
    return this.table;
  }

  get dialScheduler(): DialScheduler {
    return this.dialer.scheduler;
  }

  /** Forget heard-of node IDs older than --expire-after (the Crawler's sweep calls this). */
  prune(now: number): void {
    this.intake.prune(now);
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
      onNodeSeen: (node, source) => this.intake.fromDiscv4(node, source),
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
        onNode: (enr, source) => this.intake.fromV5(enr, source),
        onAnswer: (id) => this.intake.reportAnswer(id, 'v5'),
        ...(o.onError ? { onError: o.onError } : {}),
      });
    }

    this.listener.onConnection((stream) => this.dialer.accept(stream, this.stopped));

    // geth drops NEIGHBORS entries outside --netrestrict on receipt: lookups never even try them.
    const findNode: FindNodeFn = (node, target, signal) =>
      endpoint.findNode(node, target, { signal }).then((nodes) => nodes.filter((n) => o.netrestrict.allows(n.ip)));
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
          const before = this.intake.newNodes;
          for (const n of nodes) this.intake.fromDiscv4(n, 'neighbors');
          return this.intake.newNodes - before;
        },
      }), { exemptLan: o.exemptLan ?? true, ...o.enumeration });
    }
    for (const b of o.bootnodes) {
      table.addSeen(b);
      this.intake.reportSighting(b, 'bootnode');
      this.intake.offerEnumeration(b);
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
      v5: () => this.v5 && { counters: this.v5.counters(), tableSize: this.v5.tableSize },
      emit: o.emit,
    });
    this.counters.start();
    table.start();
    this.dialer.scheduler.start();
    this.v5?.start();
    if (mode !== 'enumerate') {
      this.refresher.start();
      if (o.feedLookups !== false) {
        this.feeding = feedDialer({
          clock,
          signal: this.stopAbort.signal,
          busy: () => {
            const s = this.dialer.scheduler.stats();
            return s.queued > 0 || s.inFlight.dynamic >= o.maxDials || this.refresher?.refreshing === true;
          },
          lookup: () => {
            this.feedLookupCount++;
            return lookup({ table, findNode, clock, target: (o.randomTarget ?? randomLookupTarget)(), seeds: o.bootnodes, signal: this.stopAbort.signal });
          },
          learned: () => this.intake.newNodes,
        });
      }
    } else if (this.enumerator) {
      this.feeding = retryBootnodes(clock, this.stopAbort.signal, this.enumerator, o.bootnodes);
    }
  }

  /**
   * A node learned outside discovery, from a signed DNS tree (EIP-1459): hearsay for the table like
   * a bootnode, a dial candidate for its owner (geth feeds DNS nodes to its dialer the same way).
   */
  learnExternal(node: NodeRecord, source: Extract<AddressSource, 'dns'>): void {
    this.intake.fromDns(node, source);
  }

  /** Stop discovery and dialing, wait for dials in flight to be cut short and recorded. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopAbort.abort();
    await Promise.allSettled([this.refresher?.stop(), this.table?.stop(), this.dialer.scheduler.stop(), this.feeding, this.enumerator?.stop(), this.v5?.stop()]);
    // A probe that ends adds the task that emits its event: wait until none is left.
    await this.dialer.settled();
    this.counters?.stop();
    await Promise.allSettled([this.endpoint?.close(), this.listener?.close(), this.localNode?.close()]);
    this.o.emit({ type: 'instance_stopped', instance: this.idHex, at: this.o.clock.now() });
  }
}
