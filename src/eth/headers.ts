/**
 * GetBlockHeaders / BlockHeaders in the eth/66+ request-id form (devp2p caps/eth.md):
 *   GetBlockHeaders (0x03): [request-id: P, [startblock: {P, B_32}, limit: P, skip: P, reverse: {0, 1}]]
 *   BlockHeaders    (0x04): [request-id: P, [header₁, header₂, ...]]
 * Enough to ask one header by hash or number and read its number, hash and extraData: the peer's
 * best block, and the DAO-fork check (mainnet block 1 920 000 carries extraData "dao-hard-fork").
 */
import { keccak256 } from '../crypto/index.js';
import { bytesToBigInt, fromUtf8, equalBytes } from '../util/bytes.js';
import {
  RlpError,
  asBigInt,
  asBytes,
  asList,
  asSafeNumber,
  rlpDecodePrefix,
  rlpEncode,
  type RlpInput,
  type RlpItem,
} from '../util/rlp.js';
import { EthTooLargeError } from './errors.js';
import type { NetworkDefinition } from './networks.js';

/** caps/eth.md: "The practical limits for the eth protocol are lower [than RLPx's], typically 10 MiB." */
export const ETH_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

/** Most headers one response may carry (go-ethereum's serving limit, eth/protocols/eth maxHeadersServe). */
export const MAX_HEADERS_PER_RESPONSE = 1024;

/**
 * A mainnet header is ~600 bytes; extraData is ≤ 32 bytes there (yellow paper) but longer on
 * clique chains. 8 KiB bounds any real header with ample room for new fields.
 */
export const MAX_HEADER_SIZE = 8 * 1024;

/** The legacy 15 header fields (caps/eth.md "Block Encoding and Validity"); forks append more. */
const LEGACY_HEADER_FIELDS = 15;
const HEADER_INDEX = { parentHash: 0, difficulty: 7, number: 8, time: 11, extraData: 12 } as const;

export type HeaderOrigin = { hash: Uint8Array } | { number: bigint };

export interface GetBlockHeaders {
  requestId: bigint;
  origin: HeaderOrigin;
  limit: number;
  skip: number;
  reverse: boolean;
}

export interface BlockHeader {
  number: bigint;
  /** keccak256 of the header's RLP. */
  hash: Uint8Array;
  parentHash: Uint8Array;
  difficulty: bigint;
  /** Unix seconds. */
  time: bigint;
  extraData: Uint8Array;
  /** Number of fields (15 before London, more after). */
  fieldCount: number;
}

export interface BlockHeaders {
  requestId: bigint;
  headers: BlockHeader[];
}

export function encodeGetBlockHeaders(req: GetBlockHeaders): Uint8Array {
  const origin = 'hash' in req.origin ? req.origin.hash : req.origin.number;
  if (origin instanceof Uint8Array && origin.length !== 32) throw new RangeError('origin hash must be 32 bytes');
  return rlpEncode([req.requestId, [origin, req.limit, req.skip, req.reverse ? 1 : 0]]);
}

export function decodeGetBlockHeaders(payload: Uint8Array): GetBlockHeaders {
  if (payload.length > ETH_MAX_MESSAGE_SIZE) throw new EthTooLargeError('GetBlockHeaders', payload.length, ETH_MAX_MESSAGE_SIZE);
  const { item } = rlpDecodePrefix(payload);
  const outer = asList(item, 'GetBlockHeaders', 2);
  const requestId = asBigInt(outer[0], 'GetBlockHeaders request-id', 8);
  const q = asList(outer[1], 'GetBlockHeaders query', 4);
  const o = asBytes(q[0], 'GetBlockHeaders startblock');
  // go-ethereum HashOrNumber: 32 bytes is a hash, up to 8 bytes a number, anything else invalid.
  let origin: HeaderOrigin;
  if (o.length === 32) origin = { hash: Uint8Array.from(o) };
  else if (o.length <= 8) origin = { number: bytesToBigInt(o) };
  else throw new RlpError(`GetBlockHeaders startblock: ${o.length} bytes is neither a hash nor a number`);
  const limit = asSafeNumber(q[1], 'GetBlockHeaders limit');
  const skip = asSafeNumber(q[2], 'GetBlockHeaders skip');
  const reverse = asSafeNumber(q[3], 'GetBlockHeaders reverse');
  if (reverse > 1) throw new RlpError('GetBlockHeaders reverse: expected 0 or 1');
  return { requestId, origin, limit, skip, reverse: reverse === 1 };
}

/** Encode a response from already-encoded header RLPs (emulated peers serve stored headers). */
export function encodeBlockHeaders(requestId: bigint, headerRlps: readonly Uint8Array[]): Uint8Array {
  const items = headerRlps.map((h) => {
    const { item, rest } = rlpDecodePrefix(h);
    if (!Array.isArray(item) || rest.length > 0) throw new RangeError('encodeBlockHeaders: not a header list');
    return item as RlpInput;
  });
  return rlpEncode([requestId, items]);
}

export function decodeBlockHeaders(payload: Uint8Array, maxHeaders: number = MAX_HEADERS_PER_RESPONSE): BlockHeaders {
  if (payload.length > ETH_MAX_MESSAGE_SIZE) throw new EthTooLargeError('BlockHeaders', payload.length, ETH_MAX_MESSAGE_SIZE);
  const { item } = rlpDecodePrefix(payload);
  const outer = asList(item, 'BlockHeaders', 2);
  const requestId = asBigInt(outer[0], 'BlockHeaders request-id', 8);
  const list = asList(outer[1], 'BlockHeaders headers');
  if (list.length > maxHeaders) throw new EthTooLargeError('BlockHeaders count', list.length, maxHeaders);
  return { requestId, headers: list.map((h, i) => decodeHeaderItem(h, i)) };
}

function decodeHeaderItem(item: RlpItem, index: number): BlockHeader {
  const what = `header ${index}`;
  const fields = asList(item, what, LEGACY_HEADER_FIELDS);
  // util/rlp rejects non-canonical encodings, so re-encoding yields the bytes as received.
  const raw = rlpEncode(item as RlpInput);
  if (raw.length > MAX_HEADER_SIZE) throw new EthTooLargeError(`${what} size`, raw.length, MAX_HEADER_SIZE);
  for (let i = 0; i < fields.length; i++) {
    if (!(fields[i] instanceof Uint8Array)) throw new RlpError(`${what} field ${i}: expected a byte string`);
  }
  return {
    number: asBigInt(fields[HEADER_INDEX.number], `${what} number`, 8),
    hash: keccak256(raw),
    parentHash: Uint8Array.from(asBytes(fields[HEADER_INDEX.parentHash], `${what} parentHash`, 32)),
    difficulty: asBigInt(fields[HEADER_INDEX.difficulty], `${what} difficulty`, 32),
    time: asBigInt(fields[HEADER_INDEX.time], `${what} time`, 8),
    extraData: Uint8Array.from(asBytes(fields[HEADER_INDEX.extraData], `${what} extraData`)),
    fieldCount: fields.length,
  };
}

// ---------------------------------------------------------------- header construction (tests, emulated peers)

export interface HeaderFields {
  parentHash: Uint8Array;
  ommersHash: Uint8Array;
  coinbase: Uint8Array;
  stateRoot: Uint8Array;
  txRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  bloom: Uint8Array;
  difficulty: bigint;
  number: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  time: bigint;
  extraData: Uint8Array;
  mixHash: Uint8Array;
  nonce: Uint8Array;
  /** Fields added by later forks (baseFee, withdrawalsRoot, …), already in RLP input form. */
  extra?: RlpInput[];
}

export function encodeHeader(h: HeaderFields): Uint8Array {
  return rlpEncode([
    h.parentHash, h.ommersHash, h.coinbase, h.stateRoot, h.txRoot, h.receiptsRoot, h.bloom,
    h.difficulty, h.number, h.gasLimit, h.gasUsed, h.time, h.extraData, h.mixHash, h.nonce,
    ...(h.extra ?? []),
  ]);
}

// ---------------------------------------------------------------- DAO fork check

export type DaoForkVerdict = 'supports_fork' | 'opposes_fork' | 'unknown';

/** Ask for the DAO fork block by number (one header). */
export function daoForkRequest(network: NetworkDefinition, requestId: bigint): GetBlockHeaders | null {
  if (!network.daoFork) return null;
  return { requestId, origin: { number: BigInt(network.daoFork.block) }, limit: 1, skip: 0, reverse: false };
}

/**
 * Judge the reply: the pro-fork chain (mainnet) has extraData "dao-hard-fork" at the fork block;
 * a peer without that block (not synced, or history pruned) is `unknown`.
 */
export function daoForkVerdict(network: NetworkDefinition, headers: readonly BlockHeader[]): DaoForkVerdict {
  const dao = network.daoFork;
  if (!dao) return 'unknown';
  const header = headers.find((h) => h.number === BigInt(dao.block));
  if (!header) return 'unknown';
  return equalBytes(header.extraData, fromUtf8(dao.extraData)) ? 'supports_fork' : 'opposes_fork';
}
