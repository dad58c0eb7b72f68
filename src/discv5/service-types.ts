/** The public shapes of the discv5 service (service.ts): call targets and results, events, options. */
import type { Enr } from '../enode/enr.js';
import type { NodeFinderError } from '../errors.js';
import type { Clock } from '../net/clock.js';
import type { UdpAddress } from '../net/transport.js';
import type { Discv5Identity, Discv5Random } from './codec.js';
import type { RequestMessage } from './messages.js';
import type { TableLookup } from './responder.js';

export interface Discv5Target {
  nodeId: Uint8Array;
  addr: UdpAddress;
  /** Needed to answer a WHOAREYOU (its key); without it only calls over an existing session work. */
  enr?: Enr;
}

export interface FindNodeResult {
  records: Enr[];
  /** False when the call timed out after some, not all, NODES messages arrived. */
  complete: boolean;
  /** Records dropped: bad signature/shape, wrong distance, duplicates. */
  invalid: number;
}

export type CallResult = { type: 'pong'; enrSeq: bigint; ip: string; port: number } | { type: 'nodes'; result: FindNodeResult } | { type: 'talk'; response: Uint8Array };

export type Discv5Event =
  /** A session is up; `enr` is the remote's verified record. */
  | { type: 'session'; nodeId: Uint8Array; addr: UdpAddress; enr: Enr; initiator: boolean }
  /** We answered a request. */
  | { type: 'request'; nodeId: Uint8Array; addr: UdpAddress; message: RequestMessage }
  /** A datagram we dropped (hostile, malformed, unsolicited, rate-limited). */
  | { type: 'dropped'; addr: UdpAddress; reason: string; error?: NodeFinderError };

export interface Discv5ServiceOptions {
  identity: Discv5Identity;
  clock: Clock;
  send(packet: Uint8Array, to: UdpAddress): void;
  random?: Discv5Random;
  /** Our routing table, by log distance, for FINDNODE answers. */
  lookup?: TableLookup;
  /** The record we know for a node ID (WHOAREYOU's enr-seq; lets the remote skip sending its record). */
  knownEnr?: (nodeId: Uint8Array) => Enr | undefined;
  /** TALKREQ handler; undefined = unknown protocol (empty TALKRESP, discv5-wire.md). */
  talk?: (protocol: Uint8Array, request: Uint8Array, from: { nodeId: Uint8Array; addr: UdpAddress }) => Uint8Array | undefined;
  onEvent?: (event: Discv5Event) => void;
  responseTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /**
   * Re-sends of a request that got no answer at all (default 0: discv5-wire.md "should not re-send
   * packets if the recipient doesn't respond"; @chainsafe/discv5 re-sends once). A crawler on a lossy
   * path may want 1.
   */
  retries?: number;
  maxSessions?: number;
  handshakeBurstPerIp?: number;
  handshakesPerSecondPerIp?: number;
}

export interface Discv5Stats {
  packetsIn: number;
  packetsOut: number;
  dropped: number;
  whoareyouSent: number;
  handshakesIn: number;
  handshakesOut: number;
  rateLimited: number;
  requestsAnswered: number;
  retries: number;
}
