/**
 * Pure: fold one batch of validated CrawlerEvents into rows keyed like the tables they go to. Rows
 * touching the same key are merged here (an upsert may not touch a row twice). The crawl policy is
 * not decided here: a dial's `verdict` and `alive` come from the probe (src/crawler/probe.ts).
 */
import type {
  CrawlerEvent,
  DiscoveryAnswerEvent,
  DialEvent,
  DiscoveryCountersEvent,
  DiscoveryV5CountersEvent,
  EnrEvent,
  FindnodeRebondEvent,
  InstanceStartedEvent,
  InstanceStoppedEvent,
  NodeExpiredEvent,
  NodeSeenEvent,
} from '../events.js';
import { DISCOVERY_SUMS, maxOrNull, type AddressRow, type CounterRow, type EnrRow, type InstanceTotals, type NodeRow, type RebondRow, type SightingRow } from './batch-rows.js';
import type { RefreshCache, WrittenNode, WrittenRows } from './refresh-cache.js';
import { addAnswer, addV5Counters, type AnswerAgg } from './batch-discovery.js';
import { utcDay } from './partitions.js';

export class BatchFold {
  readonly started: InstanceStartedEvent[] = [];
  readonly stopped: InstanceStoppedEvent[] = [];
  readonly nodes = new Map<string, NodeRow>();
  // Keyed by node ID, then a short list: composite string keys cost more to build and hash than
  // everything else in a batch.
  readonly addresses = new Map<string, AddressRow[]>();
  readonly sightings = new Map<string, SightingRow[]>();
  /** Keyed `instance|minute`. */
  readonly counters = new Map<string, CounterRow>();
  readonly totals = new Map<string, InstanceTotals>();
  readonly dials: DialEvent[] = [];
  /** Keyed `node|seq`. */
  readonly enrs = new Map<string, EnrRow>();
  readonly expired = new Map<string, number>();
  /** Node ID → the earliest start of a connection that put it in the static set. */
  readonly leases = new Map<string, number>();
  readonly rebonds = new Map<string, RebondRow>();
  /** Keyed `node|protocol` (batch-discovery.ts). */
  readonly answers = new Map<string, AnswerAgg>();
  /** discv5 counters keyed `instance|minute` (batch-discovery.ts). */
  readonly v5Counters = new Map<string, DiscoveryV5CountersEvent>();

  constructor(private readonly refresh?: RefreshCache) {}

  add(ev: CrawlerEvent): void {
    switch (ev.type) {
      case 'instance_started':
        this.started.push(ev);
        break;
      case 'instance_stopped':
        this.stopped.push(ev);
        break;
      case 'node_seen':
        this.nodeSeen(ev);
        break;
      case 'discovery_counters':
        this.discoveryCounters(ev);
        break;
      case 'dial':
        this.dial(ev);
        break;
      case 'enr':
        this.enr(ev);
        break;
      case 'node_expired':
        this.nodeExpired(ev);
        break;
      case 'findnode_rebond':
        this.findnodeRebond(ev);
        break;
      case 'discovery_answer':
        this.discoveryAnswer(ev);
        break;
      case 'discovery_v5_counters':
        addV5Counters(this.v5Counters, ev);
        break;
    }
  }

  /**
   * Leave out the rows of nodes only known (failed dials) that the refresh cache says are stored as
   * they are (RefreshCache.wantKnownNode). Called once the batch is folded.
   */
  dropStoredKnownNodes(): void {
    if (!this.refresh) return;
    for (const [id, n] of this.nodes) {
      if (n.last === null && !this.refresh.wantKnownNode(id, n.first, n.publicKey !== null)) this.nodes.delete(id);
    }
  }

  /** What the batch writes, for RefreshCache.commit() once it committed. */
  written(): WrittenRows {
    const nodes = new Map<string, WrittenNode>();
    for (const [id, n] of this.nodes) nodes.set(id, { first: n.first, last: n.last, pk: n.publicKey !== null });
    const addresses: AddressRow[] = [];
    for (const list of this.addresses.values()) addresses.push(...list);
    return { nodes, addresses, leases: this.leases };
  }

  private nodeSeen(ev: NodeSeenEvent): void {
    if (!this.refresh || this.refresh.wantNode(ev.nodeId, ev.at)) this.touchNode(ev.nodeId, ev.publicKey, ev.at, true);
    if (!this.refresh || this.refresh.wantAddress(ev.nodeId, ev.ip, ev.udpPort, ev.tcpPort, ev.at)) {
      this.address(ev.nodeId, ev.ip, ev.udpPort, ev.tcpPort, ev.at, ev.source);
    }
    const day = utcDay(ev.at);
    let list = this.sightings.get(ev.nodeId);
    if (!list) this.sightings.set(ev.nodeId, (list = []));
    const s = list.find((x) => x.day === day && x.instance === ev.instance);
    if (!s) list.push({ day, instance: ev.instance, node: ev.nodeId, first: ev.at, last: ev.at, count: 1, firstSource: ev.source, sources: [ev.source] });
    else {
      s.count++;
      if (!s.sources.includes(ev.source)) s.sources.push(ev.source);
      if (ev.at < s.first) (s.first = ev.at), (s.firstSource = ev.source);
      if (ev.at > s.last) s.last = ev.at;
    }
  }

  private discoveryAnswer(ev: DiscoveryAnswerEvent): void {
    // The node row must exist for reports joining nodes; an answer is a sign of life.
    this.touchNode(ev.nodeId, null, ev.at, true);
    addAnswer(this.answers, ev);
  }

  private discoveryCounters(ev: DiscoveryCountersEvent): void {
    const key = `${ev.instance}|${ev.minute}`;
    const c = this.counters.get(key);
    if (!c) this.counters.set(key, { ...ev, neighborsDropped: ev.neighborsDropped ?? 0, findnodeRebonds: ev.findnodeRebonds ?? 0 });
    else {
      for (const k of DISCOVERY_SUMS) c[k] += ev[k];
      c.tableSize = Math.max(c.tableSize, ev.tableSize);
      c.neighborsDropped += ev.neighborsDropped ?? 0;
      c.findnodeRebonds += ev.findnodeRebonds ?? 0;
    }
    const t = this.total(ev.instance, ev.minute);
    for (const k of DISCOVERY_SUMS) t[k] += ev[k];
  }

  private dial(ev: DialEvent): void {
    this.dials.push(ev);
    const t = this.total(ev.instance, ev.startedAt);
    t.dials++;
    if (ev.hello) t.hellos++;
    if (ev.status) t.statuses++;
    if (!ev.nodeId) return;
    const n = this.touchNode(ev.nodeId, ev.publicKey, ev.startedAt, ev.alive);
    if (ev.hello) n.hello = maxOrNull(n.hello, ev.startedAt);
    if (ev.status) n.status = maxOrNull(n.status, ev.startedAt);
    if (ev.verdict === 'too_many_peers') n.tooManyPeers = maxOrNull(n.tooManyPeers, ev.startedAt);
    // A node joining the static set gets a redial lease, due from its first qualifying connection.
    if (ev.verdict !== 'failed' && (!this.refresh || this.refresh.wantLease(ev.nodeId, ev.startedAt))) {
      this.leases.set(ev.nodeId, Math.min(this.leases.get(ev.nodeId) ?? Infinity, ev.startedAt));
    }
    if (ev.kind === 'inbound' && ev.hello && ev.hello.listenPort > 0) {
      // An inbound peer's source port is ephemeral; its HELLO names the port it listens on.
      this.address(ev.nodeId, ev.ip, 0, ev.hello.listenPort, ev.startedAt, 'inbound');
    }
  }

  private enr(ev: EnrEvent): void {
    this.touchNode(ev.nodeId, null, ev.at, true);
    const key = `${ev.nodeId}|${ev.seq}`;
    const e = this.enrs.get(key);
    if (!e) this.enrs.set(key, { node: ev.nodeId, seq: ev.seq, raw: ev.raw, first: ev.at, last: ev.at, instance: ev.instance });
    else {
      e.first = Math.min(e.first, ev.at);
      e.last = Math.max(e.last, ev.at);
    }
  }

  private nodeExpired(ev: NodeExpiredEvent): void {
    this.expired.set(ev.nodeId, Math.max(this.expired.get(ev.nodeId) ?? 0, ev.at));
  }

  private findnodeRebond(ev: FindnodeRebondEvent): void {
    // The node row must exist for the UPDATE of its counters; an answered retry is a sign of life.
    this.touchNode(ev.nodeId, null, ev.at, ev.answered);
    const r = this.rebonds.get(ev.nodeId);
    if (!r) this.rebonds.set(ev.nodeId, { count: 1, answered: ev.answered ? 1 : 0, last: ev.at });
    else {
      r.count++;
      if (ev.answered) r.answered++;
      r.last = Math.max(r.last, ev.at);
    }
  }

  private touchNode(id: string, publicKey: string | null, at: number, alive: boolean): NodeRow {
    const n = this.nodes.get(id);
    if (!n) {
      const row: NodeRow = { publicKey, first: at, last: alive ? at : null, hello: null, status: null, tooManyPeers: null };
      this.nodes.set(id, row);
      return row;
    }
    if (publicKey && !n.publicKey) n.publicKey = publicKey;
    if (at < n.first) n.first = at;
    if (alive) n.last = maxOrNull(n.last, at);
    return n;
  }

  private address(node: string, ip: string, udp: number, tcp: number, at: number, source: string): void {
    let list = this.addresses.get(node);
    if (!list) this.addresses.set(node, (list = []));
    const a = list.find((x) => x.ip === ip && x.udp === udp && x.tcp === tcp);
    if (!a) list.push({ node, ip, udp, tcp, first: at, last: at, firstSource: source, lastSource: source });
    else {
      if (at < a.first) (a.first = at), (a.firstSource = source);
      if (at >= a.last) (a.last = at), (a.lastSource = source);
    }
  }

  private total(instance: string, at: number): InstanceTotals {
    let t = this.totals.get(instance);
    if (!t) {
      t = { findnodeSent: 0, neighborsReceived: 0, nodesLearned: 0, newNodes: 0, pingsSent: 0, pongsReceived: 0, pingsReceived: 0, findnodeReceived: 0, dials: 0, hellos: 0, statuses: 0, updatedAt: at };
      this.totals.set(instance, t);
    }
    t.updatedAt = Math.max(t.updatedAt, at);
    return t;
  }
}
