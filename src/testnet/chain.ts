/**
 * The chains emulated peers claim to follow: the public networks of src/eth/networks.ts plus a
 * made-up private one, a head estimated from the wall clock, deterministic headers for it, and
 * the eth STATUS a peer sends. Pure: time comes in as an argument.
 *
 * Headers are not a real chain: a header is derived from (genesis, number) alone, so peers at the
 * same height of one network announce the same hash, and a header's hash is keccak256 of its RLP,
 * so a crawler that asks for the announced head hash gets back a header that hashes to it.
 */
import { keccak256 } from '../crypto/index.js';
import { concatBytes, fromUtf8, hexToBytes } from '../util/bytes.js';
import { encodeHeader } from '../eth/headers.js';
import { computeForkId, currentForkId, lastBlockFork, type ForkId, type ForkSchedule } from '../eth/fork-id.js';
import { NETWORKS, forkSchedule, type NetworkName } from '../eth/networks.js';
import { statusShapeFor, type Status } from '../eth/status.js';

export type TestnetNetworkName = NetworkName | 'private';

export interface TestnetNetwork {
  name: TestnetNetworkName;
  networkId: number;
  genesisHash: Uint8Array;
  schedule: ForkSchedule;
  /** Names of schedule.timeForks, in order (to name the fork a stale peer missed). */
  timeForkNames: readonly string[];
  /** Total difficulty a post-merge node reports in eth/66–68 STATUS: the chain's final TD. */
  finalTd: bigint;
  /** A known (block, time) point from which the head is extrapolated at 12 s slots. */
  anchor: { block: number; time: number };
  /** Mainnet's DAO fork block and its extraData (served when a crawler checks it). */
  daoFork: { block: number; extraData: string } | null;
}

/** Beacon chain slot (consensus-specs SECONDS_PER_SLOT). */
export const SLOT_SECONDS = 12;
/** Share of slots without a block (about 1 % on mainnet): heads trail the slot count a little. */
export const MISSED_SLOT_SHARE = 0.01;

/**
 * Final total difficulty of each network (geth params/config.go TerminalTotalDifficulty; mainnet's
 * actual TD at the merge block, the value geth still announces). Holesky and Hoodi started with
 * proof of stake, so their TD is the genesis difficulty.
 */
const FINAL_TD: Record<NetworkName, bigint> = {
  mainnet: 58_750_003_716_598_352_816_469n,
  sepolia: 17_000_000_000_000_000n,
  holesky: 1n,
  hoodi: 1n,
};

/**
 * Approximate (block, time) anchors: mainnet's merge block 15 537 394 (2022-09-15 06:42:59 UTC);
 * Sepolia's Shanghai block (approximate); Holesky and Hoodi are proof-of-stake from genesis.
 */
const ANCHORS: Record<NetworkName, { block: number; time: number }> = {
  mainnet: { block: 15_537_394, time: 1_663_224_179 },
  sepolia: { block: 2_990_908, time: 1_677_557_088 },
  holesky: { block: 0, time: NETWORKS.holesky.genesisTime },
  hoodi: { block: 0, time: NETWORKS.hoodi.genesisTime },
};

export function publicNetwork(name: NetworkName): TestnetNetwork {
  const def = NETWORKS[name];
  return {
    name,
    networkId: def.networkId,
    genesisHash: hexToBytes(def.genesisHash),
    schedule: forkSchedule(def),
    timeForkNames: def.timeForks.map((f) => f.name),
    finalTd: FINAL_TD[name],
    anchor: ANCHORS[name],
    daoFork: def.daoFork,
  };
}

/** Network ids of made-up private networks start here (far from any listed on chainid.network). */
export const PRIVATE_NETWORK_ID_BASE = 1_337_000;
const DAY_SECONDS = 86_400;

/**
 * A private network derived from the seed: its own network id and genesis, no forks, started 30
 * days before `nowSeconds` (rounded down to a day, so a restart on the same day is identical).
 */
export function privateNetwork(seed: number, nowSeconds: number): TestnetNetwork {
  const genesisHash = keccak256(concatBytes(fromUtf8('nodefinder-testnet-private-genesis'), u64(BigInt(seed))));
  const genesisTime = Math.floor(nowSeconds / DAY_SECONDS) * DAY_SECONDS - 30 * DAY_SECONDS;
  return {
    name: 'private',
    networkId: PRIVATE_NETWORK_ID_BASE + (seed % 1000),
    genesisHash,
    schedule: { genesisHash, genesisTime, blockForks: [], timeForks: [] },
    timeForkNames: [],
    finalTd: 1n,
    anchor: { block: 0, time: genesisTime },
    daoFork: null,
  };
}

/** The block number a synced node would have at `nowSeconds` (never below the anchor). */
export function estimateHead(network: TestnetNetwork, nowSeconds: number): number {
  const slots = Math.max(0, Math.floor((nowSeconds - network.anchor.time) / SLOT_SECONDS));
  return network.anchor.block + Math.floor(slots * (1 - MISSED_SLOT_SHARE));
}

/** The timestamp of block `number` under the same model (inverse of estimateHead). */
export function blockTime(network: TestnetNetwork, number: number): number {
  if (number <= network.anchor.block) return network.anchor.time;
  const slots = Math.ceil((number - network.anchor.block) / (1 - MISSED_SLOT_SHARE));
  return network.anchor.time + slots * SLOT_SECONDS;
}

export interface ChainHead {
  number: bigint;
  time: bigint;
  /** keccak256(headerRlp) */
  hash: Uint8Array;
  headerRlp: Uint8Array;
}

function u64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

/** A 32-byte field of header `number`, derived from the genesis so it is the same for every peer. */
function field(network: TestnetNetwork, name: string, number: bigint, size = 32): Uint8Array {
  return keccak256(concatBytes(network.genesisHash, fromUtf8(name), u64(number))).slice(0, size);
}

/** keccak256(rlp([])): the ommers hash of every post-merge block. */
const EMPTY_OMMERS_HASH = hexToBytes('1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347');
const BLOOM_BYTES = 256;
/** Mainnet block 1 920 000 was mined at 2016-07-20 13:20:40 UTC. */
const DAO_BLOCK_TIME = 1_469_020_840n;
/** Gas limit most mainnet validators target since 2025. */
const GAS_LIMIT = 45_000_000n;

/**
 * The header of block `number`: post-Prague field layout (15 legacy fields, then baseFee,
 * withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconRoot, requestsHash). Mainnet's DAO
 * fork block carries "dao-hard-fork" as extraData, as on the real chain.
 */
export function headerAt(network: TestnetNetwork, number: bigint): ChainHead {
  const dao = network.daoFork !== null && number === BigInt(network.daoFork.block);
  const time = dao ? DAO_BLOCK_TIME : BigInt(blockTime(network, Number(number)));
  const seedWord = field(network, 'gas', number, 4);
  const gasUsed = (GAS_LIMIT * BigInt(new DataView(seedWord.buffer, seedWord.byteOffset, 4).getUint32(0))) / 0xffffffffn;
  const headerRlp = encodeHeader({
    parentHash: field(network, 'parent', number),
    ommersHash: EMPTY_OMMERS_HASH,
    coinbase: field(network, 'coinbase', number, 20),
    stateRoot: field(network, 'state', number),
    txRoot: field(network, 'tx', number),
    receiptsRoot: field(network, 'receipts', number),
    bloom: new Uint8Array(BLOOM_BYTES),
    difficulty: dao ? 62_413_376_722_602n : 0n,
    number,
    gasLimit: GAS_LIMIT,
    gasUsed,
    time,
    extraData: dao ? fromUtf8(network.daoFork!.extraData) : fromUtf8('nodefinder testnet'),
    mixHash: field(network, 'randao', number),
    nonce: new Uint8Array(8),
    extra: dao
      ? []
      : [
          7n, // baseFee (wei)
          field(network, 'withdrawals', number),
          0n, // blobGasUsed
          0n, // excessBlobGas
          field(network, 'beacon', number),
          field(network, 'requests', number),
        ],
  });
  return { number, time, hash: keccak256(headerRlp), headerRlp };
}

/** The fork ID of an up-to-date node at `nowSeconds`. */
export function presentForkId(network: TestnetNetwork, nowSeconds: number): ForkId {
  return currentForkId(network.schedule, nowSeconds);
}

export interface StaleFork {
  forkId: ForkId;
  /** The first fork the old client does not know. */
  missedFork: string;
  missedForkTime: number;
}

/**
 * The fork ID of an old client that knows no fork from the `missed`-th last passed timestamp fork
 * on: the checksum of the forks before it and FORK_NEXT = 0 (it has heard of nothing newer).
 * Against an up-to-date schedule this is EIP-2124 rule 2's `remote_stale`. Undefined when the
 * network has no passed timestamp fork.
 */
export function staleForkId(network: TestnetNetwork, nowSeconds: number, missed = 1): StaleFork | undefined {
  const genesisTime = Number(network.schedule.genesisTime);
  const passed = network.schedule.timeForks
    .map((t, i) => ({ time: Number(t), name: network.timeForkNames[i] ?? `fork@${String(t)}` }))
    .filter((f) => f.time > genesisTime && f.time <= nowSeconds);
  const first = passed[passed.length - Math.max(1, missed)];
  if (!first) return undefined;
  const known: ForkSchedule = { ...network.schedule, timeForks: network.schedule.timeForks.filter((t) => Number(t) < first.time) };
  const id = computeForkId(known, lastBlockFork(network.schedule), nowSeconds);
  return { forkId: { hash: id.hash, next: 0n }, missedFork: first.name, missedForkTime: first.time };
}

/** What a peer announces about its chain. */
export interface ChainClaim {
  network: TestnetNetwork;
  forkId: ForkId;
  head: ChainHead;
  /** eth/69+ STATUS: oldest block the peer still serves. */
  earliestBlock: bigint;
}

/** The eth STATUS this peer sends for eth `version` (caps/eth.md; eth/69+ shape from EIP-7642). */
export function statusFor(claim: ChainClaim, version: number): Status {
  const common = { version, networkId: BigInt(claim.network.networkId), genesisHash: claim.network.genesisHash, forkId: claim.forkId };
  if (statusShapeFor(version) === 'td') {
    return { ...common, shape: 'td', td: claim.network.finalTd, bestHash: claim.head.hash };
  }
  return {
    ...common,
    shape: 'range',
    earliestBlock: claim.earliestBlock,
    latestBlock: claim.head.number,
    latestBlockHash: claim.head.hash,
  };
}
