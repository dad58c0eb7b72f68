/**
 * The shapes of the discovery v4 endpoint (src/discv4/endpoint.ts): its options, request options and
 * results, and its cumulative counters (sampled by the crawler's metrics and discovery_counters).
 */
import type { Enr } from '../enode/enr.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { AddressSource } from '../events.js';
import type { ErrorKind } from '../errors.js';
import type { Clock } from '../net/clock.js';
import type { UdpAddress, UdpTransport } from '../net/transport.js';
import type { PacketTypeId } from './constants.js';
import type { DropReason } from './relay.js';

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

export function newCounters(): Discv4Counters {
  return {
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
}

/** A copy that later counting does not change (subtract two snapshots for per-minute deltas). */
export function snapshotCounters(c: Discv4Counters): Discv4Counters {
  return { ...c, decodeErrors: { ...c.decodeErrors }, neighborsDropped: { ...c.neighborsDropped } };
}
