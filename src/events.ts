/**
 * The typed event union the crawler yields. The batched writer (src/store), the CLI status line and
 * the metrics endpoint consume it; nothing else flows from the crawler to storage.
 *
 * Conventions: times are ms since the Unix epoch (from the injected Clock); node IDs and public keys
 * are lowercase hex without 0x (node ID = keccak256(pubkey), 32 bytes; pubkey 64 bytes);
 * `instance` is the instance's node ID (hex) — stable across restarts because keys are persisted.
 */
import type { ErrorKind } from './errors.js';
import type { DisconnectReasonName } from './devp2p/disconnect-reasons.js';

/**
 * How a node was learned: a discv4 NEIGHBORS entry, a discv5 NODES entry (`nodes`), a discv4 packet
 * from a bonded node (`ping`), a discv5 session the node opened with us (`v5_session`), an inbound
 * RLPx peer, a bootnode, the static set, or a signed EIP-1459 DNS list.
 */
export type AddressSource = 'neighbors' | 'nodes' | 'inbound' | 'bootnode' | 'ping' | 'v5_session' | 'static' | 'dns';
/** The discovery protocols a node can answer us on. */
export type DiscoveryProtocol = 'v4' | 'v5';
export type DialKind = 'dynamic' | 'static' | 'inbound';
export type DialOutcome =
  | 'status' // HELLO and STATUS exchanged (the goal)
  | 'hello' // HELLO exchanged, no STATUS (no eth capability, or peer left first)
  | 'disconnect' // peer disconnected before HELLO completed (e.g. too_many_peers)
  | 'error'; // failed: see errorKind
/**
 * The crawl policy's reading of one connection, decided by src/crawler/probe.ts (dialVerdict):
 * 'hello' — HELLO completed; 'too_many_peers' — a live node that is full (said so before STATUS);
 * both put the node in the static set. 'failed' — neither.
 */
export type DialVerdict = 'hello' | 'too_many_peers' | 'failed';
export type ForkVerdict = 'compatible' | 'incompatible' | 'remote_stale' | 'local_stale' | 'unchecked';

export interface InstanceStartedEvent {
  type: 'instance_started';
  instance: string;
  publicKey: string;
  host: string;
  udpPort: number;
  tcpPort: number;
  network: string;
  codeVersion: string;
  at: number;
}

export interface InstanceStoppedEvent {
  type: 'instance_stopped';
  instance: string;
  at: number;
}

/** A node address learned or confirmed. */
export interface NodeSeenEvent {
  type: 'node_seen';
  instance: string;
  nodeId: string;
  publicKey: string;
  ip: string;
  udpPort: number;
  tcpPort: number;
  source: AddressSource;
  at: number;
}

/** Per-instance discovery counters for one minute bucket (deltas, summed by the store). */
export interface DiscoveryCountersEvent {
  type: 'discovery_counters';
  instance: string;
  minute: number; // start of the minute, ms
  findnodeSent: number;
  neighborsReceived: number;
  nodesLearned: number; // node entries received in NEIGHBORS (with repeats)
  newNodes: number; // nodes this instance had never seen before
  pingsSent: number;
  pongsReceived: number;
  pingsReceived: number;
  findnodeReceived: number;
  tableSize: number; // gauge at the end of the minute
  /** NEIGHBORS entries dropped by the port/relay/key rules (discv4/relay.ts); absent in old journals. */
  neighborsDropped?: number;
  /** FINDNODEs retried after a re-bond; absent in old journals. */
  findnodeRebonds?: number;
}

/**
 * The counters of discv5 activity (discovery-v5.ts V5Counters, a discovery_v5_counters event), in
 * column order. Each is a column of discovery_v5_counters and rollup_discovery_v5 and a kind of the
 * nodefinder_discovery_v5_total metric, under its snake_case name (V5_COUNTER_COLUMNS).
 */
export const V5_COUNTER_FIELDS = ['lookups', 'findnodeSent', 'nodesReceived', 'recordsLearned', 'pingsSent', 'pongsReceived', 'sessionsIn', 'requestsAnswered', 'dropped'] as const;
export type V5CounterField = (typeof V5_COUNTER_FIELDS)[number];
/** V5_COUNTER_FIELDS as column (and metric kind) names: `findnodeSent` → `findnode_sent`. */
export const V5_COUNTER_COLUMNS = V5_COUNTER_FIELDS.map((f) => f.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`));

/**
 * Per-instance discovery v5 counters for one minute bucket (deltas of discovery-v5.ts V5Counters,
 * summed by the store; emitted beside discovery_counters on the same minute boundaries).
 */
export interface DiscoveryV5CountersEvent {
  type: 'discovery_v5_counters';
  instance: string;
  minute: number; // start of the minute, ms
  lookups: number;
  findnodeSent: number;
  nodesReceived: number; // FINDNODE requests answered
  recordsLearned: number; // records new to the instance's v5 table
  pingsSent: number;
  pongsReceived: number;
  sessionsIn: number;
  requestsAnswered: number;
  dropped: number;
  tableSize: number; // gauge at the end of the minute
}

/**
 * A FINDNODE to this node went unanswered while we relied on an older bond; we re-bonded and asked
 * again (discv4/endpoint.ts findNode). Per node, so reports can group it by the node's client.
 */
export interface FindnodeRebondEvent {
  type: 'findnode_rebond';
  instance: string;
  nodeId: string;
  /** The retry got NEIGHBORS: the node had dropped our endpoint proof (reth keeps it 1 h). */
  answered: boolean;
  at: number;
}

export interface HelloInfo {
  p2pVersion: number;
  clientId: string;
  /** Parsed from clientId, e.g. Geth/v1.14.0-stable-abcdef/linux-amd64/go1.22.1 */
  clientName: string;
  clientVersion: string | null;
  os: string | null;
  arch: string | null;
  runtime: string | null;
  caps: string[]; // "eth/68"
  listenPort: number;
}

export interface StatusInfo {
  ethVersion: number;
  networkId: bigint;
  totalDifficulty: bigint | null; // absent from eth/69+
  bestHash: string;
  genesisHash: string;
  forkHash: string; // 4 bytes hex
  forkNext: bigint;
  forkVerdict: ForkVerdict;
  /** eth/69+ carries latest block number; otherwise learned from a header request (or null). */
  bestBlock: bigint | null;
  earliestBlock: bigint | null;
}

/** Where a connection's `rttMs` came from (README "How RTT is measured and what it means"). */
export type RttSource = 'p2p_ping' | 'disc_ping';

/**
 * Timings of one connection. Only request/response pairs the remote answers without real work are
 * RTT samples (p2p PING→PONG; discv4 PING→PONG as a fallback); the RLPx handshake and HELLO→STATUS
 * include the remote's ECIES and application work and are kept apart, never mixed into RTT.
 */
export interface RttInfo {
  /** RFC 6298 smoothed RTT (α = 1/8) over the p2p PING→PONG samples; null without any. */
  srttMs: number | null;
  /** Lowest p2p PING→PONG sample; null without any. */
  minMs: number | null;
  /** p2p PING→PONG samples taken. */
  samples: number;
  /** The network RTT reports use: minMs when samples > 0, else discPingMs, else null. */
  rttMs: number | null;
  rttSource: RttSource | null;
  tcpConnectMs: number | null;
  discPingMs: number | null; // discv4 PING→PONG
  /** RLPx auth written → ack received (1 RTT + the remote's ECIES work); null for inbound. */
  handshakeMs: number | null;
  /** Our HELLO written → the remote's STATUS received (1 RTT + the remote's HELLO/STATUS work). */
  statusMs: number | null;
}

/** One connection attempt (outbound dial or inbound accept), with all it learned. */
export interface DialEvent {
  type: 'dial';
  /** Client-generated UUID (crypto.randomUUID()): the store's key, makes journal replay idempotent. */
  dialId: string;
  instance: string;
  kind: DialKind;
  nodeId: string | null; // inbound peers are known only after the handshake
  publicKey: string | null; // the remote key from the RLPx handshake, when it got that far
  ip: string;
  tcpPort: number;
  startedAt: number;
  endedAt: number;
  connectMs: number | null;
  /** RLPx handshake (auth → ack, both sides' crypto included), ms; null when it did not complete. */
  handshakeMs?: number | null;
  outcome: DialOutcome;
  /** The probe's verdict (the store records it as decided, it never re-derives it). */
  verdict: DialVerdict;
  /** The remote gave a sign of life (inbound, or it answered at all): moves nodes.last_seen. */
  alive: boolean;
  errorKind: ErrorKind | null;
  errorMessage: string | null;
  hello: HelloInfo | null;
  status: StatusInfo | null;
  /** DISCONNECT messages on this connection: sent by us and/or received. */
  disconnects: { direction: 'sent' | 'received'; reason: DisconnectReasonName; at: number }[];
  rtt: RttInfo | null;
}

export interface EnrEvent {
  type: 'enr';
  instance: string;
  nodeId: string;
  seq: bigint;
  raw: string; // hex of the RLP record
  at: number;
}

/**
 * The node answered us on a discovery protocol: v4 = a PONG to our PING (its endpoint proof), v5 = a
 * message in a session with it. At most once per node and protocol per sighting window (crawler).
 */
export interface DiscoveryAnswerEvent {
  type: 'discovery_answer';
  instance: string;
  nodeId: string;
  protocol: DiscoveryProtocol;
  at: number;
}

/** A node dropped from the static set after --expire-after without being seen. */
export interface NodeExpiredEvent {
  type: 'node_expired';
  nodeId: string;
  at: number;
}

export type CrawlerEvent =
  | InstanceStartedEvent
  | InstanceStoppedEvent
  | NodeSeenEvent
  | DiscoveryCountersEvent
  | DiscoveryV5CountersEvent
  | DialEvent
  | EnrEvent
  | NodeExpiredEvent
  | FindnodeRebondEvent
  | DiscoveryAnswerEvent;
