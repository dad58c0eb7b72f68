/**
 * The discovery v4 UDP protocol engine: one per NodeFinder instance, with its Clock and
 * UdpTransport injected. It sends requests (ping / findNode / requestEnr as promises with a
 * timeout and an AbortSignal) and owns the pieces: the reply matcher (pending-requests.ts), endpoint
 * proofs before asking (bonding.ts: without a PING from the remote in 12 h we ping first and wait
 * briefly for its PING, geth's ensureBond), the receive path and its drops (receive.ts) and the
 * answers to other nodes (answers.ts; FINDNODE / ENRREQUEST only with a valid proof of the sender).
 */
import { keccak256, publicKeyFromPrivate } from '../crypto/index.js';
import { createEnr, type Enr } from '../enode/enr.js';
import { isUnspecifiedIp, normalizeIp } from '../net/ip.js';
import type { NodeRecord } from '../enode/node-record.js';
import { toNodeFinderError } from '../errors.js';
import { systemClock, type Clock } from '../net/clock.js';
import type { UdpAddress, UdpTransport } from '../net/transport.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { Discv4Answers } from './answers.js';
import { Bonding } from './bonding.js';
import { BondStore } from './bonds.js';
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
import {
  newCounters,
  snapshotCounters,
  type Discv4Counters,
  type Discv4EndpointOptions,
  type PingResult,
  type RequestOptions,
} from './endpoint-types.js';
import { BadPacketError, BadReplyError } from './errors.js';
import { acceptNeighbors } from './neighbors-intake.js';
import { RequestAbortedError, RequestTimeoutError } from '../net/request.js';
import { encodePacket, type DecodedPacket, type EncodedPacket } from './packet.js';
import { PendingRequests, type Pending } from './pending-requests.js';
import { Discv4Receiver } from './receive.js';

export type { Discv4Counters, Discv4EndpointOptions, NodeSeenSource, PingResult, RequestOptions } from './endpoint-types.js';

export class Discv4Endpoint {
  readonly publicKey: Uint8Array;
  readonly nodeId: Uint8Array;
  private readonly nodeIdHex: string;
  private readonly privateKey: Uint8Array;
  private readonly transport: UdpTransport;
  private readonly clock: Clock;
  private readonly answers: Discv4Answers;
  private readonly responseTimeoutMs: number;
  private readonly packetExpirationMs: number;
  private readonly bonding: Bonding;
  private readonly bonds: BondStore;
  private readonly rx: Discv4Receiver;
  private readonly onContact: Discv4EndpointOptions['onContact'];
  private advertisedIp: string;
  private readonly tcpPort: number;
  private enr: Enr;
  private readonly pending: PendingRequests;
  private closed = false;
  private readonly onRebond: Discv4EndpointOptions['onRebond'];
  private readonly stats: Discv4Counters = newCounters();

  constructor(options: Discv4EndpointOptions) {
    this.privateKey = options.privateKey;
    this.publicKey = publicKeyFromPrivate(options.privateKey);
    this.nodeId = keccak256(this.publicKey);
    this.nodeIdHex = bytesToHex(this.nodeId);
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.responseTimeoutMs = options.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
    this.packetExpirationMs = options.packetExpirationMs ?? PACKET_EXPIRATION_MS;
    this.onRebond = options.onRebond;
    this.bonding = new Bonding(this.clock, {
      expirationMs: options.bondExpirationMs ?? BOND_EXPIRATION_MS,
      maxEntries: options.maxBondEntries ?? MAX_BOND_ENTRIES,
      waitMs: options.bondWaitMs ?? BOND_WAIT_MS,
      ping: (node, o) => this.ping(node, o),
    });
    this.bonds = this.bonding.store;
    this.pending = new PendingRequests(this.clock);
    this.onContact = options.onContact;
    const local = this.transport.localAddress;
    this.advertisedIp = normalizeIp(options.advertisedIp ?? local.address) ?? '';
    this.tcpPort = options.tcpPort ?? local.port;
    this.enr = options.enr ?? this.buildEnr(options.enrSeq ?? 1n);
    if (!equalBytes(this.enr.nodeId, this.nodeId)) throw new RangeError('Discv4Endpoint: enr is not signed with privateKey');
    this.answers = new Discv4Answers({
      privateKey: this.privateKey,
      transport: this.transport,
      stats: this.stats,
      enr: () => this.enr,
      expiration: () => this.expiration(),
      closest: options.closest,
    });
    this.rx = new Discv4Receiver({
      nodeIdHex: this.nodeIdHex,
      clock: this.clock,
      stats: this.stats,
      bonds: this.bonds,
      bonding: this.bonding,
      pending: this.pending,
      answers: this.answers,
      isClosed: () => this.closed,
      ping: (node) => this.ping(node),
      onNodeSeen: options.onNodeSeen,
      onEndpointStatement: options.onEndpointStatement,
    });
    this.transport.onMessage((data, from) => this.rx.receive(data, from));
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
    return snapshotCounters(this.stats);
  }

  /** Number of outstanding requests (tests assert nothing leaks). */
  get pendingCount(): number {
    return this.pending.count;
  }

  /** True if we hold a valid endpoint proof of this node (a PONG from id+IP within 12 h). */
  isBonded(node: Pick<NodeRecord, 'id' | 'ip'>): boolean {
    return this.bonding.isBonded(node);
  }

  /**
   * Record an endpoint proof both ways without the PING/PONG exchange: only for local test
   * networks whose ground truth says the two sides bonded (src/testnet pre-fills tables this way
   * instead of a start-up PING storm). Never called on what the network tells us.
   */
  assumeBonded(node: Pick<NodeRecord, 'id' | 'ip' | 'tcpPort'>): void {
    this.bonding.assume(node);
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
      this.pending.settle(self, () => self.resolve({ pongAt: now, rttMs: now - sentAt, enrSeq: p.data.enrSeq }));
      return true;
    }, () => {
      this.stats.pingsSent++;
      this.rx.hook(() => this.onContact?.({ address: normalizeIp(node.ip) ?? node.ip, port: node.udpPort }));
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
    const bonded = await this.bonding.ensure(node, options);
    try {
      return await this.sendFindNode(node, target, options);
    } catch (err) {
      if (bonded || !(err instanceof RequestTimeoutError)) throw err;
    }
    this.stats.findnodeRebonds++;
    let nodes: NodeRecord[];
    try {
      await this.bonding.rebond(node, options);
      nodes = await this.sendFindNode(node, target, options);
    } catch (err) {
      if (!(err instanceof RequestAbortedError)) this.rx.hook(() => this.onRebond?.(node, false));
      throw err;
    }
    this.stats.findnodeRebondsAnswered++;
    this.rx.hook(() => this.onRebond?.(node, true));
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
        for (const n of acceptNeighbors(this.stats, this.nodeId, p.data.nodes, self.ip, malformed)) {
          nodes.push(n);
          this.rx.seen(n, 'neighbors', PacketType.Neighbors);
        }
        if (p.data.nodes.length + malformed === 0 || received >= BUCKET_SIZE) this.pending.settle(self, () => self.resolve(nodes));
        else this.pending.armTimer(self, options.timeoutMs ?? this.responseTimeoutMs); // wait for the next datagram
        return true;
      },
      () => this.stats.findnodeSent++,
      (self) => {
        if (replies > 0) this.pending.settle(self, () => self.resolve(nodes));
        else this.pending.settle(self, () => self.reject(new RequestTimeoutError('findnode', options.timeoutMs ?? this.responseTimeoutMs)));
      },
    );
  }

  /** ENRREQUEST → the verified record from ENRRESPONSE, matched on the request hash. */
  async requestEnr(node: NodeRecord, options: RequestOptions = {}): Promise<Enr> {
    await this.bonding.ensure(node, options);
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
        this.pending.settle(self, () => self.reject(new BadReplyError('ENRRESPONSE carries the record of another node')));
      } else {
        this.pending.settle(self, () => self.resolve(record));
      }
      return true;
    }, () => this.stats.enrRequestsSent++);
  }

  /** Cancel every pending request (they reject `aborted`), stop answering, close the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.abortAll('endpoint closed');
    this.bonding.close();
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
    this.bonds.rememberTcpPort(Bonding.key(node.id, ip), node.tcpPort);
    return this.pending.start<T>({
      what,
      key: PendingRequests.key(bytesToHex(node.id), replyType),
      ip,
      timeoutMs: options.timeoutMs ?? this.responseTimeoutMs,
      signal: options.signal,
      onPacket,
      onTimeout,
      send: () => {
        this.transport.send(packet.bytes, { address: ip, port: node.udpPort });
        onSent();
      },
    });
  }

  private expiration(): number {
    return Math.floor((this.clock.now() + this.packetExpirationMs) / 1000);
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
