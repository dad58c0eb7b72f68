/**
 * eth STATUS (devp2p caps/eth.md "Status (0x00)"), two shapes:
 *   eth/64–68: [version: P, networkid: P, td: P, blockhash: B_32, genesis: B_32, forkid]
 *   eth/69+:   [version: P, networkid: P, genesis: B_32, forkid, earliestBlock: P, latestBlock: P,
 *               latestBlockHash: B_32]            (EIP-7642; eth/70, EIP-7975, keeps it)
 * forkid = [fork-hash: B_4, fork-next: P] (EIP-2124). Extra list elements are ignored (EIP-8).
 */
import { bytesToHex, equalBytes, hexToBytes } from '../util/bytes.js';
import { RlpError, asBigInt, asBytes, asList, asSafeNumber, rlpDecodePrefix, rlpEncode } from '../util/rlp.js';
import { ForkMismatchError, NetworkMismatchError, StatusError } from './errors.js';
import {
  createForkClassifier,
  currentForkId,
  decodeForkIdItem,
  forkHashHex,
  forkIdToRlp,
  lastBlockFork,
  type ForkId,
  type ForkIdVerdict,
} from './fork-id.js';
import { forkSchedule, type NetworkDefinition } from './networks.js';

/** eth message ids relative to the eth capability offset (caps/eth.md, EIP-7642). */
export const ETH_MESSAGE_IDS = {
  status: 0x00,
  newBlockHashes: 0x01,
  transactions: 0x02,
  getBlockHeaders: 0x03,
  blockHeaders: 0x04,
  getBlockBodies: 0x05,
  blockBodies: 0x06,
  newBlock: 0x07,
  newPooledTransactionHashes: 0x08,
  getPooledTransactions: 0x09,
  pooledTransactions: 0x0a,
  getReceipts: 0x0f,
  receipts: 0x10,
  blockRangeUpdate: 0x11, // eth/69+
} as const;

/** First version with the block-range STATUS (EIP-7642). */
export const RANGE_STATUS_VERSION = 69;

/**
 * STATUS holds fixed-size fields (~150 bytes with a 32-byte TD). caps/eth.md only bounds messages
 * at 10 MiB; 1 KiB leaves room for EIP-8 additions and refuses a huge "status".
 */
export const STATUS_MAX_SIZE = 1024;

const HASH_LENGTH = 32;

interface StatusCommon {
  version: number;
  networkId: bigint;
  genesisHash: Uint8Array;
  forkId: ForkId;
}

/** eth/64–68. */
export interface StatusTd extends StatusCommon {
  shape: 'td';
  td: bigint;
  bestHash: Uint8Array;
}

/** eth/69+. */
export interface StatusRange extends StatusCommon {
  shape: 'range';
  earliestBlock: bigint;
  latestBlock: bigint;
  latestBlockHash: Uint8Array;
}

export type Status = StatusTd | StatusRange;

export function statusShapeFor(version: number): Status['shape'] {
  return version >= RANGE_STATUS_VERSION ? 'range' : 'td';
}

/** The head hash the peer announced (bestHash, or latestBlockHash on eth/69+). */
export function statusHeadHash(status: Status): Uint8Array {
  return status.shape === 'td' ? status.bestHash : status.latestBlockHash;
}

export function encodeStatus(status: Status): Uint8Array {
  if (statusShapeFor(status.version) !== status.shape) {
    throw new RangeError(`encodeStatus: eth/${status.version} uses the ${statusShapeFor(status.version)} shape`);
  }
  if (status.genesisHash.length !== HASH_LENGTH) throw new RangeError('encodeStatus: genesis hash must be 32 bytes');
  const forkId = forkIdToRlp(status.forkId);
  if (status.shape === 'td') {
    if (status.bestHash.length !== HASH_LENGTH) throw new RangeError('encodeStatus: best hash must be 32 bytes');
    return rlpEncode([status.version, status.networkId, status.td, status.bestHash, status.genesisHash, forkId]);
  }
  if (status.latestBlockHash.length !== HASH_LENGTH) throw new RangeError('encodeStatus: latest hash must be 32 bytes');
  return rlpEncode([
    status.version,
    status.networkId,
    status.genesisHash,
    forkId,
    status.earliestBlock,
    status.latestBlock,
    status.latestBlockHash,
  ]);
}

/**
 * Decode a STATUS payload (uncompressed msg-data). The shape follows the message's own version
 * field, which must equal the version negotiated in HELLO. Throws StatusError only.
 */
export function decodeStatus(payload: Uint8Array, negotiatedVersion: number): Status {
  if (payload.length > STATUS_MAX_SIZE) {
    throw new StatusError(`STATUS of ${payload.length} bytes exceeds ${STATUS_MAX_SIZE}`);
  }
  try {
    const { item } = rlpDecodePrefix(payload);
    const f = asList(item, 'STATUS', 1);
    const version = asSafeNumber(f[0], 'STATUS version');
    if (version !== negotiatedVersion) {
      throw new StatusError(`STATUS version ${version} differs from negotiated eth/${negotiatedVersion}`);
    }
    const shape = statusShapeFor(version);
    asList(item, `eth/${version} STATUS`, shape === 'td' ? 6 : 7);
    const networkId = asBigInt(f[1], 'STATUS networkid', 8);
    if (shape === 'td') {
      return {
        shape: 'td',
        version,
        networkId,
        td: asBigInt(f[2], 'STATUS td', 32),
        bestHash: Uint8Array.from(asBytes(f[3], 'STATUS blockhash', HASH_LENGTH)),
        genesisHash: Uint8Array.from(asBytes(f[4], 'STATUS genesis', HASH_LENGTH)),
        forkId: decodeForkIdItem(f[5]),
      };
    }
    return {
      shape: 'range',
      version,
      networkId,
      genesisHash: Uint8Array.from(asBytes(f[2], 'STATUS genesis', HASH_LENGTH)),
      forkId: decodeForkIdItem(f[3]),
      earliestBlock: asBigInt(f[4], 'STATUS earliestBlock', 8),
      latestBlock: asBigInt(f[5], 'STATUS latestBlock', 8),
      latestBlockHash: Uint8Array.from(asBytes(f[6], 'STATUS latestBlockHash', HASH_LENGTH)),
    };
  } catch (err) {
    if (err instanceof RlpError) throw new StatusError(err.message, { cause: err });
    throw err;
  }
}

/**
 * The STATUS we send. We have no chain: we announce the genesis as our head (TD = genesis
 * difficulty, empty history range 0..0) and the fork ID of the network's present, which is what
 * peers validate (EIP-2124).
 */
export function localStatus(network: NetworkDefinition, version: number, nowSeconds: number): Status {
  const genesisHash = hexToBytes(network.genesisHash);
  const forkId = currentForkId(forkSchedule(network), Math.floor(nowSeconds));
  const networkId = BigInt(network.networkId);
  if (statusShapeFor(version) === 'td') {
    return { shape: 'td', version, networkId, td: network.genesisDifficulty, bestHash: genesisHash, genesisHash, forkId };
  }
  return {
    shape: 'range',
    version,
    networkId,
    genesisHash,
    forkId,
    earliestBlock: 0n,
    latestBlock: 0n,
    latestBlockHash: genesisHash,
  };
}

export interface StatusAssessment {
  networkIdMatches: boolean;
  genesisMatches: boolean;
  /** EIP-2124 verdict against our schedule at the given time; only meaningful if genesisMatches. */
  forkVerdict: ForkIdVerdict;
}

/**
 * Build a checker of remote STATUS against `network` (fork checksums precomputed once). The
 * crawler records peers of every network, so this classifies rather than throws.
 */
export function createStatusChecker(network: NetworkDefinition): (status: Status, nowSeconds: number) => StatusAssessment {
  const schedule = forkSchedule(network);
  // Ours and local: the peer's fork ID against our schedule, with local_stale for unknown forks
  // announced after our last known one (fork-id.ts createForkClassifier).
  const filter = createForkClassifier(schedule);
  const genesis = hexToBytes(network.genesisHash);
  const head = lastBlockFork(schedule);
  const networkId = BigInt(network.networkId);
  return (status, nowSeconds) => ({
    networkIdMatches: status.networkId === networkId,
    genesisMatches: equalBytes(status.genesisHash, genesis),
    forkVerdict: filter(status.forkId, head, Math.floor(nowSeconds)),
  });
}

/** Throw the typed error a handshake would end with, or return when the peer is compatible. */
export function assertStatusCompatible(status: Status, assessment: StatusAssessment): void {
  if (!assessment.networkIdMatches || !assessment.genesisMatches) {
    throw new NetworkMismatchError(
      `peer is on network ${status.networkId} with genesis ${bytesToHex(status.genesisHash)}`,
    );
  }
  if (assessment.forkVerdict !== 'compatible') {
    throw new ForkMismatchError(
      assessment.forkVerdict,
      `fork ID ${forkHashHex(status.forkId.hash)}/${status.forkId.next} rejected: ${assessment.forkVerdict}`,
    );
  }
}
