/**
 * Discovery v4 packet codec — pure: bytes in, typed values out; no sockets, no clock.
 *
 *   packet = hash(32) || signature(65: r||s||v) || packet-type(1) || rlp(packet-data)
 *   hash   = keccak256(signature || packet-type || packet-data)
 *   signature signs keccak256(packet-type || packet-data)                       (discv4.md)
 *
 * EIP-8: extra list elements and data after the list are ignored; the Ping version is not checked.
 * EIP-868: Ping/Pong may carry a 5th/4th element enr-seq, and packets 5/6 are ENRRequest/ENRResponse.
 * Expiration is NOT checked here (the official vectors carry 2006 timestamps): the endpoint
 * compares it with its clock.
 */
import { keccak256, recoverPublicKey, signDigest } from '../crypto/index.js';
import { InvalidKeyError } from '../crypto/errors.js';
import { decodeEnrItem, type Enr } from '../enode/enr.js';
import { ipFromBytes, ipToBytes } from '../net/ip.js';
import type { NodeRecord } from '../enode/node-record.js';
import { NodeFinderError } from '../errors.js';
import { bytesToBigInt, concatBytes, equalBytes } from '../util/bytes.js';
import { rlpDecode, rlpDecodePrefix, rlpEncode, type RlpInput, type RlpItem } from '../util/rlp.js';
import {
  HASH_SIZE,
  HEAD_SIZE,
  MAX_NEIGHBORS_PER_PACKET,
  MAX_PACKET_SIZE,
  MAX_RECEIVE_SIZE,
  MIN_PACKET_SIZE,
  PacketType,
  type PacketTypeId,
} from './constants.js';
import {
  BadHashError,
  BadPacketError,
  BadPacketSignatureError,
  PacketTooLargeError,
  PacketTooSmallError,
  UnknownPacketError,
} from './errors.js';

/** An endpoint as carried in Ping/Pong. `ip` is '' when the sender left it empty. */
export interface Endpoint {
  ip: string;
  udpPort: number;
  tcpPort: number;
}

export interface PingData {
  version: number;
  from: Endpoint;
  to: Endpoint;
  /** Unix seconds; values beyond 2^53−1 saturate (they are "never expires" either way). */
  expiration: number;
  /** EIP-868; undefined when absent or not an integer (pre-EIP-868 extra elements). */
  enrSeq?: bigint;
}

export interface PongData {
  to: Endpoint;
  pingHash: Uint8Array;
  expiration: number;
  enrSeq?: bigint;
}

export interface FindNodeData {
  /** 64-byte public key whose keccak256 is the lookup target */
  target: Uint8Array;
  expiration: number;
}

export interface NeighborsData {
  nodes: NodeRecord[];
  expiration: number;
  /**
   * Entries that did not decode (IP not 4 or 16 bytes, port wider than 2 bytes, key not 64 bytes,
   * not a list): skipped one by one, so one bad entry costs only itself (geth drops an entry with
   * an invalid IP in nodeFromRPC). Set by the decoder; the encoder ignores it.
   */
  malformed?: number;
}

export interface EnrRequestData {
  expiration: number;
}

export interface EnrResponseData {
  requestHash: Uint8Array;
  record: Enr;
}

export interface PacketDataMap {
  [PacketType.Ping]: PingData;
  [PacketType.Pong]: PongData;
  [PacketType.FindNode]: FindNodeData;
  [PacketType.Neighbors]: NeighborsData;
  [PacketType.EnrRequest]: EnrRequestData;
  [PacketType.EnrResponse]: EnrResponseData;
}

export type DecodedPacket = {
  [T in PacketTypeId]: {
    type: T;
    data: PacketDataMap[T];
    /** The packet's hash field (what PONG/ENRRESPONSE quote back) */
    hash: Uint8Array;
    /** Signer's 64-byte public key, recovered from the signature */
    publicKey: Uint8Array;
    /** keccak256(publicKey) */
    nodeId: Uint8Array;
  };
}[PacketTypeId];

export interface EncodedPacket {
  bytes: Uint8Array;
  hash: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Field codecs

function fail(what: string): never {
  throw new BadPacketError(what);
}

function list(item: RlpItem | undefined, what: string, min: number): RlpItem[] {
  if (!Array.isArray(item)) fail(`${what}: expected a list`);
  if (item.length < min) fail(`${what}: expected ≥${min} elements, got ${item.length}`);
  return item;
}

function bytes(item: RlpItem | undefined, what: string, size?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) fail(`${what}: expected a byte string`);
  if (size !== undefined && item.length !== size) fail(`${what}: expected ${size} bytes, got ${item.length}`);
  return item;
}

function uint(item: RlpItem | undefined, what: string, maxBytes: number): number {
  const b = bytes(item, what);
  if (b.length > maxBytes) fail(`${what}: integer longer than ${maxBytes} bytes`);
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : v;
}

const port = (item: RlpItem | undefined, what: string) => uint(item, what, 2);
/** geth decodes expiration as uint64. */
const expiration = (item: RlpItem | undefined) => uint(item, 'expiration', 8);

function optionalSeq(item: RlpItem | undefined): bigint | undefined {
  // EIP-868 made this element optional; before it, extra elements of any shape were allowed.
  return item instanceof Uint8Array && item.length <= 8 ? bytesToBigInt(item) : undefined;
}

function decodeEndpoint(item: RlpItem | undefined, what: string): Endpoint {
  const [ip, udp, tcp] = list(item, what, 3);
  const ipBytes = bytes(ip, `${what} ip`);
  let text = '';
  if (ipBytes.length !== 0) text = ipFromBytes(ipBytes) ?? fail(`${what} ip: ${ipBytes.length} bytes`);
  return { ip: text, udpPort: port(udp, `${what} udp port`), tcpPort: port(tcp, `${what} tcp port`) };
}

function encodeIp(ip: string, what: string): Uint8Array {
  if (ip === '') return new Uint8Array();
  return ipToBytes(ip) ?? fail(`${what}: ${JSON.stringify(ip)} is not an IP literal`);
}

function checkPort(p: number, what: string): number {
  if (!Number.isInteger(p) || p < 0 || p > 65535) fail(`${what}: invalid port ${p}`);
  return p;
}

function checkUint(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) fail(`${what}: invalid integer ${v}`);
  return v;
}

function encodeEndpoint(e: Endpoint, what: string): RlpInput[] {
  return [encodeIp(e.ip, `${what} ip`), checkPort(e.udpPort, `${what} udp`), checkPort(e.tcpPort, `${what} tcp`)];
}

function decodeNode(item: RlpItem | undefined): NodeRecord {
  const [ip, udp, tcp, id] = list(item, 'neighbors node', 4);
  const ipBytes = bytes(ip, 'neighbors node ip');
  const text = ipFromBytes(ipBytes) ?? fail(`neighbors node ip: ${ipBytes.length} bytes`);
  // Copy the key: a view would keep the whole datagram alive as long as the record lives.
  const publicKey = Uint8Array.from(bytes(id, 'neighbors node id', 64));
  return {
    id: keccak256(publicKey),
    publicKey,
    ip: text,
    udpPort: port(udp, 'neighbors node udp port'),
    tcpPort: port(tcp, 'neighbors node tcp port'),
  };
}

function decodeData(type: PacketTypeId, item: RlpItem): PacketDataMap[PacketTypeId] {
  switch (type) {
    case PacketType.Ping: {
      const f = list(item, 'ping', 4);
      return {
        version: uint(f[0], 'ping version', 8),
        from: decodeEndpoint(f[1], 'ping from'),
        to: decodeEndpoint(f[2], 'ping to'),
        expiration: expiration(f[3]),
        enrSeq: optionalSeq(f[4]),
      };
    }
    case PacketType.Pong: {
      const f = list(item, 'pong', 3);
      return {
        to: decodeEndpoint(f[0], 'pong to'),
        pingHash: bytes(f[1], 'pong ping-hash', HASH_SIZE),
        expiration: expiration(f[2]),
        enrSeq: optionalSeq(f[3]),
      };
    }
    case PacketType.FindNode: {
      const f = list(item, 'findnode', 2);
      return { target: bytes(f[0], 'findnode target', 64), expiration: expiration(f[1]) };
    }
    case PacketType.Neighbors: {
      const f = list(item, 'neighbors', 2);
      // The datagram size cap bounds the entry count (≈ 20 at MAX_RECEIVE_SIZE).
      const nodes: NodeRecord[] = [];
      let malformed = 0;
      for (const entry of list(f[0], 'neighbors nodes', 0)) {
        try {
          nodes.push(decodeNode(entry));
        } catch (err) {
          if (!(err instanceof BadPacketError)) throw err;
          malformed++;
        }
      }
      return malformed > 0 ? { nodes, expiration: expiration(f[1]), malformed } : { nodes, expiration: expiration(f[1]) };
    }
    case PacketType.EnrRequest: {
      const f = list(item, 'enrrequest', 1);
      return { expiration: expiration(f[0]) };
    }
    case PacketType.EnrResponse: {
      const f = list(item, 'enrresponse', 2);
      const requestHash = bytes(f[0], 'enrresponse request-hash', HASH_SIZE);
      // decodeEnrItem enforces the 300-byte limit and verifies the record's own signature.
      return { requestHash, record: decodeEnrItem(f[1]!) };
    }
  }
}

function isPacketType(t: number): t is PacketTypeId {
  return t >= PacketType.Ping && t <= PacketType.EnrResponse;
}

// ---------------------------------------------------------------------------------------------
// Packets

/**
 * Decode and authenticate one datagram. Throws only NodeFinderError subclasses: too_small,
 * too_large, bad_hash, unknown_packet, bad_rlp, bad_packet, bad_signature, bad_enr.
 * Cheap checks run first; the one public-key recovery runs last, after the data parsed.
 */
export function decodePacket(datagram: Uint8Array): DecodedPacket {
  if (datagram.length < MIN_PACKET_SIZE) throw new PacketTooSmallError(datagram.length, MIN_PACKET_SIZE);
  if (datagram.length > MAX_RECEIVE_SIZE) throw new PacketTooLargeError(datagram.length, MAX_RECEIVE_SIZE);
  const hash = datagram.slice(0, HASH_SIZE);
  if (!equalBytes(hash, keccak256(datagram.subarray(HASH_SIZE)))) throw new BadHashError();
  const type = datagram[HEAD_SIZE]!;
  if (!isPacketType(type)) throw new UnknownPacketError(type);
  const { item } = rlpDecodePrefix(datagram.subarray(HEAD_SIZE + 1)); // trailing bytes ignored (EIP-8)
  let data: PacketDataMap[PacketTypeId];
  try {
    data = decodeData(type, item);
  } catch (err) {
    if (err instanceof NodeFinderError) throw err;
    throw new BadPacketError(`malformed packet data: ${(err as Error).message}`, { cause: err });
  }
  const recovery = datagram[HEAD_SIZE - 1]!;
  if (recovery > 3) throw new BadPacketSignatureError(`invalid recovery id ${recovery}`);
  let publicKey: Uint8Array;
  try {
    publicKey = recoverPublicKey(keccak256(datagram.subarray(HEAD_SIZE)), datagram.subarray(HASH_SIZE, HEAD_SIZE - 1), recovery);
  } catch (err) {
    if (err instanceof InvalidKeyError) throw new BadPacketSignatureError(err.message);
    throw err;
  }
  return { type, data, hash, publicKey, nodeId: keccak256(publicKey) } as DecodedPacket;
}

function encodeData(type: PacketTypeId, data: PacketDataMap[PacketTypeId]): RlpInput {
  switch (type) {
    case PacketType.Ping: {
      const d = data as PingData;
      const f: RlpInput[] = [checkUint(d.version, 'ping version'), encodeEndpoint(d.from, 'ping from'), encodeEndpoint(d.to, 'ping to'), checkUint(d.expiration, 'expiration')];
      if (d.enrSeq !== undefined) f.push(d.enrSeq);
      return f;
    }
    case PacketType.Pong: {
      const d = data as PongData;
      if (d.pingHash.length !== HASH_SIZE) fail('pong ping-hash must be 32 bytes');
      const f: RlpInput[] = [encodeEndpoint(d.to, 'pong to'), d.pingHash, checkUint(d.expiration, 'expiration')];
      if (d.enrSeq !== undefined) f.push(d.enrSeq);
      return f;
    }
    case PacketType.FindNode: {
      const d = data as FindNodeData;
      if (d.target.length !== 64) fail('findnode target must be 64 bytes');
      return [d.target, checkUint(d.expiration, 'expiration')];
    }
    case PacketType.Neighbors: {
      const d = data as NeighborsData;
      const nodes = d.nodes.map((n) => {
        if (n.publicKey.length !== 64) fail('neighbors node key must be 64 bytes');
        const ip = ipToBytes(n.ip) ?? fail(`neighbors node ip: ${JSON.stringify(n.ip)} is not an IP literal`);
        return [ip, checkPort(n.udpPort, 'neighbors node udp'), checkPort(n.tcpPort, 'neighbors node tcp'), n.publicKey];
      });
      return [nodes, checkUint(d.expiration, 'expiration')];
    }
    case PacketType.EnrRequest:
      return [checkUint((data as EnrRequestData).expiration, 'expiration')];
    case PacketType.EnrResponse: {
      const d = data as EnrResponseData;
      if (d.requestHash.length !== HASH_SIZE) fail('enrresponse request-hash must be 32 bytes');
      return [d.requestHash, rlpDecode(d.record.raw) as RlpInput];
    }
  }
}

/** Sign and frame one packet. Throws BadPacketError on invalid fields, PacketTooLargeError above 1280 bytes. */
export function encodePacket<T extends PacketTypeId>(type: T, data: PacketDataMap[T], privateKey: Uint8Array): EncodedPacket {
  if (!isPacketType(type)) throw new UnknownPacketError(type);
  const typeAndData = concatBytes(Uint8Array.of(type), rlpEncode(encodeData(type, data)));
  const size = HEAD_SIZE + typeAndData.length;
  if (size > MAX_PACKET_SIZE) throw new PacketTooLargeError(size, MAX_PACKET_SIZE);
  const { signature, recovery } = signDigest(keccak256(typeAndData), privateKey);
  const out = new Uint8Array(size);
  out.set(signature, HASH_SIZE);
  out[HEAD_SIZE - 1] = recovery;
  out.set(typeAndData, HEAD_SIZE);
  const hash = keccak256(out.subarray(HASH_SIZE));
  out.set(hash, 0);
  return { bytes: out, hash };
}

/** Split a NEIGHBORS answer into datagrams of at most MAX_NEIGHBORS_PER_PACKET entries (≥ 1 packet). */
export function encodeNeighbors(nodes: readonly NodeRecord[], expirationSeconds: number, privateKey: Uint8Array): EncodedPacket[] {
  const out: EncodedPacket[] = [];
  for (let i = 0; i < nodes.length || i === 0; i += MAX_NEIGHBORS_PER_PACKET) {
    const chunk = nodes.slice(i, i + MAX_NEIGHBORS_PER_PACKET);
    out.push(encodePacket(PacketType.Neighbors, { nodes: chunk, expiration: expirationSeconds }, privateKey));
  }
  return out;
}
