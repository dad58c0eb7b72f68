/**
 * Checks a CrawlerEvent before it enters the writer's queue, so one malformed event (a bug upstream,
 * or peer-supplied text Postgres cannot store) can never poison a batch: a batch that fails on data
 * would otherwise be retried forever. Returns the event to store (text fields sanitised) or throws
 * InvalidEventError.
 */
import { isIP } from 'node:net';
import { ERROR_KINDS, type ErrorKind } from '../errors.js';
import { DISCONNECT_REASON_NAMES } from '../devp2p/disconnect-reasons.js';
import type {
  AddressSource,
  CrawlerEvent,
  DialEvent,
  DialKind,
  DialOutcome,
  DialVerdict,
  DiscoveryProtocol,
  ForkVerdict,
  HelloInfo,
  RttInfo,
  RttSource,
  StatusInfo,
} from '../events.js';
import { InvalidEventError } from './errors.js';

// Runtime lists of the event unions; `satisfies` + the Exact check keep them equal to the types.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const ADDRESS_SOURCES = ['neighbors', 'nodes', 'inbound', 'bootnode', 'ping', 'v5_session', 'static', 'dns'] as const satisfies readonly AddressSource[];
export const DISCOVERY_PROTOCOLS = ['v4', 'v5'] as const satisfies readonly DiscoveryProtocol[];
export const DIAL_KINDS = ['dynamic', 'static', 'inbound'] as const satisfies readonly DialKind[];
export const DIAL_OUTCOMES = ['status', 'hello', 'disconnect', 'error'] as const satisfies readonly DialOutcome[];
export const DIAL_VERDICTS = ['hello', 'too_many_peers', 'failed'] as const satisfies readonly DialVerdict[];
export const RTT_SOURCES = ['p2p_ping', 'disc_ping'] as const satisfies readonly RttSource[];
export const FORK_VERDICTS = ['compatible', 'incompatible', 'remote_stale', 'local_stale', 'unchecked'] as const satisfies readonly ForkVerdict[];
const exhaustive: [
  Exact<(typeof ADDRESS_SOURCES)[number], AddressSource>,
  Exact<(typeof DIAL_KINDS)[number], DialKind>,
  Exact<(typeof DIAL_OUTCOMES)[number], DialOutcome>,
  Exact<(typeof DIAL_VERDICTS)[number], DialVerdict>,
  Exact<(typeof FORK_VERDICTS)[number], ForkVerdict>,
  Exact<(typeof DISCOVERY_PROTOCOLS)[number], DiscoveryProtocol>,
] = [true, true, true, true, true, true];
void exhaustive;

/** EIP-778: "The maximum encoded size of a node record is 300 bytes." */
export const MAX_ENR_BYTES = 300;
/** Longest free text we keep (client IDs are bounded by HELLO ≤ 2 KiB anyway); longer is cut. */
export const MAX_TEXT_CHARS = 2048;
/** More DISCONNECT messages than this on one connection is a bug, not a peer. */
export const MAX_DISCONNECTS_PER_DIAL = 64;
const MAX_CAPS = 256;
const UINT64_MAX = (1n << 64n) - 1n;
const INT32_MAX = 2 ** 31 - 1;
/** JavaScript Date range; beyond it timestamps are nonsense. */
const MAX_TIME_MS = 8.64e15;

const HEX32 = /^[0-9a-f]{64}$/;
const HEX64 = /^[0-9a-f]{128}$/;
const HEX4 = /^[0-9a-f]{8}$/;
const HEX_ANY = /^(?:[0-9a-f]{2})*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const errorKinds = new Set<string>(ERROR_KINDS);
const reasons = new Set<string>(DISCONNECT_REASON_NAMES);

function fail(ev: { type?: unknown }, what: string): never {
  throw new InvalidEventError(`invalid ${String(ev.type).slice(0, 40)} event: ${what}`);
}

/** JSON.stringify that cannot throw (bigint, cycles) and stays short: for error messages. */
function show(v: unknown): string {
  try {
    return (JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v)).slice(0, 80);
  } catch {
    return typeof v;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object<T>(ev: CrawlerEvent, v: unknown, what: string): T {
  if (!isObject(v)) fail(ev, `${what} is not an object`);
  return v as T;
}

function hex(ev: CrawlerEvent, v: unknown, re: RegExp, what: string): string {
  if (typeof v !== 'string' || !re.test(v)) fail(ev, `${what} must be lowercase hex of the right length`);
  return v;
}

/** Times are stored with ms precision: fractions (performance.now()-derived clocks) are rounded. */
function time(ev: CrawlerEvent, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_TIME_MS) fail(ev, `${what} is not a time in ms`);
  return Math.round(v);
}

function port(ev: CrawlerEvent, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) fail(ev, `${what} is not a port`);
  return v;
}

function bool(ev: CrawlerEvent, v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') fail(ev, `${what} is not a boolean`);
  return v;
}

function int32(ev: CrawlerEvent, v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > INT32_MAX) fail(ev, `${what} is not an integer in range`);
  return v;
}

function msValue(ev: CrawlerEvent, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(ev, `${what} is not a duration in ms`);
  return v;
}

function uint64(ev: CrawlerEvent, v: unknown, what: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > UINT64_MAX) fail(ev, `${what} is not a uint64 bigint`);
  return v;
}

function ip(ev: CrawlerEvent, v: unknown): string {
  if (typeof v !== 'string' || isIP(v) === 0) fail(ev, 'ip is not an IPv4/IPv6 literal');
  return v;
}

function oneOf<T extends string>(ev: CrawlerEvent, v: unknown, allowed: ReadonlySet<string> | readonly T[], what: string): T {
  const ok = allowed instanceof Set ? allowed.has(v as string) : (allowed as readonly string[]).includes(v as string);
  if (typeof v !== 'string' || !ok) fail(ev, `${what} ${show(v)} is not one of the known values`);
  return v as T;
}

/** Text Postgres can store: no NUL (Postgres text cannot hold U+0000), bounded length. */
export function cleanText(v: string, max = MAX_TEXT_CHARS): string {
  const cut = v.length > max ? v.slice(0, max) : v;
  return cut.includes('\0') ? cut.replace(/\0/g, '\uFFFD') : cut;
}

function text(ev: CrawlerEvent, v: unknown, what: string, max = MAX_TEXT_CHARS): string {
  if (typeof v !== 'string') fail(ev, `${what} is not a string`);
  return cleanText(v, max);
}

function textOrNull(ev: CrawlerEvent, v: unknown, what: string): string | null {
  return v === null ? null : text(ev, v, what);
}

function checkHello(ev: DialEvent, raw: unknown): HelloInfo {
  const h = object<HelloInfo>(ev, raw, 'hello');
  if (!Array.isArray(h.caps) || h.caps.length > MAX_CAPS) fail(ev, 'hello.caps is not a short array');
  return {
    p2pVersion: int32(ev, h.p2pVersion, 'hello.p2pVersion'),
    clientId: text(ev, h.clientId, 'hello.clientId'),
    clientName: text(ev, h.clientName, 'hello.clientName'),
    clientVersion: textOrNull(ev, h.clientVersion, 'hello.clientVersion'),
    os: textOrNull(ev, h.os, 'hello.os'),
    arch: textOrNull(ev, h.arch, 'hello.arch'),
    runtime: textOrNull(ev, h.runtime, 'hello.runtime'),
    caps: h.caps.map((c) => text(ev, c, 'hello.caps[]', 64)),
    listenPort: port(ev, h.listenPort, 'hello.listenPort'),
  };
}

function checkStatus(ev: DialEvent, raw: unknown): StatusInfo {
  const s = object<StatusInfo>(ev, raw, 'status');
  if (s.totalDifficulty !== null && (typeof s.totalDifficulty !== 'bigint' || s.totalDifficulty < 0n || s.totalDifficulty >= 1n << 256n)) {
    fail(ev, 'status.totalDifficulty is not a uint256 bigint');
  }
  return {
    ethVersion: int32(ev, s.ethVersion, 'status.ethVersion'),
    networkId: uint64(ev, s.networkId, 'status.networkId'),
    totalDifficulty: s.totalDifficulty,
    bestHash: hex(ev, s.bestHash, HEX32, 'status.bestHash'),
    genesisHash: hex(ev, s.genesisHash, HEX32, 'status.genesisHash'),
    forkHash: hex(ev, s.forkHash, HEX4, 'status.forkHash'),
    forkNext: uint64(ev, s.forkNext, 'status.forkNext'),
    forkVerdict: oneOf(ev, s.forkVerdict, FORK_VERDICTS, 'status.forkVerdict'),
    bestBlock: s.bestBlock === null ? null : uint64(ev, s.bestBlock, 'status.bestBlock'),
    earliestBlock: s.earliestBlock === null ? null : uint64(ev, s.earliestBlock, 'status.earliestBlock'),
  };
}

/** Events journaled before the rtt_network migration lack the newer fields: absent means null. */
const optMs = (ev: DialEvent, v: unknown, what: string): number | null => (v === null || v === undefined ? null : msValue(ev, v, what));

function checkRtt(ev: DialEvent, raw: unknown): RttInfo {
  const r = object<RttInfo>(ev, raw, 'rtt');
  const samples = int32(ev, r.samples, 'rtt.samples');
  const srttMs = optMs(ev, r.srttMs, 'rtt.srttMs');
  const minMs = optMs(ev, r.minMs, 'rtt.minMs');
  const discPingMs = optMs(ev, r.discPingMs, 'rtt.discPingMs');
  let rttMs = optMs(ev, r.rttMs, 'rtt.rttMs');
  let rttSource = r.rttSource === null || r.rttSource === undefined ? null : oneOf(ev, r.rttSource, RTT_SOURCES, 'rtt.rttSource');
  if (r.rttMs === undefined && r.rttSource === undefined) {
    // An older event: its srtt/min mixed handshake and STATUS times; keep the min of a connection
    // that had samples (an upper bound of the RTT, as the rtt_network migration does for stored rows).
    rttMs = samples > 0 ? minMs : discPingMs;
    rttSource = samples > 0 ? 'p2p_ping' : discPingMs !== null ? 'disc_ping' : null;
  }
  if ((rttMs === null) !== (rttSource === null)) fail(ev, 'rtt.rttMs and rtt.rttSource must both be set or both null');
  return {
    srttMs,
    minMs,
    samples,
    rttMs,
    rttSource,
    tcpConnectMs: optMs(ev, r.tcpConnectMs, 'rtt.tcpConnectMs'),
    discPingMs,
    handshakeMs: optMs(ev, r.handshakeMs, 'rtt.handshakeMs'),
    statusMs: optMs(ev, r.statusMs, 'rtt.statusMs'),
  };
}

function checkDial(ev: DialEvent): DialEvent {
  if (typeof ev.dialId !== 'string' || !UUID.test(ev.dialId.toLowerCase())) fail(ev, 'dialId is not a UUID');
  if (!Array.isArray(ev.disconnects) || ev.disconnects.length > MAX_DISCONNECTS_PER_DIAL) fail(ev, 'disconnects is not a short array');
  const outcome = oneOf<DialOutcome>(ev, ev.outcome, DIAL_OUTCOMES, 'outcome');
  return {
    type: 'dial',
    dialId: ev.dialId.toLowerCase(),
    instance: hex(ev, ev.instance, HEX32, 'instance'),
    kind: oneOf(ev, ev.kind, DIAL_KINDS, 'kind'),
    nodeId: ev.nodeId === null ? null : hex(ev, ev.nodeId, HEX32, 'nodeId'),
    publicKey: ev.publicKey === null || ev.publicKey === undefined ? null : hex(ev, ev.publicKey, HEX64, 'publicKey'),
    ip: ip(ev, ev.ip),
    tcpPort: port(ev, ev.tcpPort, 'tcpPort'),
    startedAt: time(ev, ev.startedAt, 'startedAt'),
    endedAt: time(ev, ev.endedAt, 'endedAt'),
    connectMs: ev.connectMs === null ? null : msValue(ev, ev.connectMs, 'connectMs'),
    outcome,
    verdict: oneOf(ev, ev.verdict, DIAL_VERDICTS, 'verdict'),
    alive: bool(ev, ev.alive, 'alive'),
    errorKind: ev.errorKind === null ? null : oneOf<ErrorKind>(ev, ev.errorKind, errorKinds, 'errorKind'),
    errorMessage: ev.errorMessage === null ? null : text(ev, ev.errorMessage, 'errorMessage', 1000),
    hello: ev.hello === null ? null : checkHello(ev, ev.hello),
    status: ev.status === null ? null : checkStatus(ev, ev.status),
    disconnects: ev.disconnects.map((raw: unknown) => {
      const d = object<DialEvent['disconnects'][number]>(ev, raw, 'disconnect');
      if (d.direction !== 'sent' && d.direction !== 'received') fail(ev, 'disconnect direction must be sent or received');
      return { direction: d.direction, reason: oneOf(ev, d.reason, reasons, 'disconnect reason'), at: time(ev, d.at, 'disconnect at') };
    }),
    rtt: ev.rtt === null ? null : checkRtt(ev, ev.rtt),
  };
}

export function validateEvent(ev: CrawlerEvent): CrawlerEvent {
  if (!isObject(ev)) throw new InvalidEventError('event is not an object');
  switch (ev.type) {
    case 'instance_started':
      return {
        type: ev.type,
        instance: hex(ev, ev.instance, HEX32, 'instance'),
        publicKey: hex(ev, ev.publicKey, HEX64, 'publicKey'),
        host: text(ev, ev.host, 'host', 255),
        udpPort: port(ev, ev.udpPort, 'udpPort'),
        tcpPort: port(ev, ev.tcpPort, 'tcpPort'),
        network: text(ev, ev.network, 'network', 64),
        codeVersion: text(ev, ev.codeVersion, 'codeVersion', 64),
        at: time(ev, ev.at, 'at'),
      };
    case 'instance_stopped':
      return { type: ev.type, instance: hex(ev, ev.instance, HEX32, 'instance'), at: time(ev, ev.at, 'at') };
    case 'node_seen':
      return {
        type: ev.type,
        instance: hex(ev, ev.instance, HEX32, 'instance'),
        nodeId: hex(ev, ev.nodeId, HEX32, 'nodeId'),
        publicKey: hex(ev, ev.publicKey, HEX64, 'publicKey'),
        ip: ip(ev, ev.ip),
        udpPort: port(ev, ev.udpPort, 'udpPort'),
        tcpPort: port(ev, ev.tcpPort, 'tcpPort'),
        source: oneOf(ev, ev.source, ADDRESS_SOURCES, 'source'),
        at: time(ev, ev.at, 'at'),
      };
    case 'discovery_counters':
      return {
        type: ev.type,
        instance: hex(ev, ev.instance, HEX32, 'instance'),
        minute: time(ev, ev.minute, 'minute'),
        findnodeSent: int32(ev, ev.findnodeSent, 'findnodeSent'),
        neighborsReceived: int32(ev, ev.neighborsReceived, 'neighborsReceived'),
        nodesLearned: int32(ev, ev.nodesLearned, 'nodesLearned'),
        newNodes: int32(ev, ev.newNodes, 'newNodes'),
        pingsSent: int32(ev, ev.pingsSent, 'pingsSent'),
        pongsReceived: int32(ev, ev.pongsReceived, 'pongsReceived'),
        pingsReceived: int32(ev, ev.pingsReceived, 'pingsReceived'),
        findnodeReceived: int32(ev, ev.findnodeReceived, 'findnodeReceived'),
        tableSize: int32(ev, ev.tableSize, 'tableSize'),
        neighborsDropped: ev.neighborsDropped === undefined ? 0 : int32(ev, ev.neighborsDropped, 'neighborsDropped'),
        findnodeRebonds: ev.findnodeRebonds === undefined ? 0 : int32(ev, ev.findnodeRebonds, 'findnodeRebonds'),
      };
    case 'discovery_v5_counters': {
      const n = (v: unknown, what: string) => int32(ev, v, what);
      return {
        type: ev.type,
        instance: hex(ev, ev.instance, HEX32, 'instance'),
        minute: time(ev, ev.minute, 'minute'),
        lookups: n(ev.lookups, 'lookups'),
        findnodeSent: n(ev.findnodeSent, 'findnodeSent'),
        nodesReceived: n(ev.nodesReceived, 'nodesReceived'),
        recordsLearned: n(ev.recordsLearned, 'recordsLearned'),
        pingsSent: n(ev.pingsSent, 'pingsSent'),
        pongsReceived: n(ev.pongsReceived, 'pongsReceived'),
        sessionsIn: n(ev.sessionsIn, 'sessionsIn'),
        requestsAnswered: n(ev.requestsAnswered, 'requestsAnswered'),
        dropped: n(ev.dropped, 'dropped'),
        tableSize: n(ev.tableSize, 'tableSize'),
      };
    }
    case 'dial':
      return checkDial(ev);
    case 'enr': {
      const raw = hex(ev, ev.raw, HEX_ANY, 'raw');
      if (raw.length === 0 || raw.length / 2 > MAX_ENR_BYTES) fail(ev, `raw is not 1..${MAX_ENR_BYTES} bytes`);
      return {
        type: ev.type,
        instance: hex(ev, ev.instance, HEX32, 'instance'),
        nodeId: hex(ev, ev.nodeId, HEX32, 'nodeId'),
        seq: uint64(ev, ev.seq, 'seq'),
        raw,
        at: time(ev, ev.at, 'at'),
      };
    }
    case 'node_expired':
      return { type: ev.type, nodeId: hex(ev, ev.nodeId, HEX32, 'nodeId'), at: time(ev, ev.at, 'at') };
    case 'findnode_rebond':
      return {
        type: ev.type,
        instance: hex(ev, ev.instance, HEX32, 'instance'),
        nodeId: hex(ev, ev.nodeId, HEX32, 'nodeId'),
        answered: bool(ev, ev.answered, 'answered'),
        at: time(ev, ev.at, 'at'),
      };
    case 'discovery_answer':
      return {
        type: ev.type,
        instance: hex(ev, ev.instance, HEX32, 'instance'),
        nodeId: hex(ev, ev.nodeId, HEX32, 'nodeId'),
        protocol: oneOf(ev, ev.protocol, DISCOVERY_PROTOCOLS, 'protocol'),
        at: time(ev, ev.at, 'at'),
      };
    default:
      throw new InvalidEventError(`unknown event type ${show((ev as { type?: unknown }).type)}`);
  }
}
