/**
 * EIP-2124 fork identifier with EIP-6122 timestamp forks.
 *
 *   FORK_HASH = CRC32(genesis_hash || uint64_be(fork_1) || … ) over the forks already passed,
 *               block forks first, then timestamp forks;
 *   FORK_NEXT = the next scheduled fork (block or timestamp), 0 if none.
 *
 * Pitfalls handled here: duplicate fork points count once (Constantinople/Petersburg share a
 * block); forks at block 0 are the genesis rules and are skipped; timestamp forks at or before the
 * genesis time are skipped (Hoodi activates Shanghai and Cancun at genesis), so a first timestamp
 * fork equal to the genesis time is not mistaken for a later fork.
 */
import { asBytes, asList, rlpDecode, rlpEncode, type RlpItem } from '../util/rlp.js';
import { bytesToBigInt } from '../util/bytes.js';

export const FORK_HASH_LENGTH = 4;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * EIP-6122 / go-ethereum core/forkid: a FORK_NEXT above this value is a timestamp, not a block
 * number (the value is Frontier's genesis-era Unix time, 2015-07-30).
 */
export const TIMESTAMP_THRESHOLD = 1438269973n;

export interface ForkId {
  /** 4-byte CRC32 checksum. */
  hash: Uint8Array;
  /** Next fork block or timestamp (uint64), 0n when none is scheduled. */
  next: bigint;
}

export interface ForkSchedule {
  genesisHash: Uint8Array;
  /** Genesis block timestamp (seconds). */
  genesisTime: number | bigint;
  /** Activation blocks, any order; zeros and duplicates allowed. */
  blockForks: readonly (number | bigint)[];
  /** Activation timestamps (seconds), any order; those ≤ genesisTime are ignored. */
  timeForks: readonly (number | bigint)[];
}

/**
 * - compatible: EIP-2124 rules 1b, 2 or 3 accept the peer.
 * - remote_stale: rule 2 rejects — the remote is on our chain but missed a fork (needs an update).
 * - local_stale: rule 1a rejects — same fork state, but the remote announces a fork we already
 *   passed without knowing it: most likely our schedule is out of date.
 *   createForkClassifier also gives it to a rule-4 checksum seen once we passed every fork we know.
 * - incompatible: rule 4 — the remote's checksum is not in our history or future (another chain,
 *   e.g. a fork sharing the genesis).
 * go-ethereum reports the last two as one error, ErrLocalIncompatibleOrStale.
 */
export type ForkIdVerdict = 'compatible' | 'remote_stale' | 'local_stale' | 'incompatible';

// ---------------------------------------------------------------- CRC32 (IEEE, as zlib)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continue a CRC32 (IEEE) over `data`; start with crc = 0. */
export function crc32Update(crc: number, data: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function uint64be(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

function checksumUpdate(crc: number, fork: bigint): number {
  return crc32Update(crc, uint64be(fork));
}

function checksumBytes(crc: number): Uint8Array {
  const out = new Uint8Array(FORK_HASH_LENGTH);
  new DataView(out.buffer).setUint32(0, crc);
  return out;
}

function toU64(v: number | bigint, what: string): bigint {
  const b = BigInt(v);
  if (b < 0n || b > UINT64_MAX) throw new RangeError(`${what} out of uint64 range`);
  return b;
}

// ---------------------------------------------------------------- creation

/** The fork points that enter the checksum, sorted, deduplicated, genesis rules removed. */
export function gatherForks(schedule: ForkSchedule): { byBlock: bigint[]; byTime: bigint[] } {
  const genesisTime = toU64(schedule.genesisTime, 'genesisTime');
  const uniqueSorted = (xs: readonly (number | bigint)[], what: string) =>
    [...new Set(xs.map((x) => toU64(x, what)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const byBlock = uniqueSorted(schedule.blockForks, 'block fork').filter((b) => b !== 0n);
  const byTime = uniqueSorted(schedule.timeForks, 'time fork').filter((t) => t > genesisTime);
  return { byBlock, byTime };
}

/** The fork ID of a node whose head is block `head` with timestamp `time` (EIP-2124 + EIP-6122). */
export function computeForkId(schedule: ForkSchedule, head: number | bigint, time: number | bigint): ForkId {
  const h = toU64(head, 'head');
  const t = toU64(time, 'time');
  const { byBlock, byTime } = gatherForks(schedule);
  let crc = crc32Update(0, schedule.genesisHash);
  for (const fork of byBlock) {
    if (fork > h) return { hash: checksumBytes(crc), next: fork };
    crc = checksumUpdate(crc, fork);
  }
  for (const fork of byTime) {
    if (fork > t) return { hash: checksumBytes(crc), next: fork };
    crc = checksumUpdate(crc, fork);
  }
  return { hash: checksumBytes(crc), next: 0n };
}

/**
 * The fork ID a node at the tip would announce at Unix time `nowSeconds`: every block fork is
 * behind it (a crawler has no chain, so it speaks for the network's present).
 */
export function currentForkId(schedule: ForkSchedule, nowSeconds: number | bigint): ForkId {
  return computeForkId(schedule, lastBlockFork(schedule), nowSeconds);
}

/** The highest block fork (0 if none): a head at or past it has passed every block fork. */
export function lastBlockFork(schedule: ForkSchedule): bigint {
  const { byBlock } = gatherForks(schedule);
  return byBlock.length > 0 ? byBlock[byBlock.length - 1]! : 0n;
}

// ---------------------------------------------------------------- validation

export type ForkFilter = (remote: ForkId, head: number | bigint, time: number | bigint) => ForkIdVerdict;

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === FORK_HASH_LENGTH && b.length === FORK_HASH_LENGTH && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Precompute the checksums of `schedule` and return a validator of remote fork IDs (EIP-2124). */
export function createForkFilter(schedule: ForkSchedule): ForkFilter {
  const { byBlock, byTime } = gatherForks(schedule);
  const forks = [...byBlock, ...byTime];
  const sums: Uint8Array[] = [];
  let crc = crc32Update(0, schedule.genesisHash);
  sums.push(checksumBytes(crc));
  for (const fork of forks) {
    crc = checksumUpdate(crc, fork);
    sums.push(checksumBytes(crc));
  }
  // A sentinel fork that is never passed ends the scan. With no timestamp forks it belongs to the
  // block domain, otherwise to the time domain.
  forks.push(UINT64_MAX);
  const blockCount = byTime.length === 0 ? byBlock.length + 1 : byBlock.length;

  return (remote, headIn, timeIn) => {
    const block = toU64(headIn, 'head');
    const time = toU64(timeIn, 'time');
    for (let i = 0; i < forks.length; i++) {
      const head = i < blockCount ? block : time;
      if (head >= forks[i]!) continue;
      // forks[i] is the first fork we have not passed: sums[i] is our current checksum.
      if (sameHash(sums[i]!, remote.hash)) {
        // Rule 1a: the remote announces a fork we already passed without having it.
        if (remote.next > 0n && (head >= remote.next || (remote.next > TIMESTAMP_THRESHOLD && time >= remote.next))) {
          return 'local_stale';
        }
        return 'compatible'; // rule 1b
      }
      // Rule 2: the remote is in our past; it must know the fork that followed.
      for (let j = 0; j < i; j++) {
        if (sameHash(sums[j]!, remote.hash)) return forks[j] === remote.next ? 'compatible' : 'remote_stale';
      }
      // Rule 3: the remote is in our future (we are syncing).
      for (let j = i + 1; j < sums.length; j++) {
        if (sameHash(sums[j]!, remote.hash)) return 'compatible';
      }
      return 'incompatible'; // rule 4
    }
    // Unreachable: the sentinel is never passed.
    return 'compatible';
  };
}

/**
 * NodeFinder's verdict on a peer of our genesis: the EIP-2124 filter, except that a checksum we do
 * not know (rule 4) announced while we have passed every fork we know is most likely a fork we have
 * not heard of yet — our schedule is the stale side — so it is `local_stale`, not `incompatible`.
 * (go-ethereum cannot tell these apart either: ErrLocalIncompatibleOrStale, core/forkid/forkid.go.)
 */
export function createForkClassifier(schedule: ForkSchedule): ForkFilter {
  const filter = createForkFilter(schedule);
  const { byBlock, byTime } = gatherForks(schedule);
  const lastBlock = byBlock.length > 0 ? byBlock[byBlock.length - 1]! : 0n;
  const lastTime = byTime.length > 0 ? byTime[byTime.length - 1]! : 0n;
  return (remote, head, time) => {
    const verdict = filter(remote, head, time);
    if (verdict !== 'incompatible') return verdict;
    const pastEveryFork = toU64(head, 'head') >= lastBlock && toU64(time, 'time') >= lastTime;
    return pastEveryFork ? 'local_stale' : 'incompatible';
  };
}

export function validateForkId(
  schedule: ForkSchedule,
  remote: ForkId,
  head: number | bigint,
  time: number | bigint,
): ForkIdVerdict {
  return createForkFilter(schedule)(remote, head, time);
}

// ---------------------------------------------------------------- RLP

/** The fork ID as an RLP list value [hash, next] for embedding in STATUS. */
export function forkIdToRlp(id: ForkId): [Uint8Array, bigint] {
  if (id.hash.length !== FORK_HASH_LENGTH) throw new RangeError('fork hash must be 4 bytes');
  return [id.hash, toU64(id.next, 'fork next')];
}

export function encodeForkId(id: ForkId): Uint8Array {
  return rlpEncode(forkIdToRlp(id));
}

/** Decode [hash: B_4, next: uint64] (extra list elements ignored, EIP-8). Throws RlpError. */
export function decodeForkIdItem(item: RlpItem | undefined): ForkId {
  const fields = asList(item, 'fork id', 2);
  const hash = asBytes(fields[0], 'fork hash', FORK_HASH_LENGTH);
  const next = bytesToBigInt(asBytes(fields[1], 'fork next', undefined, 8));
  return { hash: Uint8Array.from(hash), next };
}

export function decodeForkId(data: Uint8Array): ForkId {
  return decodeForkIdItem(rlpDecode(data));
}

/** "0xfc64ec04" — the notation of EIP-2124 and the vectors. */
export function forkHashHex(hash: Uint8Array): string {
  return `0x${Buffer.from(hash).toString('hex')}`;
}
