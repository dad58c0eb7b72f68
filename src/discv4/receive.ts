/**
 * The discovery v4 receive path: decode, drop (expired, our own key, unsolicited replies, bad
 * datagrams — each counted), hand replies to the pending requests, record PINGs and PONGs in the
 * bond store, and answer PING / FINDNODE / ENRREQUEST (answers.ts) — FINDNODE and ENRREQUEST only
 * with a valid endpoint proof of the sender (discv4.md, the anti-amplification rule). Nothing ever
 * throws out of here: a failing handler or hook is counted as `internal`.
 */
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import { normalizeIp } from '../net/ip.js';
import type { UdpAddress } from '../net/transport.js';
import { bytesToHex } from '../util/bytes.js';
import type { Discv4Answers } from './answers.js';
import type { Bonding } from './bonding.js';
import { BondStore } from './bonds.js';
import { PacketType, type PacketTypeId } from './constants.js';
import type { Discv4Counters, Discv4EndpointOptions, NodeSeenSource } from './endpoint-types.js';
import { decodePacket, type DecodedPacket } from './packet.js';
import type { PendingRequests } from './pending-requests.js';

const DISCOVERY_SOURCE: NodeSeenSource = 'ping';

export interface ReceiveContext {
  readonly nodeIdHex: string;
  readonly clock: Clock;
  readonly stats: Discv4Counters;
  readonly bonds: BondStore;
  readonly bonding: Bonding;
  readonly pending: PendingRequests;
  readonly answers: Discv4Answers;
  isClosed(): boolean;
  /** Ping a node that pinged us while we hold no proof of it (discv4.md). */
  ping(node: NodeRecord): Promise<unknown>;
  readonly onNodeSeen: Discv4EndpointOptions['onNodeSeen'];
  readonly onEndpointStatement: Discv4EndpointOptions['onEndpointStatement'];
}

export class Discv4Receiver {
  constructor(private readonly c: ReceiveContext) {}

  receive(data: Uint8Array, from: UdpAddress): void {
    if (this.c.isClosed()) return;
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
    this.c.stats.decodeErrors[kind] = (this.c.stats.decodeErrors[kind] ?? 0) + 1;
  }

  private handle(p: DecodedPacket, from: UdpAddress): void {
    const idHex = bytesToHex(p.nodeId);
    if (idHex === this.c.nodeIdHex) {
      this.c.stats.selfPackets++;
      return;
    }
    const now = this.c.clock.now();
    // discv4.md: packets whose expiration lies in the past are not processed. ENRRESPONSE has none.
    if ('expiration' in p.data && p.data.expiration * 1000 < now) {
      this.c.stats.expiredPackets++;
      return;
    }
    const key = BondStore.key(idHex, from.address);
    switch (p.type) {
      case PacketType.Ping: {
        this.c.stats.pingsReceived++;
        const tcpPort = p.data.from.tcpPort;
        this.c.answers.pong(p.hash, tcpPort, from);
        this.c.bonds.pingReceived(key, now, tcpPort);
        const node = this.nodeAt(p, from, key);
        this.seen(node, DISCOVERY_SOURCE, p.type);
        // discv4.md: without a recent endpoint proof of the sender, ping it as well.
        if (!this.c.bonds.hasPongFrom(key, now) && !this.c.pending.has(idHex, PacketType.Pong)) {
          this.c.ping(node).catch(() => undefined);
        }
        this.c.bonding.pinged(key);
        return;
      }
      case PacketType.Pong: {
        if (!this.solicited(p, idHex, from)) return;
        this.c.stats.pongsReceived++;
        this.c.bonds.pongReceived(key, now);
        const to = p.data.to;
        this.hook(() => this.c.onEndpointStatement?.(from, { address: to.ip, port: to.udpPort }));
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        return;
      }
      case PacketType.FindNode: {
        this.c.stats.findnodeReceived++;
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        if (!this.proven(key, now)) return;
        this.c.answers.neighbors(p.data.target, from);
        return;
      }
      case PacketType.Neighbors: {
        // Counted inside acceptNeighbors only when solicited.
        if (!this.solicited(p, idHex, from)) return;
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        return;
      }
      case PacketType.EnrRequest: {
        this.c.stats.enrRequestsReceived++;
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        if (!this.proven(key, now)) return;
        this.c.answers.enrResponse(p.hash, from);
        return;
      }
      case PacketType.EnrResponse: {
        if (!this.solicited(p, idHex, from)) return;
        this.c.stats.enrResponsesReceived++;
        this.seen(this.nodeAt(p, from, key), DISCOVERY_SOURCE, p.type);
        return;
      }
    }
  }

  /** A reply some pending request took; else counted as unsolicited. */
  private solicited(p: DecodedPacket, idHex: string, from: UdpAddress): boolean {
    if (this.c.pending.match(p, idHex, from.address)) return true;
    this.c.stats.unsolicitedReplies++;
    return false;
  }

  /** The sender holds a valid endpoint proof (a PONG within 12 h); else the request is counted and ignored. */
  private proven(key: string, now: number): boolean {
    if (this.c.bonds.hasPongFrom(key, now)) return true;
    this.c.stats.unbondedRequests++;
    return false;
  }

  private nodeAt(p: DecodedPacket, from: UdpAddress, key: string): NodeRecord {
    const tcpPort = p.type === PacketType.Ping ? p.data.from.tcpPort : (this.c.bonds.get(key)?.tcpPort ?? 0);
    return { id: p.nodeId, publicKey: p.publicKey, ip: from.address, udpPort: from.port, tcpPort };
  }

  seen(node: NodeRecord, source: NodeSeenSource, type: PacketTypeId): void {
    if (!this.c.onNodeSeen) return;
    try {
      this.c.onNodeSeen(node, source, type);
    } catch (err) {
      this.countDecodeError(new NodeFinderError('internal', `onNodeSeen hook threw: ${String(err)}`, { cause: err }));
    }
  }

  hook(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.countDecodeError(new NodeFinderError('internal', `endpoint hook threw: ${String(err)}`, { cause: err }));
    }
  }
}
