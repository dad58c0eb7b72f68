/**
 * discv5 packet codec — pure: bytes in, typed values out (discv5-wire.md "Packet Encoding").
 *
 *   packet        = masking-iv(16) || masked-header || message
 *   masked-header = aesctr(dest-id[:16], masking-iv, static-header || authdata)
 *   static-header = "discv5" || version(2) || flag(1) || nonce(12) || authdata-size(2)
 *
 * This layer unmasks and parses headers and returns the message ciphertext; decrypting it needs a
 * session key (session.ts). `headerBytes` (masking-iv || unmasked header) is both the GCM
 * associated data and, for WHOAREYOU, the handshake's challenge-data.
 */
import { bytesToBigInt, concatBytes, equalBytes, fromUtf8 } from '../util/bytes.js';
import {
  Flag,
  HANDSHAKE_AUTHDATA_HEAD_SIZE,
  ID_NONCE_SIZE,
  MASKING_IV_SIZE,
  MAX_PACKET_SIZE,
  MESSAGE_AUTHDATA_SIZE,
  MIN_MESSAGE_SIZE,
  MIN_PACKET_SIZE,
  NONCE_SIZE,
  PROTOCOL_ID,
  PROTOCOL_VERSION,
  STATIC_HEADER_SIZE,
  WHOAREYOU_AUTHDATA_SIZE,
} from './constants.js';
import { maskHeader } from './crypto.js';
import { BadPacketError, InvalidHeaderError, PacketTooLargeError, PacketTooSmallError } from './errors.js';

const PROTOCOL_ID_BYTES = fromUtf8(PROTOCOL_ID);
const HEADER_START = MASKING_IV_SIZE + STATIC_HEADER_SIZE;
const MAX_UINT64 = (1n << 64n) - 1n;

export interface MessageHeader {
  flag: typeof Flag.Message;
  nonce: Uint8Array;
  srcId: Uint8Array;
}

export interface WhoareyouHeader {
  flag: typeof Flag.Whoareyou;
  /** The nonce of the message packet that caused this challenge. */
  nonce: Uint8Array;
  idNonce: Uint8Array;
  /** The ENR seq the challenger knows of us (0: it has no record). */
  enrSeq: bigint;
}

export interface HandshakeHeader {
  flag: typeof Flag.Handshake;
  nonce: Uint8Array;
  srcId: Uint8Array;
  idSignature: Uint8Array;
  ephemeralPubkey: Uint8Array;
  /** RLP of the sender's ENR, when included (wire: omitted when the challenge's enr-seq is current). */
  record?: Uint8Array;
}

export type PacketHeader = MessageHeader | WhoareyouHeader | HandshakeHeader;

export interface DecodedPacket {
  header: PacketHeader;
  /** masking-iv || static-header || authdata, unmasked: GCM associated data / challenge-data. */
  headerBytes: Uint8Array;
  /** The encrypted message (ciphertext || tag); empty for WHOAREYOU. */
  message: Uint8Array;
}

/** Authdata of a header (unmasked). */
function encodeAuthdata(h: PacketHeader): Uint8Array {
  switch (h.flag) {
    case Flag.Message:
      checkSize(h.srcId, 32, 'src-id');
      return Uint8Array.from(h.srcId);
    case Flag.Whoareyou: {
      checkSize(h.idNonce, ID_NONCE_SIZE, 'id-nonce');
      if (h.enrSeq < 0n || h.enrSeq > MAX_UINT64) throw new RangeError('enr-seq must be a uint64');
      const out = new Uint8Array(WHOAREYOU_AUTHDATA_SIZE);
      out.set(h.idNonce, 0);
      new DataView(out.buffer).setBigUint64(ID_NONCE_SIZE, h.enrSeq);
      return out;
    }
    case Flag.Handshake: {
      checkSize(h.srcId, 32, 'src-id');
      if (h.idSignature.length > 255 || h.ephemeralPubkey.length > 255) throw new RangeError('handshake sig/key sizes must fit a byte');
      const head = new Uint8Array(HANDSHAKE_AUTHDATA_HEAD_SIZE);
      head.set(h.srcId, 0);
      head[32] = h.idSignature.length;
      head[33] = h.ephemeralPubkey.length;
      return concatBytes(head, h.idSignature, h.ephemeralPubkey, h.record ?? new Uint8Array());
    }
  }
}

function checkSize(b: Uint8Array, size: number, what: string): void {
  if (b.length !== size) throw new RangeError(`${what} must be ${size} bytes, got ${b.length}`);
}

/** masking-iv || static-header || authdata, unmasked (what GCM authenticates). */
export function encodeHeader(iv: Uint8Array, header: PacketHeader): Uint8Array {
  checkSize(iv, MASKING_IV_SIZE, 'masking-iv');
  checkSize(header.nonce, NONCE_SIZE, 'nonce');
  const authdata = encodeAuthdata(header);
  if (authdata.length > 0xffff) throw new RangeError('authdata exceeds 65535 bytes');
  const out = new Uint8Array(HEADER_START + authdata.length);
  out.set(iv, 0);
  out.set(PROTOCOL_ID_BYTES, MASKING_IV_SIZE);
  const view = new DataView(out.buffer);
  view.setUint16(MASKING_IV_SIZE + 6, PROTOCOL_VERSION);
  out[MASKING_IV_SIZE + 8] = header.flag;
  out.set(header.nonce, MASKING_IV_SIZE + 9);
  view.setUint16(MASKING_IV_SIZE + 21, authdata.length);
  out.set(authdata, HEADER_START);
  return out;
}

/**
 * Mask an encoded header for `destId` and append the (already encrypted) message. Throws
 * PacketTooLargeError above 1280 bytes: we never send what the spec says not to process.
 */
export function encodePacket(destId: Uint8Array, headerBytes: Uint8Array, message: Uint8Array): Uint8Array {
  checkSize(destId, 32, 'dest-id');
  const size = headerBytes.length + message.length;
  if (size > MAX_PACKET_SIZE) throw new PacketTooLargeError(size, MAX_PACKET_SIZE);
  const iv = headerBytes.subarray(0, MASKING_IV_SIZE);
  return concatBytes(iv, maskHeader(destId, iv, headerBytes.subarray(MASKING_IV_SIZE)), message);
}

/**
 * Unmask and parse a packet addressed to `localId`. Throws PacketTooSmall/TooLarge, InvalidHeaderError
 * (not discv5 for us: protocol-id or version) or BadPacketError (bad flag or authdata); never reads
 * past the input.
 */
export function decodePacket(localId: Uint8Array, data: Uint8Array): DecodedPacket {
  if (data.length < MIN_PACKET_SIZE) throw new PacketTooSmallError(data.length, MIN_PACKET_SIZE);
  if (data.length > MAX_PACKET_SIZE) throw new PacketTooLargeError(data.length, MAX_PACKET_SIZE);
  const iv = data.subarray(0, MASKING_IV_SIZE);
  // CTR is a stream cipher: one pass over everything after the IV (one cipher set-up, the dominant
  // cost); only the static header and authdata-size bytes of it are used, the message stays as sent.
  const unmaskedAll = maskHeader(localId, iv, data.subarray(MASKING_IV_SIZE));
  const staticHeader = unmaskedAll.subarray(0, STATIC_HEADER_SIZE);
  if (!equalBytes(staticHeader.subarray(0, 6), PROTOCOL_ID_BYTES)) throw new InvalidHeaderError('not a discv5 packet (protocol-id)');
  const view = new DataView(staticHeader.buffer, staticHeader.byteOffset, staticHeader.byteLength);
  const version = view.getUint16(6);
  if (version < PROTOCOL_VERSION) throw new InvalidHeaderError(`discv5 header version ${version} is below ${PROTOCOL_VERSION}`);
  const flag = staticHeader[8]!;
  const nonce = staticHeader.slice(9, 9 + NONCE_SIZE);
  const authSize = view.getUint16(21);
  const remaining = data.length - HEADER_START;
  if (flag !== Flag.Whoareyou && remaining < MIN_MESSAGE_SIZE) throw new PacketTooSmallError(data.length, HEADER_START + MIN_MESSAGE_SIZE);
  if (authSize > remaining) throw new BadPacketError(`discv5 authdata-size ${authSize} exceeds the ${remaining} bytes left`);
  const authdata = unmaskedAll.subarray(STATIC_HEADER_SIZE, STATIC_HEADER_SIZE + authSize);
  const headerBytes = concatBytes(iv, unmaskedAll.subarray(0, STATIC_HEADER_SIZE + authSize));
  const message = data.slice(HEADER_START + authSize);
  let header: PacketHeader;
  switch (flag) {
    case Flag.Message:
      if (authSize !== MESSAGE_AUTHDATA_SIZE) throw new BadPacketError(`discv5 message authdata is ${authSize} bytes, not 32`);
      header = { flag, nonce, srcId: authdata.slice() };
      break;
    case Flag.Whoareyou:
      if (authSize !== WHOAREYOU_AUTHDATA_SIZE) throw new BadPacketError(`discv5 WHOAREYOU authdata is ${authSize} bytes, not 24`);
      header = { flag, nonce, idNonce: authdata.slice(0, ID_NONCE_SIZE), enrSeq: bytesToBigInt(authdata.subarray(ID_NONCE_SIZE)) };
      break;
    case Flag.Handshake: {
      if (authSize < HANDSHAKE_AUTHDATA_HEAD_SIZE) throw new BadPacketError(`discv5 handshake authdata of ${authSize} bytes is below 34`);
      const sigSize = authdata[32]!;
      const keySize = authdata[33]!;
      const recordAt = HANDSHAKE_AUTHDATA_HEAD_SIZE + sigSize + keySize;
      if (recordAt > authSize) throw new BadPacketError('discv5 handshake authdata shorter than its signature and key');
      header = {
        flag,
        nonce,
        srcId: authdata.slice(0, 32),
        idSignature: authdata.slice(HANDSHAKE_AUTHDATA_HEAD_SIZE, HANDSHAKE_AUTHDATA_HEAD_SIZE + sigSize),
        ephemeralPubkey: authdata.slice(HANDSHAKE_AUTHDATA_HEAD_SIZE + sigSize, recordAt),
        ...(recordAt < authSize ? { record: authdata.slice(recordAt) } : {}),
      };
      break;
    }
    default:
      throw new BadPacketError(`discv5 packet flag ${flag} is unknown`);
  }
  return { header, headerBytes, message };
}
