/**
 * The testnet manifest: ground truth about every emulated peer (identity, endpoint, client id,
 * capabilities, network, head, fork ID, peer-limit state, metric, TCP on/off) and what a crawler
 * should observe when it probes the peer, so tests and reports can compare a crawl with the truth.
 *
 * JSON, one object; numbers that may exceed 2^53 (total difficulty) are decimal strings; hashes,
 * keys and fork hashes are lowercase hex without 0x, as in src/events.ts.
 */
import { ADVERTISED_ETH_VERSIONS, formatCapability } from '../devp2p/capabilities.js';
import { parseClientId } from '../devp2p/client-id.js';
import type { DisconnectReasonName } from '../devp2p/disconnect-reasons.js';
import type { DistanceMetric } from '../discv4/table.js';
import { formatEnode } from '../enode/enode-url.js';
import type { ErrorKind } from '../errors.js';
import type { ForkVerdict, DialOutcome } from '../events.js';
import { bytesToHex } from '../util/bytes.js';
import { createForkClassifier, lastBlockFork } from '../eth/fork-id.js';
import { NETWORKS, forkSchedule } from '../eth/networks.js';
import type { TestnetNetworkName } from './chain.js';
import type { ClientKind, DiscoveryMode, PeerProfile, ResolvedMix } from './profiles.js';
import { dialsLikeGeth116 } from './geth-dialer.js';

export const MANIFEST_FORMAT = 'nodefinder-testnet/1';

/** What a probe (src/crawler/probe.ts) by a crawler of `expectedFor` should record. */
export interface ExpectedProbe {
  outcome: DialOutcome;
  /** The probe's recorded error: set when outcome is 'error', and 'no_shared_capability' for 'hello'. */
  errorKind: ErrorKind | null;
  /** A DISCONNECT the peer sends before HELLO. */
  disconnectReason: DisconnectReasonName | null;
  /** The eth version negotiated, when STATUS is exchanged. */
  ethVersion: number | null;
  forkVerdict: ForkVerdict | null;
}

export interface ManifestPeer {
  index: number;
  enode: string;
  nodeId: string;
  publicKey: string;
  ip: string;
  udpPort: number;
  tcpPort: number;
  client: ClientKind;
  /** Name part of the client id, as reports group it ("Geth", "Nethermind", …). */
  clientName: string;
  clientId: string;
  capabilities: string[];
  network: { name: TestnetNetworkName; networkId: number; genesisHash: string };
  forkId: { hash: string; next: number };
  /** The fork an old client missed (its fork ID is stale), or null. */
  staleFork: string | null;
  /** A fork this client knows and the crawler's built-in schedule does not, or null. */
  newerFork: string | null;
  head: { number: number; hash: string; totalDifficulty: string; earliestBlock: number };
  maxPeers: number;
  full: boolean;
  metric: DistanceMetric;
  tcp: boolean;
  /**
   * A geth ≥ 1.16 peer that dials nodes outside the testnet whose ENR passes its filter (an "eth"
   * entry compatible with its chain, a relayable IP): a crawler of its network gets an inbound dial
   * (unless the testnet runs with gethDials: false).
   */
  dialsByEnr: boolean;
  /** Discovery protocols the peer speaks on its UDP port ('v4', 'v5' or 'both'). */
  discovery: DiscoveryMode;
  /** A consensus-layer node (record with eth2, no eth, no RLPx): a crawler must never dial it. */
  consensus: boolean;
  /** Indices of the peers this one was bootstrapped with. */
  bootnodes: number[];
  expected: ExpectedProbe;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  seed: number;
  host: string;
  nodes: number;
  /** Peer i uses UDP and TCP port basePort + i; null when the OS picked ports. */
  basePort: number | null;
  /** Unix seconds the heads and fork IDs were computed for. */
  nowSeconds: number;
  mix: Omit<ResolvedMix, 'nowSeconds' | 'seed' | 'nodes'>;
  expectedFor: { network: 'mainnet'; ethVersions: number[] };
  /** Counts per property, for a quick look. */
  summary: {
    clients: Record<string, number>;
    networks: Record<string, number>;
    full: number;
    noTcp: number;
    parityMetric: number;
    staleFork: number;
    newerFork: number;
  };
  peers: ManifestPeer[];
}

/** The endpoint a peer ended up with. */
export interface PeerEndpoint {
  ip: string;
  udpPort: number;
  tcpPort: number;
}

/** What a mainnet crawler offering `ethVersions` should record when probing this peer. */
export function expectedProbe(profile: PeerProfile, ethVersions: readonly number[] = ADVERTISED_ETH_VERSIONS): ExpectedProbe {
  const none = { errorKind: null, disconnectReason: null, ethVersion: null, forkVerdict: null };
  if (!profile.tcp) return { ...none, outcome: 'error', errorKind: 'connection_refused' };
  if (profile.full) return { ...none, outcome: 'disconnect', disconnectReason: 'too_many_peers' };
  const shared = profile.capabilities.filter((c) => c.name === 'eth' && ethVersions.includes(c.version)).map((c) => c.version);
  // HELLO, then the crawler leaves (useless_peer) and records why.
  if (shared.length === 0) return { ...none, outcome: 'hello', errorKind: 'no_shared_capability' };
  const onMainnet = profile.chain.network.name === 'mainnet';
  return {
    ...none,
    outcome: 'status',
    ethVersion: Math.max(...shared),
    // A fork we do not know, already passed by the peer: we are the stale side.
    forkVerdict: !onMainnet ? 'unchecked' : profile.staleFork ? 'remote_stale' : profile.newerFork ? newerVerdict(profile) : 'compatible',
  };
}

/** Our verdict on a newer-schedule peer (local_stale once its extra fork passed, else compatible). */
function newerVerdict(profile: PeerProfile): ForkVerdict {
  const ours = forkSchedule(NETWORKS.mainnet);
  return createForkClassifier(ours)(profile.chain.forkId, lastBlockFork(ours), Number(profile.chain.head.time));
}

function count(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of [...values].sort()) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export function buildManifest(input: {
  mix: ResolvedMix;
  host: string;
  basePort: number | null;
  profiles: readonly PeerProfile[];
  endpoints: readonly PeerEndpoint[];
  bootnodes: readonly (readonly number[])[];
}): Manifest {
  const { mix, profiles } = input;
  const peers = profiles.map((p, i): ManifestPeer => {
    const ep = input.endpoints[i]!;
    const chain = p.chain;
    return {
      index: p.index,
      enode: formatEnode({ publicKey: p.publicKey, ...ep }),
      nodeId: bytesToHex(p.nodeId),
      publicKey: bytesToHex(p.publicKey),
      ip: ep.ip,
      udpPort: ep.udpPort,
      tcpPort: ep.tcpPort,
      client: p.client,
      clientName: parseClientId(p.clientId).name,
      clientId: p.clientId,
      capabilities: p.capabilities.map(formatCapability),
      network: { name: chain.network.name, networkId: chain.network.networkId, genesisHash: bytesToHex(chain.network.genesisHash) },
      forkId: { hash: bytesToHex(chain.forkId.hash), next: Number(chain.forkId.next) },
      staleFork: p.staleFork,
      newerFork: p.newerFork,
      head: {
        number: Number(chain.head.number),
        hash: bytesToHex(chain.head.hash),
        totalDifficulty: chain.network.finalTd.toString(),
        earliestBlock: Number(chain.earliestBlock),
      },
      maxPeers: p.maxPeers,
      full: p.full,
      metric: p.metric,
      tcp: p.tcp,
      dialsByEnr: dialsLikeGeth116(p) && p.discovery !== 'v5',
      discovery: p.discovery,
      consensus: p.consensus,
      bootnodes: [...(input.bootnodes[i] ?? [])],
      expected: expectedProbe(p),
    };
  });
  const { nowSeconds, seed, nodes, ...rest } = mix;
  return {
    format: MANIFEST_FORMAT,
    seed,
    host: input.host,
    nodes,
    basePort: input.basePort,
    nowSeconds,
    mix: rest,
    expectedFor: { network: 'mainnet', ethVersions: [...ADVERTISED_ETH_VERSIONS] },
    summary: {
      clients: count(peers.map((p) => p.clientName)),
      networks: count(peers.map((p) => p.network.name)),
      full: peers.filter((p) => p.full).length,
      noTcp: peers.filter((p) => !p.tcp).length,
      parityMetric: peers.filter((p) => p.metric === 'parity').length,
      staleFork: peers.filter((p) => p.staleFork !== null).length,
      newerFork: peers.filter((p) => p.newerFork !== null).length,
    },
    peers,
  };
}

export function manifestToJson(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
