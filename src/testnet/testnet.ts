/**
 * startTestnet: N emulated peers on loopback (src/testnet/peer.ts) with a seeded mix of profiles
 * (src/testnet/profiles.ts), bootstrapped off each other, and a manifest of ground truth.
 *
 * Bootstrapping: peer i knows peer i−1 (a ring, so the graph is connected) and bootnodesPerPeer−1
 * other peers drawn from the seed; self lookups and the PING-back of discv4 bonding spread the rest.
 * Peers start their lookups spread over startSpreadMs so the first refresh is not one burst.
 *
 * Loopback only: a non-loopback host is refused, and every socket carries the loopback netrestrict,
 * so a peer that learns a public address from a visiting crawler never sends there.
 */
import { isIP } from 'node:net';
import { toNodeFinderError } from '../errors.js';
import { Prng } from '../analysis/prng.js';
import { normalizeIp } from '../net/ip.js';
import { systemClock, type Clock } from '../net/clock.js';
import type { SocketFactory } from '../net/transport.js';
import { buildManifest, type Manifest } from './manifest.js';
import { prefilledTables } from './prefill.js';
import { DEFAULT_PEER_TIMINGS, EmulatedPeer, emptyInboundStats, type InboundStats, type PeerTimings } from './peer.js';
import type { GethDialerStats } from './geth-dialer.js';
import { bytesToHex } from '../util/bytes.js';
import { buildProfiles, type MixOptions } from './profiles.js';
import { NonLoopbackHostError, TestnetParameterError, checkInteger } from './errors.js';
import type { InboundThrottleOptions } from './policies.js';

export const DEFAULT_HOST = '127.0.0.1';
export const TESTNET_BOOTSTRAPS = ['prefill', 'lookups'] as const;
export type TestnetBootstrap = (typeof TESTNET_BOOTSTRAPS)[number];
export const DEFAULT_BOOTNODES_PER_PEER = 3;
/** Sockets bound at once while starting (each peer binds one UDP and one TCP socket). */
const BIND_BATCH = 64;
/** Per peer, the first lookups start within this many ms × peers (capped by MAX_START_SPREAD_MS). */
const START_SPREAD_PER_PEER_MS = 10;
const MAX_START_SPREAD_MS = 3_000;

export interface TestnetOptions extends Omit<MixOptions, 'nowSeconds'> {
  /** Loopback address (default 127.0.0.1). */
  host?: string;
  /** Peer i uses UDP and TCP port `port + i`; 0 or absent lets the OS pick each peer's port. */
  port?: number;
  /** Present time for heads and fork IDs (default: the clock's). */
  nowSeconds?: number;
  bootnodesPerPeer?: number;
  /** Peers start looking up within this window (default 10 ms per peer, at most 3 s). */
  startSpreadMs?: number;
  /**
   * 'prefill' (default): every peer's table is filled from the manifest as if it had bonded with
   * the peers it can hold (prefill.ts); ready at once. 'lookups': tables start from the bootnodes
   * and fill by PINGs and lookups, as real nodes do (minutes for 1 000 peers). With
   * bootnodesPerPeer 0 peers know nobody either way.
   */
  bootstrap?: TestnetBootstrap;
  /** geth's inbound throttle for "geth" peers (default 30 s with LAN and loopback exempt, as geth). */
  inboundThrottle?: InboundThrottleOptions;
  timings?: Partial<PeerTimings>;
  clock?: Clock;
  /**
   * Peers with a geth ≥ 1.16 profile dial the nodes they learn from discovery by geth's rule (an
   * ENRRequest whose record passes the fork filter; src/testnet/geth-dialer.ts). Never each other.
   * Default true.
   */
  gethDials?: boolean;
  /** Sockets for every peer (default Node's; an in-memory network in simulations). */
  sockets?: SocketFactory;
}

export interface TestnetStats {
  peers: number;
  /** Table sizes across peers. */
  table: { min: number; mean: number; max: number };
  /** Peers whose first refresh finished. */
  bootstrapped: number;
  discv4: { pingsReceived: number; findnodeReceived: number; pingsSent: number; findnodeSent: number };
  inbound: InboundStats;
  /** The geth ≥ 1.16 peers' dials, summed. */
  dials: GethDialerStats & { dialers: number };
}

export interface Testnet {
  readonly peers: readonly EmulatedPeer[];
  /** enode URL of every peer, in index order. */
  readonly enodes: readonly string[];
  readonly manifest: Manifest;
  /** Resolves when every peer finished its first refresh. Never rejects. */
  bootstrapped(): Promise<void>;
  stats(): TestnetStats;
  /** Stop every peer and close every socket. Idempotent. */
  close(): Promise<void>;
}

/** 127.0.0.0/8 or ::1 (also in IPv4-mapped form). */
export function isLoopbackHost(host: string): boolean {
  if (isIP(host) === 0) return false;
  const ip = normalizeIp(host) ?? host;
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/** `chosen` filtered by `speaks`, plus the nearest ring predecessor of `i` that speaks it. */
export function bootnodesSpeaking(chosen: readonly number[], i: number, speaks: (j: number) => boolean, n: number): number[] {
  const out = chosen.filter(speaks);
  // No bootnodes at all (--bootnodes-per-peer 0: peers known only through DNS, tests) stays none.
  if (chosen.length === 0) return out;
  for (let step = 1; step < n; step++) {
    const j = (i - step + n) % n;
    if (speaks(j)) {
      if (!out.includes(j)) out.push(j);
      break;
    }
  }
  return out;
}

/** Which peers each peer is bootstrapped with: its predecessor on a ring plus seeded picks. */
export function chooseBootnodes(nodes: number, perPeer: number, seed: number): number[][] {
  const prng = new Prng(BigInt(seed) * 16n + 8n);
  const out: number[][] = [];
  for (let i = 0; i < nodes; i++) {
    const chosen = new Set<number>();
    if (nodes > 1 && perPeer > 0) chosen.add((i + nodes - 1) % nodes);
    const want = Math.min(perPeer, nodes - 1);
    while (chosen.size < want) {
      const j = prng.nextBelow(nodes);
      if (j !== i) chosen.add(j);
    }
    out.push([...chosen]);
  }
  return out;
}

export async function startTestnet(options: TestnetOptions): Promise<Testnet> {
  const host = options.host ?? DEFAULT_HOST;
  if (!isLoopbackHost(host)) throw new NonLoopbackHostError(host);
  const clock = options.clock ?? systemClock;
  const basePort = options.port ?? 0;
  checkInteger('port', basePort, 0, 65535);
  if (basePort > 0 && basePort + options.nodes - 1 > 65535) {
    throw new TestnetParameterError(`ports ${basePort}..${basePort + options.nodes - 1} exceed 65535`);
  }
  const bootnodesPerPeer = options.bootnodesPerPeer ?? DEFAULT_BOOTNODES_PER_PEER;
  checkInteger('bootnodesPerPeer', bootnodesPerPeer, 0, 64);
  const { mix, profiles } = buildProfiles({ ...options, nowSeconds: options.nowSeconds ?? clock.now() / 1000 });
  const spread = options.startSpreadMs ?? Math.min(MAX_START_SPREAD_MS, START_SPREAD_PER_PEER_MS * mix.nodes);
  checkInteger('startSpreadMs', spread, 0, 3_600_000);

  const tablePrng = new Prng(BigInt(mix.seed) * 16n + 9n);
  const ownIds = new Set(profiles.map((p) => bytesToHex(p.nodeId)));
  const gethDials = options.gethDials === false ? (false as const) : { skip: (id: Uint8Array) => ownIds.has(bytesToHex(id)) };
  const peers: EmulatedPeer[] = [];
  try {
    for (let start = 0; start < profiles.length; start += BIND_BATCH) {
      const batch = profiles.slice(start, start + BIND_BATCH);
      const results = await Promise.allSettled(
        batch.map((profile) => {
          const prng = new Prng(tablePrng.nextU32() * 65536 + profile.index);
          return EmulatedPeer.start({
            profile,
            host,
            port: basePort > 0 ? basePort + profile.index : 0,
            clock,
            timings: options.timings,
            ...(options.inboundThrottle ? { inboundThrottle: options.inboundThrottle } : {}),
            random: () => prng.nextFloat(),
            randomTarget: () => prng.fillBytes(new Uint8Array(64)),
            gethDials,
            ...(options.sockets ? { sockets: options.sockets } : {}),
          });
        }),
      );
      for (const r of results) if (r.status === 'fulfilled') peers.push(r.value);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw toNodeFinderError((failed as PromiseRejectedResult).reason);
    }
  } catch (err) {
    await Promise.allSettled(peers.map((p) => p.close()));
    throw err;
  }

  const bootnodes = chooseBootnodes(mix.nodes, bootnodesPerPeer, mix.seed);
  const records = peers.map((p) => p.record);
  const spreadPrng = new Prng(BigInt(mix.seed) * 16n + 10n);
  const prefill = (options.bootstrap ?? 'prefill') === 'prefill' && bootnodesPerPeer > 0 ? prefilledTables(records, mix.seed) : undefined;
  // Pre-filled peers refresh first at a random point of their second half-interval, so the
  // lookups of a large testnet spread out instead of arriving as one storm.
  const refreshMs = options.timings?.refreshIntervalMs ?? DEFAULT_PEER_TIMINGS.refreshIntervalMs;
  // Each protocol gets its own connected graph: a peer's bootnodes that speak it, plus its nearest
  // predecessor on the ring that does (all-v4 testnets: exactly the chosen bootnodes). Pre-filled
  // v4 tables hold only peers that speak v4.
  const v4 = (j: number) => profiles[j]!.discovery !== 'v5';
  const v5 = (j: number) => profiles[j]!.discovery !== 'v4';
  peers.forEach((peer, i) => {
    // Only v4 tables are pre-filled: a v5-only peer bootstraps at once (its delay is not a refresh's).
    const prefilled = prefill !== undefined && v4(i);
    const delay = prefilled ? Math.floor(refreshMs / 2) + spreadPrng.nextBelow(Math.max(1, Math.floor(refreshMs / 2))) : spread > 0 ? spreadPrng.nextBelow(spread + 1) : 0;
    peer.startDiscovery(
      bootnodesSpeaking(bootnodes[i]!, i, v4, mix.nodes).map((j) => records[j]!),
      delay,
      bootnodesSpeaking(bootnodes[i]!, i, v5, mix.nodes).map((j) => records[j]!),
      prefilled ? prefill[i]!.filter(v4).map((j) => records[j]!) : undefined,
    );
  });

  const manifest = buildManifest({
    mix,
    host,
    basePort: basePort > 0 ? basePort : null,
    profiles,
    endpoints: records.map((r) => ({ ip: r.ip, udpPort: r.udpPort, tcpPort: r.tcpPort })),
    bootnodes,
  });

  let closing: Promise<void> | undefined;
  const done = new Set<number>();
  peers.forEach((p, i) => void p.bootstrapped().then(() => done.add(i)));
  return {
    peers,
    enodes: manifest.peers.map((p) => p.enode),
    manifest,
    bootstrapped: () => Promise.all(peers.map((p) => p.bootstrapped())).then(() => undefined),
    stats: () => collectStats(peers, done.size),
    close: () => (closing ??= Promise.allSettled(peers.map((p) => p.close())).then(() => undefined)),
  };
}

function collectStats(peers: readonly EmulatedPeer[], bootstrapped: number): TestnetStats {
  const sizes = peers.map((p) => p.table.size);
  const discv4 = { pingsReceived: 0, findnodeReceived: 0, pingsSent: 0, findnodeSent: 0 };
  const inbound: InboundStats = emptyInboundStats();
  const dials = { dialers: 0, enrRequests: 0, enrFailed: 0, noEth: 0, forkRejected: 0, addressRejected: 0, dials: 0, dialFailed: 0 };
  for (const p of peers) {
    const d = p.dialStats();
    if (d) {
      dials.dialers++;
      for (const k of Object.keys(d) as (keyof GethDialerStats)[]) dials[k] += d[k];
    }
    const c = p.endpoint.counters();
    discv4.pingsReceived += c.pingsReceived;
    discv4.findnodeReceived += c.findnodeReceived;
    discv4.pingsSent += c.pingsSent;
    discv4.findnodeSent += c.findnodeSent;
    const s = p.inboundStats();
    for (const k of Object.keys(inbound) as (keyof InboundStats)[]) inbound[k] += s[k];
  }
  return {
    peers: peers.length,
    table: {
      min: sizes.length ? Math.min(...sizes) : 0,
      mean: sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0,
      max: sizes.length ? Math.max(...sizes) : 0,
    },
    bootstrapped,
    discv4,
    inbound,
    dials,
  };
}
