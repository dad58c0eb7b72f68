/**
 * What a node record (EIP-778) says about its node without a TCP connection: which layer it serves
 * and the fork it claims. One pure rule, shared by the crawler (never dial a consensus-layer node
 * over RLPx) and the store (classification kept per record version).
 *
 * Keys read (all optional; a malformed value is ignored, the key's presence still counts for the layer):
 * - `eth`  devp2p enr-entries/eth.md: [[forkHash(4), forkNext(uint64)], …] — an execution client's
 *          eth capability (geth eth/discovery.go currentENREntry; reth sets the same entry).
 * - `snap` devp2p enr-entries/snap.md: an empty list — the node serves snap (geth, reth, erigon).
 * - `eth2` consensus-specs phase0/p2p-interface.md "eth2 field": SSZ(ENRForkID) =
 *          fork_digest(4) ‖ next_fork_version(4) ‖ next_fork_epoch(uint64 little-endian), 16 bytes
 *          (lighthouse types/src/enr_fork_id.rs, lodestar getENRForkID). `attnets`/`syncnets` are
 *          consensus-only too (same spec), so they mark a consensus record whose eth2 is missing.
 * - `client` EIP-7636: [name, version, build?] as byte strings — a hint, peer-supplied text.
 *
 * The rule: an `eth` entry makes the record execution-layer (it advertises RLPx eth, whatever else
 * it carries — this is what geth's dialer filters on, eth/protocols/eth/discovery.go NewNodeFilter);
 * otherwise `eth2`/`attnets`/`syncnets` make it consensus-layer (libp2p, never RLPx); anything else
 * (portal, swarm, bare discovery nodes) is `other`.
 */
import { bytesToBigInt } from '../util/bytes.js';
import { rlpDecode, type RlpItem } from '../util/rlp.js';

export type RecordLayer = 'execution' | 'consensus' | 'other';
export const RECORD_LAYERS = ['execution', 'consensus', 'other'] as const satisfies readonly RecordLayer[];

/** consensus-specs: ENRForkID is a fixed-size SSZ container of 4 + 4 + 8 bytes. */
export const ENR_FORK_ID_SIZE = 16;
/** EIP-7636 client entry: each part is short text; longer is cut so storage stays bounded. */
const CLIENT_PART_MAX = 64;

const CONSENSUS_KEYS = ['eth2', 'attnets', 'syncnets'] as const;

export interface Eth2ForkId {
  /** 4 bytes, hex */
  forkDigest: string;
  /** 4 bytes, hex */
  nextForkVersion: string;
  nextForkEpoch: bigint;
}

export interface RecordClassification {
  layer: RecordLayer;
  /** `eth` fork ID, when present and well-formed: hash as 8 hex chars. */
  ethForkHash: string | null;
  ethForkNext: bigint | null;
  eth2: Eth2ForkId | null;
  /** `snap` key present. */
  snap: boolean;
  /** EIP-7636 `client` as "name/version" (or "name"), when present and well-formed. */
  client: string | null;
}

/** The layer from the keys a record carries (see the module comment). */
export function recordLayer(entries: ReadonlyMap<string, unknown>): RecordLayer {
  if (entries.has('eth')) return 'execution';
  if (CONSENSUS_KEYS.some((k) => entries.has(k))) return 'consensus';
  return 'other';
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function ethForkId(v: RlpItem | undefined): { hash: string; next: bigint } | null {
  if (!Array.isArray(v) || !Array.isArray(v[0])) return null;
  const [hash, next] = v[0];
  if (!(hash instanceof Uint8Array) || hash.length !== 4) return null;
  if (!(next instanceof Uint8Array) || next.length > 8 || (next.length > 0 && next[0] === 0)) return null;
  return { hash: hex(hash), next: bytesToBigInt(next) };
}

/** SSZ ENRForkID; null unless exactly 16 bytes. */
export function decodeEth2(v: RlpItem | undefined): Eth2ForkId | null {
  if (!(v instanceof Uint8Array) || v.length !== ENR_FORK_ID_SIZE) return null;
  return {
    forkDigest: hex(v.subarray(0, 4)),
    nextForkVersion: hex(v.subarray(4, 8)),
    nextForkEpoch: Buffer.from(v.buffer, v.byteOffset + 8, 8).readBigUInt64LE(0),
  };
}

function clientHint(v: RlpItem | undefined): string | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const parts: string[] = [];
  for (const p of v.slice(0, 2)) {
    if (!(p instanceof Uint8Array) || p.length === 0) break;
    // Printable ASCII only: peer-supplied text goes to storage and HTML.
    const s = Buffer.from(p.subarray(0, CLIENT_PART_MAX)).toString('latin1');
    if (!/^[\x20-\x7e]+$/.test(s)) break;
    parts.push(s);
  }
  return parts.length ? parts.join('/') : null;
}

/** Classify a record's entries (already decoded). */
export function classifyRecord(entries: ReadonlyMap<string, RlpItem>): RecordClassification {
  const eth = ethForkId(entries.get('eth'));
  return {
    layer: recordLayer(entries),
    ethForkHash: eth?.hash ?? null,
    ethForkNext: eth?.next ?? null,
    eth2: decodeEth2(entries.get('eth2')),
    snap: entries.has('snap'),
    client: clientHint(entries.get('client')),
  };
}

/**
 * Classify a record from its RLP bytes without verifying the signature (the record was verified
 * when it was received; this only reads keys). Null when the bytes are not a record's shape.
 */
export function classifyRawRecord(raw: Uint8Array): RecordClassification | null {
  let item: RlpItem;
  try {
    item = rlpDecode(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(item) || item.length < 2 || item.length % 2 !== 0) return null;
  const entries = new Map<string, RlpItem>();
  for (let i = 2; i < item.length; i += 2) {
    const k = item[i];
    if (!(k instanceof Uint8Array)) return null;
    entries.set(Buffer.from(k).toString('latin1'), item[i + 1]!);
  }
  return classifyRecord(entries);
}
