/**
 * Base-protocol messages (rlpx.md "p2p Capability"): ids, DISCONNECT, PING/PONG, and the
 * message-id + optional snappy layer that sits between RLPx frames and every message codec.
 */
import { bytesToSafeNumber, concatBytes } from '../util/bytes.js';
import { RlpError, rlpDecodePrefix, rlpEncode } from '../util/rlp.js';
import {
  DISCONNECT_REASONS,
  disconnectReasonName,
  type DisconnectReasonName,
} from './disconnect-reasons.js';
import { MessageTooLargeError } from './errors.js';
import { HELLO_MAX_SIZE } from './hello.js';
import { SNAPPY_MAX_UNCOMPRESSED, snappyCompress, snappyDecompress, snappyUncompressedLength } from './snappy.js';

export const P2P_MESSAGE_IDS = {
  hello: 0x00,
  disconnect: 0x01,
  ping: 0x02,
  pong: 0x03,
} as const;

/**
 * Largest message we accept: the RLPx frame size is a 24-bit field, and rlpx.md "Message Snappy
 * Compression" caps the uncompressed size at the same 16 MiB.
 */
export const MAX_MESSAGE_SIZE = SNAPPY_MAX_UNCOMPRESSED;

/** Message ids are small integers (a few dozen per capability); 4 bytes is already absurd. */
const MAX_MESSAGE_ID_BYTES = 4;

// ---------------------------------------------------------------- message id + snappy

export interface RawMessage {
  /** Wire message id (base protocol 0x00–0x0f, capabilities from 0x10). */
  id: number;
  /** msg-data: RLP, uncompressed. */
  payload: Uint8Array;
}

/** Frame content for a message: rlp(id) || msg-data, msg-data snappy-compressed when `snappy`. */
export function encodeMessage(id: number, payload: Uint8Array, snappy: boolean): Uint8Array {
  const data = snappy ? snappyCompress(payload) : payload;
  return concatBytes(rlpEncode(id), data);
}

/**
 * Split frame content into id and msg-data, decompressing when `snappy`. HELLO (id 0) is never
 * compressed and is limited to 2 KiB; DISCONNECT may arrive before HELLO, uncompressed, so callers
 * pass snappy=false until both HELLOs are exchanged.
 */
export function decodeMessage(
  content: Uint8Array,
  snappy: boolean,
  maxSize: number = MAX_MESSAGE_SIZE,
): RawMessage {
  if (content.length > maxSize) throw new MessageTooLargeError('message', content.length, maxSize);
  if (content.length === 0) throw new RlpError('message: empty, no message id');
  const { item, rest } = rlpDecodePrefix(content);
  if (!(item instanceof Uint8Array) || item.length > MAX_MESSAGE_ID_BYTES) {
    throw new RlpError('message id: expected a small integer');
  }
  const id = bytesToSafeNumber(item);
  if (id === P2P_MESSAGE_IDS.hello) {
    if (rest.length > HELLO_MAX_SIZE) throw new MessageTooLargeError('HELLO', rest.length, HELLO_MAX_SIZE);
    return { id, payload: rest };
  }
  if (!snappy) return { id, payload: rest };
  const { length } = snappyUncompressedLength(rest);
  if (length > maxSize) throw new MessageTooLargeError('decompressed message', length, maxSize);
  return { id, payload: snappyDecompress(rest, maxSize) };
}

// ---------------------------------------------------------------- DISCONNECT

export interface Disconnect {
  reason: DisconnectReasonName;
  /** The code as sent (kept for unknown reasons); null when the payload carried none. */
  code: number | null;
}

/** rlpx.md "Disconnect (0x01)": [reason: P]. */
export function encodeDisconnect(reason: keyof typeof DISCONNECT_REASONS | number): Uint8Array {
  const code = typeof reason === 'number' ? reason : DISCONNECT_REASONS[reason];
  return rlpEncode([code]);
}

/**
 * Accepts the list form [reason], the bare integer some clients send, an empty list and an empty
 * payload (both meaning disconnect_requested). Extra list elements are ignored (EIP-8).
 */
export function decodeDisconnect(payload: Uint8Array): Disconnect {
  if (payload.length === 0) return { reason: 'disconnect_requested', code: null };
  const { item } = rlpDecodePrefix(payload);
  let codeItem = item;
  if (Array.isArray(item)) {
    if (item.length === 0) return { reason: 'disconnect_requested', code: null };
    codeItem = item[0]!;
  }
  if (!(codeItem instanceof Uint8Array)) throw new RlpError('DISCONNECT reason: expected an integer');
  if (codeItem.length > 4) throw new RlpError('DISCONNECT reason: integer too large');
  const code = bytesToSafeNumber(codeItem);
  return { reason: disconnectReasonName(code), code };
}

// ---------------------------------------------------------------- PING / PONG

/** rlpx.md "Ping (0x02)" and "Pong (0x03)": both are the empty list. */
export const PING_PAYLOAD: Uint8Array = rlpEncode([]);
export const PONG_PAYLOAD: Uint8Array = PING_PAYLOAD;

export function encodePing(): Uint8Array {
  return PING_PAYLOAD.slice();
}

export function encodePong(): Uint8Array {
  return PONG_PAYLOAD.slice();
}

/**
 * Validate a PING/PONG payload: a list (extra elements ignored, EIP-8); an empty payload is
 * tolerated. Throws RlpError otherwise.
 */
export function decodePingPong(payload: Uint8Array): void {
  if (payload.length === 0) return;
  const { item } = rlpDecodePrefix(payload);
  if (!Array.isArray(item)) throw new RlpError('PING/PONG: expected a list');
}
