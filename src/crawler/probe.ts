/**
 * The NodeFinder connection policy (IMC 2018 §3): connect, RLPx handshake, HELLO, STATUS (+ fork-ID
 * check), learn the best block number, PING_SAMPLES p2p PINGs for RTT, then leave with client_quitting —
 * recording everything the peer said and every failure as one DialEvent. Used for outbound dials
 * (crawler, `nodefinder ping`) and for inbound connections, which we always accept whatever our
 * peer count (we keep none).
 *
 * Recording rules: `errorKind` is the first failure that cut the policy short, at any stage (so a
 * STATUS followed by an EOF is outcome 'status' with errorKind 'closed'); it stays null when the
 * policy ran to the end or the peer left with DISCONNECT (its reason is in `disconnects`). Optional
 * measurements (best-block header, DAO header, PINGs) that time out are skipped, not errors. When we
 * end a session early we say why, as geth does: ping_timeout for a read timeout, subprotocol_error
 * for a bad eth message, useless_peer without a shared eth version, client_quitting otherwise.
 */
import { randomUUID } from 'node:crypto';
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import type { ByteStream, TcpDialer } from '../net/transport.js';
import { openRlpx, type RlpxSession } from '../rlpx/connection.js';
import { ethCapabilities, type LocalCapability } from '../devp2p/capabilities.js';
import type { DISCONNECT_REASONS } from '../devp2p/disconnect-reasons.js';
import { parseClientId } from '../devp2p/client-id.js';
import { RemoteDisconnectError } from '../devp2p/errors.js';
import { Devp2pPeer } from '../devp2p/peer.js';
import type { Hello } from '../devp2p/hello.js';
import { ETH_MESSAGE_IDS, createStatusChecker, type Status } from '../eth/status.js';
import { exchangeStatus } from './status-exchange.js';
import { daoForkRequest, daoForkVerdict, decodeBlockHeaders, encodeGetBlockHeaders, type DaoForkVerdict } from '../eth/headers.js';
import type { NetworkDefinition } from '../eth/networks.js';
import { RttEstimator } from './rtt.js';
import { samplePings, withDiscPing } from './ping-samples.js';
import type { DialEvent, DialKind, DialOutcome, DialVerdict, ForkVerdict, HelloInfo, StatusInfo } from '../events.js';
import { bytesToHex, equalBytes } from '../util/bytes.js';
import { NoSharedCapabilityError } from '../devp2p/errors.js';

export interface ProbeTimeouts {
  /** TCP connect. */
  connectMs: number;
  /** RLPx auth/ack. */
  handshakeMs: number;
  /** Remote HELLO after the handshake. */
  helloMs: number;
  /** Remote STATUS after HELLO. */
  statusMs: number;
  /** One GetBlockHeaders round trip. */
  headerMs: number;
  /** One p2p PING round trip. */
  pingMs: number;
}

/** geth: dial 15 s, handshake 5 s; peers answer STATUS within a second or two. */
export const DEFAULT_PROBE_TIMEOUTS: ProbeTimeouts = {
  connectMs: 10_000,
  handshakeMs: 5_000,
  helloMs: 5_000,
  statusMs: 5_000,
  headerMs: 3_000,
  pingMs: 3_000,
};

export interface ProbeConfig {
  clock: Clock;
  /** Our node key. */
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  /** Instance ID (hex node ID) recorded with each dial. */
  instance: string;
  clientId: string;
  /** TCP port we listen on, announced in HELLO. */
  listenPort: number;
  network: NetworkDefinition;
  capabilities?: readonly LocalCapability[];
  timeouts?: Partial<ProbeTimeouts>;
  /** p2p PINGs sent after STATUS for RTT samples (default PING_SAMPLES). */
  pingSamples?: number;
  /** Least time between the starts of two PINGs (default PING_SPACING_MS; 0 = back to back). */
  pingSpacingMs?: number;
  /** Ask for the best block's header to learn its number (eth < 69; default true). */
  learnBestBlock?: boolean;
  /** Ask mainnet peers for block 1 920 000 and check the DAO-fork extraData (default false). */
  checkDaoFork?: boolean;
  /** Wait this long for the remote's STATUS before sending ours (default STATUS_FIRST_WAIT_MS). */
  statusWaitMs?: number;
  /** DialEvent IDs (default random UUIDs; simulations pass a seeded generator). */
  newDialId?: () => string;
}

export { PING_SAMPLES, PING_SPACING_MS, withDiscPing } from './ping-samples.js';

export interface ProbeResult {
  event: DialEvent;
  daoFork: DaoForkVerdict | null;
}

/**
 * Map a dial result to the scheduler's verdict. A peer that said TOO_MANY_PEERS before STATUS is
 * 'too_many_peers' even when HELLO came first (@ethereumjs/devp2p exchanges HELLO, then refuses;
 * geth refuses before HELLO): either way it is a live node that is full.
 */
export function dialVerdict(event: Pick<DialEvent, 'disconnects' | 'status' | 'hello'>): DialVerdict {
  const full = event.disconnects.some((d) => d.direction === 'received' && d.reason === 'too_many_peers');
  if (full && !event.status) return 'too_many_peers';
  if (event.hello) return 'hello';
  return 'failed';
}

/**
 * The crawl policy's reading of a finished connection, carried by the DialEvent so the store records
 * it as decided: the verdict (static set, redial lease) and whether the node showed a sign of life
 * (inbound peers and any connection that got an answer are alive; a failed dial is not).
 */
export function dialPolicy(e: Pick<DialEvent, 'kind' | 'outcome' | 'disconnects' | 'status' | 'hello'>): Pick<DialEvent, 'verdict' | 'alive'> {
  return { verdict: dialVerdict(e), alive: e.kind === 'inbound' || e.outcome !== 'error' };
}

/** A DialEvent built elsewhere (tests, benchmarks, replays) with the probe's policy fields filled in. */
export function withDialPolicy(e: Omit<DialEvent, 'verdict' | 'alive'>): DialEvent {
  return { ...e, ...dialPolicy(e) };
}

interface Recorder {
  event: DialEvent;
  /** p2p PING→PONG samples only. */
  rtt: RttEstimator;
  /** RLPx auth written → ack received; HELLO written → STATUS received (remote work included). */
  authAckMs: number | null;
  helloStatusMs: number | null;
  daoFork: DaoForkVerdict | null;
}

function newRecorder(config: ProbeConfig, kind: DialKind, ip: string, tcpPort: number, nodeId: string | null, publicKey: string | null): Recorder {
  const now = config.clock.now();
  return {
    event: {
      type: 'dial',
      dialId: (config.newDialId ?? randomUUID)(),
      instance: config.instance,
      kind,
      nodeId,
      publicKey,
      ip,
      tcpPort,
      startedAt: now,
      endedAt: now,
      connectMs: null,
      handshakeMs: null,
      outcome: 'error',
      verdict: 'failed',
      alive: kind === 'inbound',
      errorKind: null,
      errorMessage: null,
      hello: null,
      status: null,
      disconnects: [],
      rtt: null,
    },
    rtt: new RttEstimator(),
    authAckMs: null,
    helloStatusMs: null,
    daoFork: null,
  };
}

/** Dial `node`, run the policy, and return the recorded DialEvent. Never rejects. */
export async function probeOutbound(
  config: ProbeConfig,
  dialer: TcpDialer,
  node: NodeRecord,
  kind: Exclude<DialKind, 'inbound'>,
  signal?: AbortSignal,
  extra?: { discPingMs?: number | null },
): Promise<ProbeResult> {
  const timeouts = { ...DEFAULT_PROBE_TIMEOUTS, ...config.timeouts };
  const rec = newRecorder(config, kind, node.ip, node.tcpPort, bytesToHex(node.id), bytesToHex(node.publicKey));
  let stream: ByteStream | undefined;
  try {
    const connectStart = config.clock.now();
    stream = await dialer.connect(node.ip, node.tcpPort, { timeoutMs: timeouts.connectMs, signal });
    rec.event.connectMs = config.clock.now() - connectStart;
    const handshakeStart = config.clock.now();
    const session = await openRlpx({
      stream,
      clock: config.clock,
      privateKey: config.privateKey,
      remotePublicKey: node.publicKey,
      handshakeTimeoutMs: timeouts.handshakeMs,
      signal,
    });
    rec.event.handshakeMs = config.clock.now() - handshakeStart;
    // auth written → ack received: one round trip plus the remote's ECIES work (not an RTT sample).
    rec.authAckMs = Math.max(0, session.timing.handshakeEndedAt - session.timing.handshakeStartedAt);
    await runSession(config, rec, session, signal);
  } catch (err) {
    recordError(rec, toNodeFinderError(err));
    stream?.destroy();
  }
  return finish(config, rec, extra?.discPingMs ?? null);
}

/** Run the policy on an accepted connection (we are the RLPx recipient). Never rejects. */
export async function probeInbound(config: ProbeConfig, stream: ByteStream, signal?: AbortSignal): Promise<ProbeResult> {
  const timeouts = { ...DEFAULT_PROBE_TIMEOUTS, ...config.timeouts };
  const rec = newRecorder(config, 'inbound', stream.remoteAddress, stream.remotePort, null, null);
  try {
    const handshakeStart = config.clock.now();
    const session = await openRlpx({
      stream,
      clock: config.clock,
      privateKey: config.privateKey,
      handshakeTimeoutMs: timeouts.handshakeMs,
      signal,
    });
    rec.event.handshakeMs = config.clock.now() - handshakeStart;
    rec.event.publicKey = bytesToHex(session.remotePublicKey);
    rec.event.nodeId = bytesToHex(nodeIdFromPublicKey(session.remotePublicKey));
    await runSession(config, rec, session, signal);
  } catch (err) {
    recordError(rec, toNodeFinderError(err));
    stream.destroy();
  }
  return finish(config, rec, null);
}

async function runSession(config: ProbeConfig, rec: Recorder, session: RlpxSession, signal?: AbortSignal): Promise<void> {
  const timeouts = { ...DEFAULT_PROBE_TIMEOUTS, ...config.timeouts };
  const clock = config.clock;
  const peer = new Devp2pPeer({
    session,
    clock,
    clientId: config.clientId,
    capabilities: config.capabilities ?? ethCapabilities(),
    listenPort: config.listenPort,
    nodeKey: config.publicKey,
  });
  try {
    const hello = await peer.awaitHello({ timeoutMs: timeouts.helloMs, signal });
    rec.event.hello = helloInfo(hello);
    const eth = peer.negotiated.find((c) => c.name === 'eth');
    if (!eth) {
      // Nothing to learn beyond HELLO (a snap-only or non-Ethereum peer).
      throw new NoSharedCapabilityError(`no eth version in common (peer offers ${rec.event.hello.caps.join(', ') || 'nothing'})`);
    }
    const nowSeconds = Math.floor(clock.now() / 1000);
    // Our STATUS is never why a peer leaves: we answer with its own (status-exchange.ts).
    const { message: statusMessage, status } = await exchangeStatus(peer, {
      network: config.network,
      version: eth.version,
      nowSeconds,
      timeoutMs: timeouts.statusMs,
      ...(config.statusWaitMs !== undefined ? { waitMs: config.statusWaitMs } : {}),
      ...(signal ? { signal } : {}),
    });
    // The remote sends STATUS once it has our HELLO (either role): HELLO written → STATUS received
    // is one round trip plus the remote's HELLO/STATUS work, kept as its own column, not an RTT sample.
    rec.helloStatusMs = Math.max(0, statusMessage.receivedAt - peer.helloSentAt);
    const assessment = createStatusChecker(config.network)(status, nowSeconds);
    const sameChain = assessment.networkIdMatches && assessment.genesisMatches;
    rec.event.status = statusInfo(status, sameChain ? assessment.forkVerdict : 'unchecked');

    let requestId = 1n;
    if (sameChain && status.shape === 'td' && config.learnBestBlock !== false) {
      const number = await requestHeaderNumber(peer, requestId++, status.bestHash, timeouts.headerMs, signal);
      if (number !== null) rec.event.status.bestBlock = number;
    }
    if (sameChain && config.checkDaoFork) {
      const request = daoForkRequest(config.network, requestId++);
      if (request) {
        peer.send('eth', ETH_MESSAGE_IDS.getBlockHeaders, encodeGetBlockHeaders(request));
        const reply = await optional(peer, signal, awaitHeaders(peer, request.requestId, timeouts.headerMs, signal));
        rec.daoFork = 'unknown';
        if (reply) {
          try {
            rec.daoFork = daoForkVerdict(config.network, decodeBlockHeaders(reply.payload).headers);
          } catch {
            // an undecodable reply leaves the verdict unknown
          }
        }
      }
    }
    await samplePings(clock, peer, rec.rtt, { count: config.pingSamples, spacingMs: config.pingSpacingMs, timeoutMs: timeouts.pingMs, signal });
    peer.disconnect('client_quitting');
  } catch (err) {
    const e = toNodeFinderError(err);
    // A remote DISCONNECT is an answer, not a failure of ours: its reason is in `disconnects`.
    if (!(e instanceof RemoteDisconnectError)) recordError(rec, e);
    if (!peer.closed) peer.disconnect(disconnectReasonFor(e));
  } finally {
    rec.event.disconnects = peer.disconnects.map((d) => ({ ...d }));
  }
}


/** The reason we give when we end a session because of `err` (geth's choices, p2p/peer.go). */
function disconnectReasonFor(err: NodeFinderError): keyof typeof DISCONNECT_REASONS {
  switch (err.kind) {
    case 'timeout':
      return 'ping_timeout'; // DiscReadTimeout: "timeout on receiving a message"
    case 'no_shared_capability':
      return 'useless_peer';
    case 'aborted':
    case 'internal':
      return 'client_quitting';
    default:
      return 'subprotocol_error'; // a bad eth message (STATUS shape, version…)
  }
}

/**
 * An optional measurement: its value, or null when it timed out or failed on its own. Rethrows when
 * the session itself is over or we were aborted — then the policy stops.
 */
async function optional<T>(peer: Devp2pPeer, signal: AbortSignal | undefined, request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (err) {
    if (peer.closed || signal?.aborted) throw err;
    return null;
  }
}

function awaitHeaders(peer: Devp2pPeer, requestId: bigint, timeoutMs: number, signal?: AbortSignal) {
  return peer.awaitMessage(
    'BlockHeaders',
    (m) => {
      if (m.capability.name !== 'eth' || m.id !== ETH_MESSAGE_IDS.blockHeaders) return false;
      try {
        return decodeBlockHeaders(m.payload).requestId === requestId;
      } catch {
        return true; // let the caller see the decode error
      }
    },
    { timeoutMs, signal },
  );
}

/**
 * GetBlockHeaders(hash) → the header's number, or null when the peer does not answer usefully. Not an
 * RTT sample: the remote reads the header from its database (and may queue the request) first.
 */
async function requestHeaderNumber(
  peer: Devp2pPeer,
  requestId: bigint,
  hash: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<bigint | null> {
  peer.send('eth', ETH_MESSAGE_IDS.getBlockHeaders, encodeGetBlockHeaders({ requestId, origin: { hash }, limit: 1, skip: 0, reverse: false }));
  const reply = await optional(peer, signal, awaitHeaders(peer, requestId, timeoutMs, signal));
  if (!reply) return null;
  try {
    const header = decodeBlockHeaders(reply.payload).headers[0];
    // Only the header we asked for tells the best block's number.
    return header && equalBytes(header.hash, hash) ? header.number : null;
  } catch {
    return null; // an undecodable reply: no number, but not a reason to stop
  }
}

function recordError(rec: Recorder, err: NodeFinderError): void {
  if (rec.event.errorKind !== null) return;
  rec.event.errorKind = err.kind;
  rec.event.errorMessage = err.message.slice(0, 500);
}

function finish(config: ProbeConfig, rec: Recorder, discPingMs: number | null): ProbeResult {
  const e = rec.event;
  e.endedAt = config.clock.now();
  const outcome: DialOutcome = e.status
    ? 'status'
    : e.hello
      ? 'hello'
      : e.disconnects.some((d) => d.direction === 'received')
        ? 'disconnect'
        : 'error';
  e.outcome = outcome;
  Object.assign(e, dialPolicy(e));
  if (outcome === 'error' && e.errorKind === null) {
    e.errorKind = 'internal';
    e.errorMessage = 'dial ended without result or error';
  }
  const snap = rec.rtt.snapshot();
  if (snap || e.connectMs !== null || discPingMs !== null || rec.authAckMs !== null || rec.helloStatusMs !== null) {
    e.rtt = {
      srttMs: snap?.srttMs ?? null,
      minMs: snap?.minMs ?? null,
      samples: snap?.samples ?? 0,
      // The minimum, not the SRTT: the lowest sample is the path's round trip with the least
      // queueing and scheduling delay on either side (README "How RTT is measured").
      rttMs: snap ? snap.minMs : null,
      rttSource: snap ? 'p2p_ping' : null,
      tcpConnectMs: e.connectMs,
      discPingMs: null,
      handshakeMs: rec.authAckMs,
      statusMs: rec.helloStatusMs,
    };
    withDiscPing(e, discPingMs);
  }
  return { event: e, daoFork: rec.daoFork };
}

function helloInfo(hello: Hello): HelloInfo {
  const parsed = parseClientId(hello.clientId);
  return {
    p2pVersion: hello.protocolVersion,
    clientId: hello.clientId,
    clientName: parsed.name,
    clientVersion: parsed.version,
    os: parsed.os,
    arch: parsed.arch,
    runtime: parsed.runtime,
    caps: hello.capabilities.map((c) => `${c.name}/${c.version}`),
    listenPort: hello.listenPort,
  };
}

function statusInfo(status: Status, verdict: ForkVerdict): StatusInfo {
  const td = status.shape === 'td';
  return {
    ethVersion: status.version,
    networkId: status.networkId,
    totalDifficulty: td ? status.td : null,
    bestHash: bytesToHex(td ? status.bestHash : status.latestBlockHash),
    genesisHash: bytesToHex(status.genesisHash),
    forkHash: bytesToHex(status.forkId.hash),
    forkNext: status.forkId.next,
    forkVerdict: verdict,
    bestBlock: td ? null : status.latestBlock,
    earliestBlock: td ? null : status.earliestBlock,
  };
}
