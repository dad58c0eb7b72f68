/**
 * Ethereum Node Records (EIP-778) with the "v4" identity scheme.
 *
 * record    = rlp([signature, seq, k1, v1, k2, v2, ...]), at most 300 bytes, keys sorted and unique
 * signature = 64-byte r||s secp256k1 signature of keccak256(rlp([seq, k1, v1, ...])) by the key
 *             stored compressed under "secp256k1"; node id = keccak256(64-byte uncompressed key).
 * Text form: "enr:" + base64url(record) without padding.
 *
 * Keys are byte strings; here they are JS strings with one char per byte (latin1), which keeps
 * EIP-778's byte order under plain string comparison and never loses a byte.
 */
import { compressPublicKey, decompressPublicKey, keccak256, publicKeyFromPrivate, recoverPublicKey, signDigest } from '../crypto/index.js';
import { bytesToBigInt, equalBytes, uintToBytes } from '../util/bytes.js';
import { rlpDecode, rlpEncode, type RlpInput, type RlpItem } from '../util/rlp.js';
import { nodeIdFromPublicKey } from './distance.js';
import { BadEnrError, EnrSignatureError, EnrTooLargeError } from './errors.js';
import { ipFromBytes, ipToBytes } from '../net/ip.js';
import type { NodeRecord } from './node-record.js';

/** EIP-778: "The maximum encoded size of a node record is 300 bytes." */
export const ENR_MAX_SIZE = 300;
export const ENR_TEXT_PREFIX = 'enr:';
/** base64url of 300 bytes without padding. */
const ENR_MAX_TEXT_LENGTH = ENR_TEXT_PREFIX.length + Math.ceil((ENR_MAX_SIZE * 4) / 3);
/** EIP-778: seq is a 64-bit unsigned integer. */
const MAX_SEQ = (1n << 64n) - 1n;
/** secp256k1 group order; signatures with s > n/2 are malleable and rejected (as geth does). */
const SECP256K1_HALF_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n >> 1n;

export interface ForkIdEntry {
  /** CRC32 fork hash (EIP-2124), 4 bytes */
  forkHash: Uint8Array;
  forkNext: bigint;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const fromLatin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

/** A decoded, signature-verified record. Immutable; build new ones with `encodeEnr`/`createEnr`. */
export class Enr {
  /** The RLP bytes exactly as signed and sent. */
  readonly raw: Uint8Array;
  readonly signature: Uint8Array;
  readonly seq: bigint;
  /** Key → RLP item, in record order (sorted). */
  readonly entries: ReadonlyMap<string, RlpItem>;
  /** 64-byte uncompressed key from the "secp256k1" entry */
  readonly publicKey: Uint8Array;
  readonly nodeId: Uint8Array;

  private constructor(raw: Uint8Array, signature: Uint8Array, seq: bigint, entries: Map<string, RlpItem>, publicKey: Uint8Array) {
    this.raw = raw;
    this.signature = signature;
    this.seq = seq;
    this.entries = entries;
    this.publicKey = publicKey;
    this.nodeId = nodeIdFromPublicKey(publicKey);
  }

  /** @internal used by decodeEnr/encodeEnr only */
  static fromVerified(raw: Uint8Array, signature: Uint8Array, seq: bigint, entries: Map<string, RlpItem>, publicKey: Uint8Array): Enr {
    return new Enr(raw, signature, seq, entries, publicKey);
  }

  get(key: string): RlpItem | undefined {
    return this.entries.get(key);
  }

  /** Byte-string value of a key, undefined when absent or a list. */
  getBytes(key: string): Uint8Array | undefined {
    const v = this.entries.get(key);
    return v instanceof Uint8Array ? v : undefined;
  }

  /** Identity scheme name ("v4"). */
  get id(): string {
    return latin1(this.getBytes('id') ?? new Uint8Array());
  }

  get ip(): string | undefined {
    return this.address('ip', 4);
  }

  get ip6(): string | undefined {
    return this.address('ip6', 16);
  }

  get tcp(): number | undefined {
    return this.port('tcp');
  }

  get udp(): number | undefined {
    return this.port('udp');
  }

  /** EIP-778: tcp6/udp6 default to tcp/udp when the IPv6 ports equal the IPv4 ones. */
  get tcp6(): number | undefined {
    return this.port('tcp6') ?? this.port('tcp');
  }

  get udp6(): number | undefined {
    return this.port('udp6') ?? this.port('udp');
  }

  /**
   * The "eth" entry (devp2p enr-entries/eth.md): [[forkHash, forkNext], ...rest]. Undefined when
   * absent or malformed — a bad optional entry does not invalidate a correctly signed record.
   */
  get eth(): ForkIdEntry | undefined {
    const v = this.entries.get('eth');
    if (!Array.isArray(v)) return undefined;
    const forkId = v[0];
    if (!Array.isArray(forkId)) return undefined;
    const [hash, next] = forkId;
    if (!(hash instanceof Uint8Array) || hash.length !== 4) return undefined;
    if (!(next instanceof Uint8Array) || next.length > 8 || (next.length > 0 && next[0] === 0)) return undefined;
    return { forkHash: hash, forkNext: bytesToBigInt(next) };
  }

  /**
   * The record as a discovery endpoint: IPv4 preferred, then IPv6. A missing udp port falls back to
   * tcp and vice versa. Undefined when there is no address or no port at all.
   */
  toNodeRecord(): NodeRecord | undefined {
    const pick = (ip: string | undefined, udp: number | undefined, tcp: number | undefined): NodeRecord | undefined => {
      const u = udp ?? tcp;
      const t = tcp ?? udp;
      if (ip === undefined || u === undefined || t === undefined) return undefined;
      return { id: this.nodeId, publicKey: this.publicKey, ip, udpPort: u, tcpPort: t };
    };
    return pick(this.ip, this.udp, this.tcp) ?? pick(this.ip6, this.udp6, this.tcp6);
  }

  toText(): string {
    return ENR_TEXT_PREFIX + Buffer.from(this.raw).toString('base64url');
  }

  private address(key: string, size: 4 | 16): string | undefined {
    const b = this.getBytes(key);
    return b && b.length === size ? ipFromBytes(b) : undefined;
  }

  private port(key: string): number | undefined {
    const b = this.getBytes(key);
    if (!b || b.length > 2 || (b.length > 0 && b[0] === 0)) return undefined;
    return b.length === 0 ? 0 : b.length === 1 ? b[0]! : (b[0]! << 8) | b[1]!;
  }
}

/** The content that is signed: rlp([seq, k1, v1, ...]). */
function signingDigest(seq: bigint, pairs: [Uint8Array, RlpItem][]): Uint8Array {
  const content: RlpInput[] = [uintToBytes(seq)];
  for (const [k, v] of pairs) content.push(k, v as RlpInput);
  return keccak256(rlpEncode(content));
}

/** Decode and verify a binary record; throws BadEnrError / EnrTooLargeError / EnrSignatureError. */
export function decodeEnr(raw: Uint8Array): Enr {
  if (raw.length > ENR_MAX_SIZE) throw new EnrTooLargeError(raw.length, ENR_MAX_SIZE);
  let item: RlpItem;
  try {
    item = rlpDecode(raw);
  } catch (err) {
    throw new BadEnrError(`ENR is not valid RLP: ${(err as Error).message}`, { cause: err });
  }
  return decodeEnrItem(item, raw);
}

/** Verify an already-decoded record item (e.g. inside an ENRResponse). `raw` is its encoding. */
export function decodeEnrItem(item: RlpItem, raw?: Uint8Array): Enr {
  const encoded = raw ?? rlpEncode(item as RlpInput);
  if (encoded.length > ENR_MAX_SIZE) throw new EnrTooLargeError(encoded.length, ENR_MAX_SIZE);
  if (!Array.isArray(item)) throw new BadEnrError('ENR must be an RLP list');
  if (item.length < 2 || item.length % 2 !== 0) {
    throw new BadEnrError(`ENR must be [signature, seq, k, v, ...], got ${item.length} elements`);
  }
  const [sigItem, seqItem] = item;
  if (!(sigItem instanceof Uint8Array)) throw new BadEnrError('ENR signature must be a byte string');
  if (!(seqItem instanceof Uint8Array) || seqItem.length > 8) throw new BadEnrError('ENR seq must be a uint64');
  if (seqItem.length > 0 && seqItem[0] === 0) throw new BadEnrError('ENR seq has leading zero bytes');
  const seq = bytesToBigInt(seqItem);

  const entries = new Map<string, RlpItem>();
  const pairs: [Uint8Array, RlpItem][] = [];
  let previous: string | undefined;
  for (let i = 2; i < item.length; i += 2) {
    const k = item[i];
    if (!(k instanceof Uint8Array)) throw new BadEnrError('ENR key must be a byte string');
    const key = latin1(k);
    // EIP-778: "The key/value pairs must be sorted by key and must be unique".
    if (previous !== undefined && key <= previous) throw new BadEnrError(`ENR keys not sorted/unique at ${JSON.stringify(key)}`);
    previous = key;
    entries.set(key, item[i + 1]!);
    pairs.push([k, item[i + 1]!]);
  }

  const scheme = entries.get('id');
  if (!(scheme instanceof Uint8Array) || latin1(scheme) !== 'v4') throw new BadEnrError('ENR identity scheme is not "v4"');
  const compressed = entries.get('secp256k1');
  if (!(compressed instanceof Uint8Array) || compressed.length !== 33) {
    throw new BadEnrError('ENR "secp256k1" must be a 33-byte compressed key');
  }
  let publicKey: Uint8Array;
  try {
    publicKey = decompressPublicKey(compressed);
  } catch (err) {
    throw new BadEnrError(`ENR "secp256k1" is not a valid key: ${(err as Error).message}`, { cause: err });
  }
  if (sigItem.length !== 64) throw new EnrSignatureError(`ENR signature must be 64 bytes, got ${sigItem.length}`);
  verifyV4(signingDigest(seq, pairs), sigItem, publicKey);
  return Enr.fromVerified(encoded, sigItem, seq, entries, publicKey);
}

/**
 * Verify r||s against a known key. The crypto module exposes recovery, not verify: a signature is
 * valid iff one of the recovery ids yields the key (ids 2 and 3 need r ≥ n, never produced).
 */
function verifyV4(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): void {
  if (bytesToBigInt(signature.subarray(32)) > SECP256K1_HALF_N) throw new EnrSignatureError('ENR signature has high s');
  for (const recovery of [0, 1]) {
    try {
      if (equalBytes(recoverPublicKey(digest, signature, recovery), publicKey)) return;
    } catch {
      // not this recovery id
    }
  }
  throw new EnrSignatureError('ENR signature does not match its secp256k1 key');
}

/** Decode the `enr:` text form. */
export function decodeEnrText(text: string): Enr {
  if (typeof text !== 'string' || !text.startsWith(ENR_TEXT_PREFIX)) throw new BadEnrError('ENR text must start with "enr:"');
  if (text.length > ENR_MAX_TEXT_LENGTH) throw new EnrTooLargeError(Math.floor(((text.length - 4) * 3) / 4), ENR_MAX_SIZE);
  const body = text.slice(ENR_TEXT_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body) || body.length % 4 === 1) throw new BadEnrError('ENR text is not unpadded base64url');
  return decodeEnr(Uint8Array.from(Buffer.from(body, 'base64url')));
}

/**
 * Sign a record. "id" = "v4" and "secp256k1" (our compressed key) are always set; other entries
 * are RLP values by key. Throws EnrTooLargeError beyond 300 bytes.
 */
export function encodeEnr(privateKey: Uint8Array, seq: bigint, entries: Record<string, RlpInput> | Map<string, RlpInput>): Enr {
  if (seq < 0n || seq > MAX_SEQ) throw new BadEnrError('ENR seq must be a uint64');
  const map = new Map<string, RlpInput>(entries instanceof Map ? entries : Object.entries(entries));
  map.set('id', fromLatin1('v4'));
  map.set('secp256k1', compressPublicKey(publicKeyFromPrivate(privateKey)));
  const keys = [...map.keys()].sort();
  // Normalise values through RLP so the record holds exactly what a decoder would see.
  const pairs: [Uint8Array, RlpItem][] = keys.map((k) => [fromLatin1(k), rlpDecode(rlpEncode(map.get(k)!))]);
  const digest = signingDigest(seq, pairs);
  const { signature } = signDigest(digest, privateKey);
  const list: RlpInput[] = [signature, uintToBytes(seq)];
  for (const [k, v] of pairs) list.push(k, v as RlpInput);
  const raw = rlpEncode(list);
  if (raw.length > ENR_MAX_SIZE) throw new EnrTooLargeError(raw.length, ENR_MAX_SIZE);
  const publicKey = decompressPublicKey(map.get('secp256k1') as Uint8Array);
  return Enr.fromVerified(raw, signature, seq, new Map(pairs.map(([k, v]) => [latin1(k), v])), publicKey);
}

export interface EnrFields {
  privateKey: Uint8Array;
  seq: bigint;
  ip?: string;
  tcp?: number;
  udp?: number;
  ip6?: string;
  tcp6?: number;
  udp6?: number;
  eth?: ForkIdEntry;
  /** Any further entries (e.g. "snap": []) */
  extra?: Record<string, RlpInput>;
}

/** Build and sign a record from typed fields (the form the discv4 endpoint advertises). */
export function createEnr(fields: EnrFields): Enr {
  const e: Record<string, RlpInput> = { ...(fields.extra ?? {}) };
  const addr = (key: string, ip: string | undefined, size: number) => {
    if (ip === undefined) return;
    const b = ipToBytes(ip);
    if (!b || b.length !== size) throw new BadEnrError(`ENR "${key}" must be an IPv${size === 4 ? 4 : 6} literal, got ${ip}`);
    e[key] = b;
  };
  const port = (key: string, p: number | undefined) => {
    if (p === undefined) return;
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new BadEnrError(`ENR "${key}" must be a port, got ${p}`);
    e[key] = p;
  };
  addr('ip', fields.ip, 4);
  addr('ip6', fields.ip6, 16);
  port('tcp', fields.tcp);
  port('udp', fields.udp);
  port('tcp6', fields.tcp6);
  port('udp6', fields.udp6);
  if (fields.eth) {
    if (fields.eth.forkHash.length !== 4) throw new BadEnrError('ENR "eth" fork hash must be 4 bytes');
    e.eth = [[fields.eth.forkHash, fields.eth.forkNext]];
  }
  return encodeEnr(fields.privateKey, fields.seq, e);
}
