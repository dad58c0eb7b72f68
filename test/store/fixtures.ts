/** Deterministic crawler-event generators for the storage tests and the benchmark. */
import type {
  CrawlerEvent,
  DialEvent,
  DiscoveryCountersEvent,
  EnrEvent,
  InstanceStartedEvent,
  NodeSeenEvent,
  RttInfo,
} from '../../src/events.js';
import { DISCONNECT_REASON_NAMES } from '../../src/devp2p/disconnect-reasons.js';
import { ERROR_KINDS } from '../../src/errors.js';
import { blankDialEvent, withDialPolicy } from '../../src/crawler/probe.js';
import { uuidV7 } from '../../src/crypto/uuid.js';
import { Rng as BaseRng } from '../../src/util/rng.js';

/** The seeded PRNG (src/util/rng.ts) with test-data helpers. */
export class Rng extends BaseRng {
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i++) s += this.int(256).toString(16).padStart(2, '0');
    return s;
  }
  uuid(): string {
    const h = this.hex(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
  bigint(bits: number): bigint {
    return BigInt(`0x${this.hex(Math.ceil(bits / 8)) || '0'}`) & ((1n << BigInt(bits)) - 1n);
  }
  ip(): string {
    if (this.int(10) === 0) return `2001:db8::${this.int(65536).toString(16)}:${this.int(65536).toString(16)}`;
    return `${1 + this.int(223)}.${this.int(256)}.${this.int(256)}.${1 + this.int(254)}`;
  }
}

export const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);

export interface World {
  instances: string[];
  nodes: { id: string; pk: string; ip: string; port: number }[];
}

export function makeWorld(rng: Rng, instances = 3, nodes = 200): World {
  return {
    instances: Array.from({ length: instances }, () => rng.hex(32)),
    nodes: Array.from({ length: nodes }, () => ({ id: rng.hex(32), pk: rng.hex(64), ip: rng.ip(), port: 30303 + rng.int(100) })),
  };
}

export function instanceStarted(rng: Rng, instance: string, at: number): InstanceStartedEvent {
  return { type: 'instance_started', instance, publicKey: rng.hex(64), host: '127.0.0.1', udpPort: 30303, tcpPort: 30303, network: 'mainnet', codeVersion: '0.1.0', at };
}

export function nodeSeen(rng: Rng, w: World, at: number): NodeSeenEvent {
  const n = rng.pick(w.nodes);
  return {
    type: 'node_seen',
    instance: rng.pick(w.instances),
    nodeId: n.id,
    publicKey: n.pk,
    ip: n.ip,
    udpPort: n.port,
    tcpPort: n.port,
    source: rng.pick(['neighbors', 'neighbors', 'inbound', 'bootnode', 'ping'] as const),
    at,
  };
}

export function counters(rng: Rng, w: World, minute: number): DiscoveryCountersEvent {
  return {
    type: 'discovery_counters',
    instance: rng.pick(w.instances),
    minute,
    findnodeSent: rng.int(100),
    neighborsReceived: rng.int(200),
    nodesLearned: rng.int(3000),
    newNodes: rng.int(50),
    pingsSent: rng.int(100),
    pongsReceived: rng.int(100),
    pingsReceived: rng.int(100),
    findnodeReceived: rng.int(100),
    tableSize: rng.int(4096),
  };
}

/** Connection timings: p2p PING samples (rtt = their min) or, without any, the discv4 PING. */
function rttInfo(rng: Rng): RttInfo {
  const samples = rng.int(9);
  const discPingMs = rng.int(2) ? rng.next() * 100 : null;
  const minMs = samples > 0 ? rng.next() * 100 : null;
  const rttMs = minMs ?? discPingMs;
  return {
    srttMs: minMs === null ? null : minMs + rng.next() * 50,
    minMs,
    samples,
    rttMs,
    rttSource: minMs !== null ? 'p2p_ping' : discPingMs !== null ? 'disc_ping' : null,
    tcpConnectMs: rng.next() * 100,
    discPingMs,
    handshakeMs: rng.int(2) ? 50 + rng.next() * 300 : null,
    statusMs: rng.int(2) ? 20 + rng.next() * 300 : null,
  };
}

export function dial(rng: Rng, w: World, at: number, outcome?: DialEvent['outcome']): DialEvent {
  const n = rng.pick(w.nodes);
  const o = outcome ?? rng.pick(['status', 'status', 'hello', 'disconnect', 'error', 'error'] as const);
  const kind = rng.pick(['dynamic', 'dynamic', 'static', 'inbound'] as const);
  const hello =
    o === 'status' || o === 'hello'
      ? {
          p2pVersion: 5,
          clientId: `Geth/v1.${rng.int(15)}.0-stable/linux-amd64/go1.22.${rng.int(9)}`,
          clientName: 'Geth',
          clientVersion: `v1.${rng.int(15)}.0-stable`,
          os: 'linux',
          arch: 'amd64',
          runtime: 'go1.22.1',
          caps: rng.int(2) ? ['eth/68', 'snap/1'] : ['eth/69'],
          listenPort: rng.int(3) ? 30303 : 0,
        }
      : null;
  const status =
    o === 'status'
      ? {
          ethVersion: rng.pick([68, 69]),
          networkId: rng.int(5) === 0 ? rng.bigint(64) : 1n,
          totalDifficulty: rng.int(2) ? rng.bigint(200) : null,
          bestHash: rng.hex(32),
          genesisHash: rng.hex(32),
          forkHash: rng.hex(4),
          forkNext: rng.bigint(64),
          forkVerdict: rng.pick(['compatible', 'incompatible', 'remote_stale', 'local_stale', 'unchecked'] as const),
          bestBlock: rng.int(2) ? rng.bigint(64) : null,
          earliestBlock: rng.int(2) ? BigInt(rng.int(1_000_000)) : null,
        }
      : null;
  const disconnects: DialEvent['disconnects'] =
    o === 'disconnect'
      ? [{ direction: 'received', reason: rng.int(2) ? 'too_many_peers' : rng.pick(DISCONNECT_REASON_NAMES), at: at + 50 }]
      : o === 'error'
        ? []
        : rng.int(2)
          ? [{ direction: 'sent', reason: 'disconnect_requested', at: at + 400 }, { direction: 'received', reason: 'client_quitting', at: at + 401 }]
          : [];
  return withDialPolicy({
    type: 'dial',
    dialId: rng.uuid(),
    instance: rng.pick(w.instances),
    kind,
    nodeId: kind === 'inbound' && o === 'error' && rng.int(2) ? null : n.id,
    publicKey: rng.int(2) ? n.pk : null,
    ip: n.ip,
    tcpPort: kind === 'inbound' ? 40000 + rng.int(20000) : n.port,
    startedAt: at,
    endedAt: at + 500,
    connectMs: kind === 'inbound' ? null : rng.next() * 200,
    outcome: o,
    errorKind: o === 'error' ? rng.pick(ERROR_KINDS) : null,
    errorMessage: o === 'error' ? 'it broke' : null,
    hello,
    status,
    disconnects,
    rtt: hello ? rttInfo(rng) : null,
  });
}

export function enr(rng: Rng, w: World, at: number): EnrEvent {
  const n = rng.pick(w.nodes);
  return { type: 'enr', instance: rng.pick(w.instances), nodeId: n.id, seq: BigInt(1 + rng.int(3)), raw: rng.hex(100 + rng.int(150)), at };
}

/** A crawl-like stream: mostly node_seen, some dials, counters every minute, a few ENRs. */
export function* crawlStream(rng: Rng, w: World, count: number, start = T0, stepMs = 10): Generator<CrawlerEvent> {
  let at = start;
  let nextMinute = Math.floor(start / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < count; i++) {
    at += stepMs;
    if (at >= nextMinute) {
      yield counters(rng, w, nextMinute - 60_000);
      nextMinute += 60_000;
      continue;
    }
    const r = rng.int(100);
    if (r < 70) yield nodeSeen(rng, w, at);
    else if (r < 97) yield dial(rng, w, at);
    else yield enr(rng, w, at);
  }
}

/**
 * A crawl-like stream where every event can be counted in the database afterwards (see
 * storedEventCount): counters carry findnodeSent = 1, ENRs a unique (node, seq).
 */
export function* countableStream(rng: Rng, w: World, count: number, start = T0, stepMs = 10): Generator<CrawlerEvent> {
  let at = start;
  for (let i = 0; i < count; i++) {
    at += stepMs;
    const r = rng.int(100);
    if (r < 60) yield nodeSeen(rng, w, at);
    else if (r < 90) yield dial(rng, w, at);
    else if (r < 95) yield { ...counters(rng, w, Math.floor(at / 60_000) * 60_000), findnodeSent: 1 };
    else yield { ...enr(rng, w, at), seq: BigInt(i) + (1n << 40n) };
  }
}

/** A dial that timed out before any handshake (verdict failed: the node is only known). */
export function failedDial(f: { instance: string; nodeId: string; publicKey: string | null; ip?: string; dialId?: string }, at: number): DialEvent {
  const base = blankDialEvent({ dialId: f.dialId ?? uuidV7(at), instance: f.instance, kind: 'dynamic', nodeId: f.nodeId, publicKey: f.publicKey, ip: f.ip ?? '10.0.0.1', tcpPort: 30303 }, at);
  return withDialPolicy({ ...base, errorKind: 'timeout', errorMessage: 'dial timed out' });
}
