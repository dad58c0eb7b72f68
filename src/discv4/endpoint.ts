/**
 * The discovery v4 UDP protocol engine: one per NodeFinder instance, with its Clock and
 * UdpTransport injected. It sends requests (ping / findNode / requestEnr as promises with a
 * timeout and an AbortSignal), matches replies through one pending list keyed by node id + reply
 * type, and answers other nodes (PING → PONG, FINDNODE → NEIGHBORS, ENRREQUEST → ENRRESPONSE).
 *
 * Rules (discv4.md): FINDNODE and ENRREQUEST are answered only when the sender's endpoint proof
 * is valid (a matching PONG from that id+IP within 12 h) — the anti-amplification rule. Before
 * asking, we make sure the remote has a proof of us: without a PING from it in 12 h we ping
 * first and wait briefly for its PING (geth's ensureBond). Expired packets, packets signed with
 * our own key, unsolicited replies and undecodable datagrams are dropped and counted; nothing
 * ever throws out of the receive path.
 */
import { isValidPublicKey, keccak256, publicKeyFromPrivate } from '../crypto/index.js';
import { createEnr, type Enr } from '../enode/enr.js';
import { isUnspecifiedIp, normalizeIp } from '../net/ip.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { AddressSource } from '../events.js';
import { type ErrorKind, NodeFinderError, toNodeFinderError } from '../errors.js';
import { systemClock, type Clock, type TimerHandle } from '../net/clock.js';
import type { UdpAddress, UdpTransport } from '../net/transport.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { BondStore } from './bonds.js';
import { checkRelayedEndpoint, type DropReason } from './relay.js';
import { checkRelayAddr } from '../enode/relay-ip.js';
import {
  BOND_EXPIRATION_MS,
  BOND_WAIT_MS,
  BUCKET_SIZE,
  MAX_BOND_ENTRIES,
  PACKET_EXPIRATION_MS,
  PROTOCOL_VERSION,
  PacketType,
  RESPONSE_TIMEOUT_MS,
  type PacketTypeId,
} from './constants.js';
import { BadPacketError, BadReplyError } from './errors.js';
import { RequestAbortedError, RequestTimeoutError } from '../net/request.js';
import { decodePacket, encodeNeighbors, encodePacket, type DecodedPacket, type EncodedPacket } from './packet.js';

/** 'ping': a signed packet came from the node at this address; 'neighbors': an entry in a NEIGHBORS reply. */
export type NodeSeenSource = Extract<AddressSource, 'ping' | 'neighbors'>;

export interface Discv4EndpointOptions {
  /** Our 32-byte node key. */
  privateKey: Uint8Array;
  transport: UdpTransport;
  clock?: Clock;
  /** IP we put in PING `from` and our ENR. Default: the transport's local address. */
  advertisedIp?: string;
  /** Our RLPx TCP port (PING `from`, ENR "tcp"). Default: the UDP port. */
  tcpPort?: number;
  /** Our record. Default: built from advertisedIp/ports with `enrSeq`. Must be signed with privateKey. */
  enr?: Enr;
  enrSeq?: bigint;
  /** Answers FINDNODE: the `count` closest known nodes to a 32-byte target id (the table's job). */
  closest?: (targetId: Uint8Array, count: number) => readonly NodeRecord[];
  /** Every valid packet from a node, and every entry of a solicited NEIGHBORS reply. */
  onNodeSeen?: (node: NodeRecord, source: NodeSeenSource, packetType: PacketTypeId) => void;
  /** The `to` endpoint of every solicited PONG: what `from` says our address is (geth UDPEndpointStatement). */
  onEndpointStatement?: (from: UdpAddress, to: UdpAddress) => void;
  /** Every PING we send: `to` now holds our endpoint (geth UDPContact). */
  onContact?: (to: UdpAddress) => void;
  /** Per-request reply timeout (geth: 500 ms); for findNode, the wait after the last NEIGHBORS. */
  responseTimeoutMs?: number;
  /** How long findNode/requestEnr wait for the remote's PING after bonding (default 500 ms). */
  bondWaitMs?: number;
  bondExpirationMs?: number;
  packetExpirationMs?: number;
  maxBondEntries?: number;
  /**
   * A FINDNODE went unanswered although we relied on an older bond, so we re-bonded and asked
   * again: `answered` tells whether the retry got NEIGHBORS (the remote had forgotten our proof).
   */
  onRebond?: (node: NodeRecord, answered: boolean) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides responseTimeoutMs for this request. */
  timeoutMs?: number;
}

export interface PingResult {
  /** Clock time the PONG arrived (ms) */
  pongAt: number;
  rttMs: number;
  /** EIP-868 enr-seq from the PONG, if sent */
  enrSeq: bigint | undefined;
}

export interface Discv4Counters {
  pingsSent: number;
  pongsReceived: number;
  pingsReceived: number;
  findnodeSent: number;
  findnodeReceived: number;
  /** Solicited NEIGHBORS datagrams */
  neighborsReceived: number;
  /** Entries in solicited NEIGHBORS, with repeats, before validity filtering */
  nodesLearned: number;
  /** Entries skipped (the sum of neighborsDropped) */
  invalidNeighbors: number;
  /** Entries skipped by reason: geth's port and relay rules (relay.ts), bad keys, our own id */
  neighborsDropped: Partial<Record<DropReason, number>>;
  /** Entries of our table not sent to a FINDNODE requester that may not use them (geth handleFindnode) */
  neighborsWithheld: number;
  /** FINDNODEs retried after a re-bond (no answer while relying on an older bond) */
  findnodeRebonds: number;
  /** ... of which the retry was answered */
  findnodeRebondsAnswered: number;
  enrRequestsSent: number;
  enrRequestsReceived: number;
  enrResponsesReceived: number;
  /** PONG / NEIGHBORS / ENRRESPONSE that matched no pending request */
  unsolicitedReplies: number;
  /** FINDNODE / ENRREQUEST from endpoints without a valid proof (not answered) */
  unbondedRequests: number;
  expiredPackets: number;
  /** Packets signed with our own key (reflections, loops) */
  selfPackets: number;
  /** Sends that failed (netrestrict, socket errors) while answering */
  sendErrors: number;
  /** Datagrams that failed to decode, by error kind */
  decodeErrors: Partial<Record<ErrorKind, number>>;
}

/** One outstanding request waiting for replies of one type from one node id at one IP. */
class Pending<T = unknown> {
  timer: TimerHandle | undefined;
  settled = false;
  cleanup: (() => void)[] = [];

  constructor(
    readonly what: string,
    readonly key: string,
    readonly ip: string,
    /** Returns true when the packet belongs to this request (it may settle it). */
    readonly onPacket: (p: DecodedPacket, self: Pending<T>) => boolean,
    readonly resolve: (v: T) => void,
    readonly reject: (e: NodeFinderError) => void,
    /** Called when the timer fires; default rejects with a timeout. */
    readonly onTimeout: (self: Pending<T>) => void,
  ) {}
}

const DISCOVERY_SOURCE: NodeSeenSource = 'ping';

export class Discv4Endpoint {
  readonly publicKey: Uint8Array;
  readonly nodeId: Uint8Array;
  private readonly nodeIdHex: string;
  private readonly privateKey: Uint8Array;
  private readonly transport: UdpTransport;
  private readonly clock: Clock;
  private readonly responseTimeoutMs: number;
  private readonly bondWaitMs: number;
  private readonly packetExpirationMs: number;
  private readonly bonds: BondStore;
  private readonly closestFn: Discv4EndpointOptions['closest'];
  private readonly onNodeSeen: Discv4EndpointOptions['onNodeSeen'];
  private readonly hooks: Pick<Discv4EndpointOptions, 'onEndpointStatement' | 'onContact'>;
  private advertisedIp: string;
  private readonly tcpPort: number;
  private enr: Enr;
  /** key: node id hex + ':' + reply type */
  private readonly pending = new Map<string, Set<Pending<unknown>>>();
  /** bond key → callbacks waiting for that node's PING */
  private readonly pingWaiters = new Map<string, Set<() => void>>();
  private closed = false;
  private readonly onRebond: Discv4EndpointOptions['onRebond'];
  private readonly stats: Discv4Counters = {
    pingsSent: 0,
    pongsReceived: 0,
    pingsReceived: 0,
    findnodeSent: 0,
    findnodeReceived: 0,
    neighborsReceived: 0,
    nodesLearned: 0,
    invalidNeighbors: 0,
    neighborsDropped: {},
    neighborsWithheld: 0,
    findnodeRebonds: 0,
    findnodeRebondsAnswered: 0,
    enrRequestsSent: 0,
    enrRequestsReceived: 0,
    enrResponsesReceived: 0,
    unsolicitedReplies: 0,
    unbondedRequests: 0,
    expiredPackets: 0,
    selfPackets: 0,
    sendErrors: 0,
    decodeErrors: {},
  };

  constructor(options: Discv4EndpointOptions) {
    this.privateKey = options.privateKey;
    this.publicKey = publicKeyFromPrivate(options.privateKey);
    this.nodeId = keccak256(this.publicKey);
    this.nodeIdHex = bytesToHex(this.nodeId);
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.responseTimeoutMs = options.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
    this.bondWaitMs = options.bondWaitMs ?? BOND_WAIT_MS;
    this.packetExpirationMs = options.packetExpirationMs ?? PACKET_EXPIRATION_MS;
    this.onRebond = options.onRebond;
    this.bonds = new BondStore(options.bondExpirationMs ?? BOND_EXPIRATION_MS, options.maxBondEntries ?? MAX_BOND_ENTRIES);
    this.closestFn = options.closest;
    this.onNodeSeen = options.onNodeSeen;
    this.hooks = { onEndpointStatement: options.onEndpointStatement, onContact: options.onContact };
    const local = this.transport.localAddress;
    this.advertisedIp = normalizeIp(options.advertisedIp ?? local.address) ?? '';
    this.tcpPort = options.tcpPort ?? local.port;
    this.enr = options.enr ?? this.buildEnr(options.enrSeq ?? 1n);
    if (!equalBytes(this.enr.nodeId, this.nodeId)) throw new RangeError('Discv4Endpoint: enr is not signed with privateKey');
    this.transport.onMessage((data, from) => this.receive(data, from));
  }

  /** Our current signed record (served in ENRRESPONSE). */
  get ownEnr(): Enr {
    return this.enr;
  }

  get enrSeq(): bigint {
    return this.enr.seq;
  }

  /** Replace our record (e.g. to add the eth fork id); it must be ours and have a higher seq. */
  setEnr(enr: Enr): void {
    if (!equalBytes(enr.nodeId, this.nodeId)) throw new RangeError('setEnr: record of another node');
    if (enr.seq <= this.enr.seq) throw new RangeError('setEnr: seq must increase');
    this.enr = enr;
    // PING `from` follows the record's address (geth sends its local node's endpoint).
    this.advertisedIp = enr.ip ?? enr.ip6 ?? this.advertisedIp;
  }

  get localAddress(): UdpAddress {
    return this.transport.localAddress;
  }

  /** A snapshot of the cumulative counters (subtract two snapshots for per-minute deltas). */
  counters(): Discv4Counters {
    return { ...this.stats, decodeErrors: { ...this.stats.decodeErrors }, neighborsDropped: { ...this.stats.neighborsDropped } };
  }

  /** Number of outstanding requests (tests assert nothing leaks). */
  get pendingCount(): number {
    let n = 0;
    for (const s of this.pending.values()) n += s.size;
    return n;
  }

  /** True if we hold a valid endpoint proof of this node (a PONG from id+IP within 12 h). */
  isBonded(node: Pick<NodeRecord, 'id' | 'ip'>): boolean {
    return this.bonds.hasPongFrom(this.bondKey(node.id, node.ip), this.clock.now());
  }

  /**
   * Record an endpoint proof both ways without the PING/PONG exchange: only for local test
   * networks whose ground truth says the two sides bonded (src/testnet pre-fills tables this way
   * instead of a start-up PING storm). Never called on what the network tells us.
   */
  assumeBonded(node: Pick<NodeRecord, 'id' | 'ip' | 'tcpPort'>): void {
    const key = this.bondKey(node.id, node.ip);
    const now = this.clock.now();
    this.bonds.pingReceived(key, now, node.tcpPort);
    this.bonds.pongReceived(key, now);
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  /** PING → PONG matched on the ping hash. */
  ping(node: NodeRecord, options: RequestOptions = {}): Promise<PingResult> {
    const sentAt = this.clock.now();
    let packet: EncodedPacket;
    try {
      packet = encodePacket(
        PacketType.Ping,
        {
          version: PROTOCOL_VERSION,
          from: { ip: this.advertisedIp, udpPort: this.transport.localAddress.port, tcpPort: this.tcpPort },
          to: { ip: node.ip, udpPort: node.udpPort, tcpPort: 0 }, // discv4.md: to = [ip, udp, 0]
          expiration: this.expiration(),
          enrSeq: this.enr.seq,
        },
        this.privateKey,
      );
    } catch (err) {
      return Promise.reject(toNodeFinderError(err));
    }
    return this.request<PingResult>('ping', node, PacketType.Pong, options, packet, (p, self) => {
      if (p.type !== PacketType.Pong || !equalBytes(p.data.pingHash, packet.hash)) return false;
      const now = this.clock.now();
      this.settle(self, () => self.resolve({ pongAt: now, rttMs: now - sentAt, enrSeq: p.data.enrSeq }));
      return true;
    }, () => {
      this.stats.pingsSent++;
      this.hook(() => this.hooks.onContact?.({ address: normalizeIp(node.ip) ?? node.ip, port: node.udpPort }));
    });
  }

  /**
   * FINDNODE → the nodes of the NEIGHBORS datagrams that follow, until k (16) arrived or no
   * further datagram came within the timeout. Resolves with what arrived if at least one
   * datagram did; rejects `timeout` if none. Bonds first when needed (see module comment).
   *
   * When no NEIGHBORS came although we skipped bonding on the strength of an older PING from the
   * remote, it may have dropped our endpoint proof sooner than we dropped its (reth answers only
   * within 1 h of our last PONG, crates/net/discv4 bond_expiration; geth 24 h, v4_udp.go
   * bondExpiration): re-bond (PING, wait for its PING) and ask once more. geth re-bonds too, in
   * ensureBond, once a node failed FINDNODE more than maxFindnodeFailures times in a row.
   */
  async findNode(node: NodeRecord, target: Uint8Array, options: RequestOptions = {}): Promise<NodeRecord[]> {
    if (target.length !== 64) throw new BadPacketError('findNode: target must be a 64-byte public key');
    const bonded = await this.ensureBond(node, options);
    try {
      return await this.sendFindNode(node, target, options);
    } catch (err) {
      if (bonded || !(err instanceof RequestTimeoutError)) throw err;
    }
    this.stats.findnodeRebonds++;
    let nodes: NodeRecord[];
    try {
      await this.rebond(node, options);
      nodes = await this.sendFindNode(node, target, options);
    } catch (err) {
      if (!(err instanceof RequestAbortedError)) this.hook(() => this.onRebond?.(node, false));
      throw err;
    }
    this.stats.findnodeRebondsAnswered++;
    this.hook(() => this.onRebond?.(node, true));
    return nodes;
  }

  private async sendFindNode(node: NodeRecord, target: Uint8Array, options: RequestOptions): Promise<NodeRecord[]> {
    let packet: EncodedPacket;
    try {
      packet = encodePacket(PacketType.FindNode, { target, expiration: this.expiration() }, this.privateKey);
    } catch (err) {
      throw toNodeFinderError(err);
    }
    const nodes: NodeRecord[] = [];
    let replies = 0;
    let received = 0; // entries, valid or not: geth counts the same way towards k
    return this.request<NodeRecord[]>(
      'findnode',
      node,
      PacketType.Neighbors,
      options,
      packet,
      (p, self) => {
        if (p.type !== PacketType.Neighbors) return false;
        replies++;
        const malformed = p.data.malformed ?? 0;
        received += p.data.nodes.length + malformed;
        nodes.push(...this.acceptNeighbors(p.data.nodes, self.ip, malformed));
        if (p.data.nodes.length + malformed === 0 || received >= BUCKET_SIZE) this.settle(self, () => self.resolve(nodes));
        else this.armTimer(self, options.timeoutMs ?? this.responseTimeoutMs); // wait for the next datagram
        return true;
      },
      () => this.stats.findnodeSent++,
      (self) => {
        if (replies > 0) this.settle(self, () => self.resolve(nodes));
        else this.settle(self, () => self.reject(new RequestTimeoutError('findnode', options.timeoutMs ?? this.responseTimeoutMs)));
      },
    );
  }

  /** ENRREQUEST → the verified record from ENRRESPONSE, matched on the request hash. */
  async requestEnr(node: NodeRecord, options: RequestOptions = {}): Promise<Enr> {
    await this.ensureBond(node, options);
    let packet: EncodedPacket;
    try {
      packet = encodePacket(PacketType.EnrRequest, { expiration: this.expiration() }, this.privateKey);
    } catch (err) {
      throw toNodeFinderError(err);
    }
    return this.request<Enr>('enrrequest', node, PacketType.EnrResponse, options, packet, (p, self) => {
      if (p.type !== PacketType.EnrResponse || !equalBytes(p.data.requestHash, packet.hash)) return false;
      const record = p.data.record;
      if (!equalBytes(record.nodeId, node.id)) {
        this.settle(self, () => self.reject(new BadReplyError('ENRRESPONSE carries the record of another node')));
      } else {
        this.settle(self, () => self.resolve(record));
      }
      return true;
    }, () => this.stats.enrRequestsSent++);
  }

  /** Cancel every pending request (they reject `aborted`), stop answering, close the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const set of [...this.pending.values()]) {
      for (const p of [...set]) this.settle(p, () => p.reject(new RequestAbortedError(p.what, { cause: 'endpoint closed' })));
    }
    for (const set of this.pingWaiters.values()) for (const wake of [...set]) wake();
    this.pingWaiters.clear();
    await this.transport.close();
  }

  // -------------------------------------------------------------------------------------------
  // Request plumbing

  private request<T>(
    what: string,
    node: NodeRecord,
    replyType: PacketTypeId,
    options: RequestOptions,
    packet: EncodedPacket,
    onPacket: (p: DecodedPacket, self: Pending<T>) => boolean,
    onSent: () => void,
    onTimeout?: (self: Pending<T>) => void,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new RequestAbortedError(what, { cause: 'endpoint closed' }));
    if (options.signal?.aborted) return Promise.reject(new RequestAbortedError(what, { cause: options.signal.reason }));
    const ip = normalizeIp(node.ip) ?? node.ip;
    this.bonds.rememberTcpPort(this.bondKey(node.id, ip), node.tcpPort);
    const timeoutMs = options.timeoutMs ?? this.responseTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const p = new Pending<T>(
        what,
        `${bytesToHex(node.id)}:${replyType}`,
        ip,
        onPacket,
        resolve,
        reject,
        onTimeout ?? ((self) => this.settle(self, () => self.reject(new RequestTimeoutError(what, timeoutMs)))),
      );
      this.addPending(p);
      const signal = options.signal;
      if (signal) {
        const onAbort = () => this.settle(p, () => p.reject(new RequestAbortedError(what, { cause: signal.reason })));
        signal.addEventListener('abort', onAbort, { once: true });
        p.cleanup.push(() => signal.removeEventListener('abort', onAbort));
      }
      this.armTimer(p, timeoutMs);
      try {
        this.transport.send(packet.bytes, { address: ip, port: node.udpPort });
        onSent();
      } catch (err) {
        this.settle(p, () => p.reject(toNodeFinderError(err)));
      }
    });
  }

  private addPending<T>(p: Pending<T>): void {
    let set = this.pending.get(p.key);
    if (!set) this.pending.set(p.key, (set = new Set()));
    set.add(p as unknown as Pending<unknown>);
  }

  private armTimer<T>(p: Pending<T>, ms: number): void {
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    p.timer = this.clock.setTimer(ms, () => {
      p.timer = undefined;
      if (!p.settled) p.onTimeout(p);
    });
  }

  /** Remove the request from every structure, then run its resolve/reject exactly once. */
  private settle<T>(p: Pending<T>, fn: () => void): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    p.timer = undefined;
    for (const c of p.cleanup) c();
    const set = this.pending.get(p.key);
    if (set) {
      set.delete(p as unknown as Pending<unknown>);
      if (set.size === 0) this.pending.delete(p.key);
    }
    fn();
  }

  /** Offer a reply to the pending requests of its sender; true if one took it. */
  private matchReply(p: DecodedPacket, nodeIdHex: string, ip: string): boolean {
    const set = this.pending.get(`${nodeIdHex}:${p.type}`);
    if (!set) return false;
    for (const pending of [...set]) {
      if (pending.ip === ip && !pending.settled && pending.onPacket(p, pending)) return true;
    }
    return false;
  }

  /**
   * Make sure the remote holds an endpoint proof of us before we ask it anything: without a PING
   * from it within 12 h, ping it (errors propagate: a node that does not answer PING will not
   * answer FINDNODE either), then give it up to bondWaitMs to ping us back. True if it pinged.
   */
  private async ensureBond(node: NodeRecord, options: RequestOptions): Promise<boolean> {
    const key = this.bondKey(node.id, node.ip);
    if (this.bonds.hasPingFrom(key, this.clock.now())) return false;
    await this.ping(node, options);
    if (this.bonds.hasPingFrom(key, this.clock.now())) return true;
    await this.waitForPing(key, this.bondWaitMs, options.signal);
    return true;
  }

  /** Bond again although we hold a PING from the remote: ping it, wait for a PING newer than ours. */
  private async rebond(node: NodeRecord, options: RequestOptions): Promise<void> {
    const key = this.bondKey(node.id, node.ip);
    const before = this.bonds.get(key)?.pings ?? 0;
    await this.ping(node, options);
    if ((this.bonds.get(key)?.pings ?? 0) !== before) return;
    await this.waitForPing(key, this.bondWaitMs, options.signal);
  }

  private waitForPing(key: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) return Promise.reject(new RequestAbortedError('bond', { cause: 'endpoint closed' }));
    if (signal?.aborted) return Promise.reject(new RequestAbortedError('bond', { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      let set = this.pingWaiters.get(key);
      if (!set) this.pingWaiters.set(key, (set = new Set()));
      const finish = (err?: NodeFinderError) => {
        this.clock.clearTimer(timer);
        signal?.removeEventListener('abort', onAbort);
        set!.delete(wake);
        if (set!.size === 0 && this.pingWaiters.get(key) === set) this.pingWaiters.delete(key);
        if (err) reject(err);
        else if (this.closed) reject(new RequestAbortedError('bond', { cause: 'endpoint closed' }));
        else resolve();
      };
      const wake = () => finish();
      const onAbort = () => finish(new RequestAbortedError('bond', { cause: signal?.reason }));
      const timer = this.clock.setTimer(ms, wake);
      set.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // -------------------------------------------------------------------------------------------
  // Receive path

  private receive(data: Uint8Array, from: UdpAddress): void {
    if (this.closed) return;
    let p: DecodedPacket;
    try {
      p = decodePacket(data);
    } catch (err) {
      this.countDecodeError(err);
      return;
    }
    try {
      this.handle(p, { address: normalizeIp(from.address) ?? from.address, port: from.port });
    } catch (err) {
      // A bug in a handler or a hook must not take down the socket loop; count it as 'internal'.
      this.countDecodeError(err instanceof NodeFinderError ? err : new NodeFinderError('internal', String(err), { cause: err }));
    }
  }

  private countDecodeError(err: unknown): void {
    const kind = toNodeFinderError(err).kind;
    this.stats.decodeErrors[kind] = (this.stats.decodeErrors[kind] ?? 0) + 1;
  }

  private handle(p: DecodedPacket, from: UdpAddress): void {
    const idHex = bytesToHex(p.nodeId);
    if (idHex === this.nodeIdHex) {
      this.stats.selfPackets++;
      return;
    }
    const now = this.clock.now();
    // discv4.md: packets whose expiration lies in the past are not processed. ENRRESPONSE has none.
    if ('expiration' in p.data && p.data.expiration * 1000 < now) {
      this.stats.expiredPackets++;
      return;
    }
    const key = BondStore.key(idHex, from.address);
    switch (p.type) {
      case PacketType.Ping: {
        this.stats.pingsReceived++;
        const tcpPort = p.data.from.tcpPort;
        this.sendAnswer(
          () =>
            encodePacket(
              PacketType.Pong,
              {
                to: { ip: from.address, udpPort: from.port, tcpPort },
                pingHash: p.hash,
                expiration: this.expiration(),
                enrSeq: this.enr.seq,
              },
              this.privateKey,
            ),
          from,
        );
        this.bonds.pingReceived(key, now, tcpPort);
        const node = this.nodeAt(p, from, key);
        this.seen(node, DISCOVERY_SOURCE, p.type);
        // discv4.md: without a recent endpoint proof of the sender, ping it as well.
        if (!this.bonds.hasPongFrom(key, now) && !this.pending.get(`${idHex}:${PacketType.Pong}`)?.size) {
          this.ping(node).catch(() => undefined);
        }
        const waiters = this.pingWaiters.get(key);
        if (waiters) for (const wake of [...waiters]) wake();
        return;
      }
      case PacketType.Pong: {
        if (!this.matchReply(p, idHex, from.address)) {
          this.stats.unsolicitedReplies++;
          return;
        }
        this.stats.pongsReceived++;
        this.bonds.pongReceived(key, now);
        const to = p.data.to;
        this.hook(() => this.hooks.onEndpointStatement?.(from, { address: to.ip, port: to.udpPort }));
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        return;
      }
      case PacketType.FindNode: {
        this.stats.findnodeReceived++;
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        if (!this.bonds.hasPongFrom(key, now)) {
          this.stats.unbondedRequests++;
          return;
        }
        const closest = (this.closestFn?.(keccak256(p.data.target), BUCKET_SIZE) ?? []).slice(0, BUCKET_SIZE);
        // geth handleFindnode: relay only entries the requester may use (CheckRelayAddr).
        const relayable = closest.filter((n) => checkRelayAddr(from.address, n.ip) === undefined);
        this.stats.neighborsWithheld += closest.length - relayable.length;
        const packets = encodeNeighbors(relayable, this.expiration(), this.privateKey);
        for (const packet of packets) this.sendAnswer(() => packet, from);
        return;
      }
      case PacketType.Neighbors: {
        // Counted inside acceptNeighbors only when solicited.
        if (!this.matchReply(p, idHex, from.address)) {
          this.stats.unsolicitedReplies++;
          return;
        }
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        return;
      }
      case PacketType.EnrRequest: {
        this.stats.enrRequestsReceived++;
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        if (!this.bonds.hasPongFrom(key, now)) {
          this.stats.unbondedRequests++;
          return;
        }
        this.sendAnswer(() => encodePacket(PacketType.EnrResponse, { requestHash: p.hash, record: this.enr }, this.privateKey), from);
        return;
      }
      case PacketType.EnrResponse: {
        if (!this.matchReply(p, idHex, from.address)) {
          this.stats.unsolicitedReplies++;
          return;
        }
        this.stats.enrResponsesReceived++;
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        return;
      }
    }
  }

  /**
   * Validate the entries of a solicited NEIGHBORS datagram from `sender` (an IP), report them,
   * return the usable ones. Each entry is judged on its own, as geth's nodeFromRPC does: one bad
   * entry costs only itself.
   */
  private acceptNeighbors(nodes: readonly NodeRecord[], sender: string, malformed: number): NodeRecord[] {
    this.stats.neighborsReceived++;
    this.stats.nodesLearned += nodes.length + malformed;
    if (malformed > 0) {
      this.stats.invalidNeighbors += malformed;
      this.stats.neighborsDropped.malformed = (this.stats.neighborsDropped.malformed ?? 0) + malformed;
    }
    const out: NodeRecord[] = [];
    for (const n of nodes) {
      const reason: DropReason | undefined =
        checkRelayedEndpoint(sender, n) ?? (equalBytes(n.id, this.nodeId) ? 'self' : !isValidPublicKey(n.publicKey) ? 'bad_key' : undefined);
      if (reason) {
        this.stats.invalidNeighbors++;
        this.stats.neighborsDropped[reason] = (this.stats.neighborsDropped[reason] ?? 0) + 1;
        continue;
      }
      out.push(n);
      this.seen(n, 'neighbors', PacketType.Neighbors);
    }
    return out;
  }

  private nodeAt(p: DecodedPacket, from: UdpAddress, key: string): NodeRecord {
    const tcpPort = p.type === PacketType.Ping ? p.data.from.tcpPort : (this.bonds.get(key)?.tcpPort ?? 0);
    return { id: p.nodeId, publicKey: p.publicKey, ip: from.address, udpPort: from.port, tcpPort };
  }

  private seen(node: NodeRecord, source: NodeSeenSource, type: PacketTypeId): void {
    if (!this.onNodeSeen) return;
    try {
      this.onNodeSeen(node, source, type);
    } catch (err) {
      this.countDecodeError(new NodeFinderError('internal', `onNodeSeen hook threw: ${String(err)}`, { cause: err }));
    }
  }

  private hook(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.countDecodeError(new NodeFinderError('internal', `endpoint hook threw: ${String(err)}`, { cause: err }));
    }
  }

  private sendAnswer(make: () => EncodedPacket, to: UdpAddress): void {
    try {
      this.transport.send(make().bytes, to);
    } catch {
      this.stats.sendErrors++;
    }
  }

  private expiration(): number {
    return Math.floor((this.clock.now() + this.packetExpirationMs) / 1000);
  }

  private bondKey(id: Uint8Array, ip: string): string {
    return BondStore.key(bytesToHex(id), normalizeIp(ip) ?? ip);
  }

  private buildEnr(seq: bigint): Enr {
    const ip = this.advertisedIp;
    const udp = this.transport.localAddress.port;
    const base = { privateKey: this.privateKey, seq };
    if (ip === '' || isUnspecifiedIp(ip)) return createEnr({ ...base, udp, tcp: this.tcpPort });
    if (ip.includes(':')) return createEnr({ ...base, ip6: ip, udp6: udp, tcp6: this.tcpPort });
    return createEnr({ ...base, ip, udp, tcp: this.tcpPort });
  }
}
