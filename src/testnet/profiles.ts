/**
 * Who the emulated peers are: a seeded, deterministic mix of client ids, eth versions, networks,
 * peer-limit states, distance metrics and TCP availability. Pure: the same (options, seed,
 * nowSeconds) always yields the same profiles, keys included.
 *
 * Keys: testnet-keys.ts (derived from the seed). Client ids and their shares: client-ids.ts.
 *
 * Assignment, in order, each step with its own seeded shuffle so that changing one fraction does
 * not reshuffle the others:
 *   1. metric: round(parityFraction·n) peers use Parity's pre-2.0 metric; they are Parity v1.x
 *      clients (the metric was fixed in Parity 2.0), speaking eth/62–63 only;
 *   2. every other peer draws a client by CLIENT_WEIGHTS and an eth-version set by ETH_MODE_WEIGHTS;
 *   3. round(noTcpFraction·n) peers answer discovery but have no TCP listener;
 *   4. round(fullFraction·n) of the TCP peers are at their peer limit (DISCONNECT too_many_peers
 *      right after the RLPx handshake, before HELLO — what geth does);
 *   5. round(otherNetworkFraction·n) peers with a modern client follow Sepolia, Holesky, Hoodi or a
 *      made-up private network instead of mainnet;
 *   6. staleForkPeers mainnet peers (modern, TCP, not full) become old Geth releases that missed the
 *      latest fork: their fork ID is a past fork's checksum and their head stopped before that fork.
 *   7. discovery protocols (issue #11): round(consensusFraction·n) peers are consensus-layer nodes
 *      (discv5 only, an `eth2` record entry and no `eth`, nothing listens for RLPx), then
 *      round(v5OnlyFraction·n) execution peers speak discv5 only and round(discv5Fraction·n) speak
 *      both; the rest discv4 only. Default: every peer discv4 only, as before.
 * Counts are clamped to the peers eligible at each step; the profiles record what was assigned.
 */
import { publicKeyFromPrivate } from '../crypto/index.js';
import { nodeIdFromPublicKey } from '../enode/distance.js';
import type { DistanceMetric } from '../discv4/table.js';
import type { Capability } from '../devp2p/capabilities.js';
import { Prng } from '../analysis/prng.js';
import { computeForkId, lastBlockFork, type ForkId, type ForkSchedule } from '../eth/fork-id.js';
import {
  SLOT_SECONDS,
  estimateHead,
  headerAt,
  presentForkId,
  privateNetwork,
  publicNetwork,
  staleForkId,
  type ChainClaim,
  type ChainHead,
  type TestnetNetwork,
} from './chain.js';
import {
  CLIENT_WEIGHTS,
  ETH_MODE_WEIGHTS,
  GETH_BEFORE_FORK,
  GETH_NEWER_RELEASE,
  MODERN_CLIENTS,
  SNAP,
  caps,
  chooseClient,
  pick,
  weighted,
  type ClientKind,
  type EthMode,
} from './client-ids.js';
import { TestnetParameterError, checkFraction, checkInteger } from './errors.js';
import { testnetPrivateKey } from './testnet-keys.js';

export {
  CLIENT_KINDS,
  CLIENT_WEIGHTS,
  ETH_MODES,
  ETH_MODE_WEIGHTS,
  MODERN_CLIENTS,
  chooseClient,
  weighted,
  type ClientChoice,
  type ClientKind,
  type EthMode,
} from './client-ids.js';
export { testnetPrivateKey } from './testnet-keys.js';

export const OTHER_NETWORKS = ['sepolia', 'holesky', 'hoodi', 'private'] as const;

export const DEFAULT_MIX = {
  fullFraction: 0.15,
  otherNetworkFraction: 0.1,
  parityFraction: 0.1,
  noTcpFraction: 0.1,
  /** geth's default --maxpeers. */
  maxPeers: 50,
} as const;

/** A default of one stale-fork peer once the testnet has at least this many peers. */
export const STALE_FORK_MIN_NODES = 10;
export const MAX_NODES = 5_000;

export interface MixOptions {
  nodes: number;
  seed: number;
  /** Unix seconds: the present the heads and fork IDs are computed for. */
  nowSeconds: number;
  fullFraction?: number;
  otherNetworkFraction?: number;
  parityFraction?: number;
  noTcpFraction?: number;
  /** Default: 1 when nodes ≥ STALE_FORK_MIN_NODES, else 0. */
  staleForkPeers?: number;
  /**
   * Geth peers on a schedule NEWER than the crawler's: one extra fork after mainnet's last, a day
   * before `nowSeconds` (or just after the last fork if that is later). Default 0.
   */
  newerForkPeers?: number;
  maxPeers?: number;
  /** Execution peers that run discv5 beside discv4 on the same port (default 0). */
  discv5Fraction?: number;
  /** Execution peers that run discv5 only (default 0). */
  v5OnlyFraction?: number;
  /** Consensus-layer peers: discv5 only, eth2 record entry, no RLPx (default 0). */
  consensusFraction?: number;
}

/** Which discovery protocols a peer speaks on its UDP port. */
export type DiscoveryMode = 'v4' | 'v5' | 'both';

export interface PeerProfile {
  index: number;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  nodeId: Uint8Array;
  client: ClientKind;
  clientId: string;
  /** HELLO capabilities, in the order sent. */
  capabilities: Capability[];
  chain: ChainClaim;
  /** Set for an old client that missed a fork: the fork it does not know. */
  staleFork: string | null;
  /** Set for a client that knows a fork our schedule lacks: its name. */
  newerFork: string | null;
  /** The fork schedule this client knows (geth-like peers filter our STATUS with it). */
  forkSchedule: ForkSchedule;
  metric: DistanceMetric;
  /** false: discovery only, nothing listens on the TCP port (connection refused). */
  tcp: boolean;
  maxPeers: number;
  /** At its peer limit: every inbound connection gets DISCONNECT too_many_peers. */
  full: boolean;
  discovery: DiscoveryMode;
  /** A consensus-layer node: its record has `eth2` and no `eth`; it never speaks RLPx. */
  consensus: boolean;
}

/** The resolved options (defaults applied), as recorded in the manifest. */
export type ResolvedMix = Required<Omit<MixOptions, 'nowSeconds'>> & { nowSeconds: number };

export function resolveMix(options: MixOptions): ResolvedMix {
  checkInteger('nodes', options.nodes, 1, MAX_NODES);
  checkInteger('seed', options.seed, 0, Number.MAX_SAFE_INTEGER);
  if (!Number.isFinite(options.nowSeconds) || options.nowSeconds < 0) throw new RangeError('nowSeconds must be a non-negative number');
  const r: ResolvedMix = {
    nodes: options.nodes,
    seed: options.seed,
    nowSeconds: Math.floor(options.nowSeconds),
    fullFraction: options.fullFraction ?? DEFAULT_MIX.fullFraction,
    otherNetworkFraction: options.otherNetworkFraction ?? DEFAULT_MIX.otherNetworkFraction,
    parityFraction: options.parityFraction ?? DEFAULT_MIX.parityFraction,
    noTcpFraction: options.noTcpFraction ?? DEFAULT_MIX.noTcpFraction,
    staleForkPeers: options.staleForkPeers ?? (options.nodes >= STALE_FORK_MIN_NODES ? 1 : 0),
    newerForkPeers: options.newerForkPeers ?? 0,
    maxPeers: options.maxPeers ?? DEFAULT_MIX.maxPeers,
    discv5Fraction: options.discv5Fraction ?? 0,
    v5OnlyFraction: options.v5OnlyFraction ?? 0,
    consensusFraction: options.consensusFraction ?? 0,
  };
  checkFraction('fullFraction', r.fullFraction);
  checkFraction('otherNetworkFraction', r.otherNetworkFraction);
  checkFraction('parityFraction', r.parityFraction);
  checkFraction('noTcpFraction', r.noTcpFraction);
  checkInteger('staleForkPeers', r.staleForkPeers, 0, r.nodes);
  checkInteger('newerForkPeers', r.newerForkPeers, 0, r.nodes);
  checkInteger('maxPeers', r.maxPeers, 1, 10_000);
  checkFraction('discv5Fraction', r.discv5Fraction);
  checkFraction('v5OnlyFraction', r.v5OnlyFraction);
  checkFraction('consensusFraction', r.consensusFraction);
  if (r.discv5Fraction + r.v5OnlyFraction + r.consensusFraction > 1) {
    throw new TestnetParameterError('discv5Fraction + v5OnlyFraction + consensusFraction must not exceed 1');
  }
  return r;
}

/** Mainnet's schedule plus one fork after its last, activated a day before `now` when possible. */
export function newerSchedule(network: TestnetNetwork, now: number): { schedule: ForkSchedule; fork: string; time: number } {
  const last = network.schedule.timeForks.reduce<number>((m, t) => Math.max(m, Number(t)), network.anchor.time);
  const time = Math.max(now - 86_400, last + SLOT_SECONDS);
  return { schedule: { ...network.schedule, timeForks: [...network.schedule.timeForks, time] }, fork: 'next_fork', time };
}

// ---------------------------------------------------------------- heads

/** How far behind the network head a peer is: mostly at the tip, some lagging, a few syncing. */
function headLag(prng: Prng): number {
  const x = prng.nextFloat();
  if (x < 0.8) return prng.nextBelow(3);
  if (x < 0.95) return 3 + prng.nextBelow(62);
  return 1_000 + prng.nextBelow(200_000);
}

/** Pre-merge history is dropped by clients with EIP-4444 history expiry (geth v1.16 `--history.chain postmerge`). */
const MAINNET_MERGE_BLOCK = 15_537_393n;

function chainHead(network: TestnetNetwork, number: number): ChainHead {
  return headerAt(network, BigInt(Math.max(0, number)));
}

// ---------------------------------------------------------------- the mix

function shuffled(prng: Prng, n: number): number[] {
  return prng.shuffle(Array.from({ length: n }, (_, i) => i));
}

function countOf(fraction: number, n: number): number {
  return Math.round(fraction * n);
}

/** A stream per concern, so one option's change leaves the other assignments as they were. */
function stream(seed: number, concern: number): Prng {
  return new Prng(BigInt(seed) * 16n + BigInt(concern));
}

export function buildProfiles(options: MixOptions): { mix: ResolvedMix; profiles: PeerProfile[] } {
  const mix = resolveMix(options);
  const n = mix.nodes;
  const now = mix.nowSeconds;
  const mainnet = publicNetwork('mainnet');
  const networks: Record<(typeof OTHER_NETWORKS)[number], TestnetNetwork> = {
    sepolia: publicNetwork('sepolia'),
    holesky: publicNetwork('holesky'),
    hoodi: publicNetwork('hoodi'),
    private: privateNetwork(mix.seed, now),
  };

  // 1. metric
  const parity = new Set(shuffled(stream(mix.seed, 1), n).slice(0, countOf(mix.parityFraction, n)));
  // 2. clients and eth versions
  const clientPrng = stream(mix.seed, 2);
  const kinds: ClientKind[] = [];
  const modes: EthMode[] = [];
  for (let i = 0; i < n; i++) {
    kinds.push(parity.has(i) ? 'parity' : weighted(clientPrng, CLIENT_WEIGHTS));
    modes.push(weighted(clientPrng, ETH_MODE_WEIGHTS));
  }
  // 3. TCP off, 4. full
  const tcpOrder = shuffled(stream(mix.seed, 3), n);
  const noTcp = new Set(tcpOrder.slice(0, countOf(mix.noTcpFraction, n)));
  const full = new Set(tcpOrder.slice(noTcp.size).slice(0, countOf(mix.fullFraction, n)));
  // 5. other networks, among modern clients
  const netPrng = stream(mix.seed, 4);
  const modern = shuffled(netPrng, n).filter((i) => MODERN_CLIENTS.includes(kinds[i]!));
  const other = new Map<number, TestnetNetwork>();
  for (const i of modern.slice(0, countOf(mix.otherNetworkFraction, n))) other.set(i, networks[pick(netPrng, OTHER_NETWORKS)]);
  // 6. stale fork, among mainnet modern TCP peers that accept connections
  const stalePrng = stream(mix.seed, 5);
  const stale = mainnet.schedule.timeForks.length > 0 ? staleForkId(mainnet, now) : undefined;
  const staleSet = new Set(
    stale ? modern.filter((i) => !other.has(i) && !noTcp.has(i) && !full.has(i)).slice(0, mix.staleForkPeers) : [],
  );

  // 7. newer schedule: geth peers that know one more fork, among the remaining mainnet modern TCP peers
  const newer = newerSchedule(mainnet, now);
  const newerSet = new Set(
    shuffled(stream(mix.seed, 8), n)
      .filter((i) => MODERN_CLIENTS.includes(kinds[i]!) && !other.has(i) && !noTcp.has(i) && !full.has(i) && !staleSet.has(i))
      .slice(0, mix.newerForkPeers),
  );

  // 9. discovery protocols and consensus-layer peers (disjoint groups from one shuffle)
  const discOrder = shuffled(stream(mix.seed, 9), n);
  const nCl = countOf(mix.consensusFraction, n);
  const nV5 = countOf(mix.v5OnlyFraction, n);
  const nBoth = Math.min(countOf(mix.discv5Fraction, n), n - nCl - nV5);
  const consensus = new Set(discOrder.slice(0, nCl));
  const v5only = new Set(discOrder.slice(nCl, nCl + nV5));
  const both = new Set(discOrder.slice(nCl + nV5, nCl + nV5 + nBoth));

  const idPrng = stream(mix.seed, 6);
  const headPrng = stream(mix.seed, 7);
  const present = new Map<TestnetNetwork, { forkId: ForkId; head: number }>();
  const presentOf = (net: TestnetNetwork) => {
    let p = present.get(net);
    if (!p) present.set(net, (p = { forkId: presentForkId(net, now), head: estimateHead(net, now) }));
    return p;
  };

  const profiles: PeerProfile[] = [];
  for (let i = 0; i < n; i++) {
    const privateKey = testnetPrivateKey(mix.seed, i);
    const publicKey = publicKeyFromPrivate(privateKey);
    const isStale = staleSet.has(i) && stale !== undefined;
    const isNewer = newerSet.has(i);
    const kind: ClientKind = isStale || isNewer ? 'geth' : kinds[i]!;
    let { clientId, capabilities } = chooseClient(kind, isStale ? 'eth68' : modes[i]!, idPrng);
    const network = other.get(i) ?? mainnet;
    let chain: ChainClaim;
    const lag = headLag(headPrng);
    const prunedHistory = headPrng.nextFloat() < 0.4;
    if (isStale) {
      const version = GETH_BEFORE_FORK[stale.missedFork] ?? '1.13.15';
      clientId = clientId.replace(/^Geth\/v[^-]+/, `Geth/v${version}`);
      capabilities = caps([68], [SNAP]);
      // An old client cannot follow the chain past the fork it does not know: its head stops there.
      const stuckAt = estimateHead(network, stale.missedForkTime - 1);
      chain = { network, forkId: stale.forkId, head: chainHead(network, stuckAt - lag), earliestBlock: 0n };
    } else if (isNewer) {
      clientId = clientId.replace(/^Geth\/v[^-]+/, `Geth/v${GETH_NEWER_RELEASE}`);
      const head = presentOf(network).head - lag;
      chain = { network, forkId: computeForkId(newer.schedule, lastBlockFork(newer.schedule), now), head: chainHead(network, head), earliestBlock: 0n };
    } else {
      const p = presentOf(network);
      const earliestBlock = network.name === 'mainnet' && prunedHistory ? MAINNET_MERGE_BLOCK : 0n;
      chain = { network, forkId: p.forkId, head: chainHead(network, p.head - lag), earliestBlock };
    }
    profiles.push({
      index: i,
      privateKey,
      publicKey,
      nodeId: nodeIdFromPublicKey(publicKey),
      client: kind,
      clientId,
      capabilities,
      chain,
      staleFork: isStale ? stale.missedFork : null,
      newerFork: isNewer ? newer.fork : null,
      forkSchedule: isStale ? { ...network.schedule, timeForks: network.schedule.timeForks.filter((t) => Number(t) < stale.missedForkTime) } : isNewer ? newer.schedule : network.schedule,
      metric: parity.has(i) ? 'parity' : 'geth',
      tcp: !noTcp.has(i) && !consensus.has(i),
      maxPeers: mix.maxPeers,
      full: full.has(i),
      discovery: consensus.has(i) || v5only.has(i) ? 'v5' : both.has(i) ? 'both' : 'v4',
      consensus: consensus.has(i),
    });
  }
  return { mix, profiles };
}
