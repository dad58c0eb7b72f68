/**
 * How a probe (probe.ts) records one connection as a DialEvent: the recorder it fills while the
 * policy runs, the first error that cut it short, the outcome and RTT fields when it ends, and the
 * crawl policy's reading of the result (verdict, alive) that the store records as decided.
 */
import { uuidV7 } from '../crypto/uuid.js';
import type { NodeFinderError } from '../errors.js';
import type { Clock } from '../net/clock.js';
import { parseClientId } from '../devp2p/client-id.js';
import type { Hello } from '../devp2p/hello.js';
import type { Status } from '../eth/status.js';
import type { DaoForkVerdict } from '../eth/headers.js';
import type { DialEvent, DialKind, DialOutcome, DialVerdict, ForkVerdict, HelloInfo, StatusInfo } from '../events.js';
import { bytesToHex } from '../util/bytes.js';
import { RttEstimator } from './rtt.js';
import { withDiscPing } from './ping-samples.js';

/** What the recorder needs from the probe's configuration. */
export interface RecorderConfig {
  clock: Clock;
  /** Instance ID (hex node ID) recorded with each dial. */
  instance: string;
  /** DialEvent IDs (default time-ordered UUIDs, src/crypto/uuid.ts; simulations pass a seeded generator). */
  newDialId?: () => string;
}

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

export interface Recorder {
  event: DialEvent;
  /** p2p PING→PONG samples only. */
  rtt: RttEstimator;
  /** RLPx auth written → ack received; HELLO written → STATUS received (remote work included). */
  authAckMs: number | null;
  helloStatusMs: number | null;
  daoFork: DaoForkVerdict | null;
}

/** A dial that has not got anywhere yet: no answer, no timings, outcome 'error' until it ends. */
export function blankDialEvent(
  f: Pick<DialEvent, 'dialId' | 'instance' | 'kind' | 'nodeId' | 'publicKey' | 'ip' | 'tcpPort'>,
  at: number,
): Omit<DialEvent, 'verdict' | 'alive'> {
  return {
    type: 'dial',
    ...f,
    startedAt: at,
    endedAt: at,
    connectMs: null,
    outcome: 'error',
    errorKind: null,
    errorMessage: null,
    hello: null,
    status: null,
    disconnects: [],
    rtt: null,
  };
}

export function newRecorder(config: RecorderConfig, kind: DialKind, ip: string, tcpPort: number, nodeId: string | null, publicKey: string | null): Recorder {
  const base = blankDialEvent({ dialId: config.newDialId ? config.newDialId() : uuidV7(config.clock.now()), instance: config.instance, kind, nodeId, publicKey, ip, tcpPort }, config.clock.now());
  return {
    event: { ...base, handshakeMs: null, verdict: 'failed', alive: kind === 'inbound' },
    rtt: new RttEstimator(),
    authAckMs: null,
    helloStatusMs: null,
    daoFork: null,
  };
}

export function recordError(rec: Recorder, err: NodeFinderError): void {
  if (rec.event.errorKind !== null) return;
  rec.event.errorKind = err.kind;
  rec.event.errorMessage = err.message.slice(0, 500);
}

export function finish(config: RecorderConfig, rec: Recorder, discPingMs: number | null): ProbeResult {
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

export function helloInfo(hello: Hello): HelloInfo {
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

export function statusInfo(status: Status, verdict: ForkVerdict): StatusInfo {
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
