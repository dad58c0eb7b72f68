/**
 * Base-protocol messages (rlpx.md "p2p Capability"): ids, DISCONNECT, PING/PONG, and the
 * message-id + optional snappy layer that sits between RLPx frames and every message codec.
 */
import { bytesToSafeNumber } from '../util/bytes.js';
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


// ---------------------------------------------------------------- snappy layer

/*
 * The RLPx frame carries rlp(msg-id) || msg-data and src/rlpx/frame.ts splits the two; this layer
 * handles msg-data only: snappy-compressed for every message after HELLO when both sides speak
 * p2p ≥ 5 (rlpx.md "Message Snappy Compression").
 */

/** msg-data for message `id`: compressed when `snappy` (HELLO never is). */
export function encodeMessageData(id: number, payload: Uint8Array, snappy: boolean): Uint8Array {
  return snappy && id !== P2P_MESSAGE_IDS.hello ? snappyCompress(payload) : payload;
}

/**
 * Uncompressed msg-data of message `id`. HELLO (id 0) is never compressed and is limited to 2 KiB;
 * DISCONNECT may arrive before HELLO, uncompressed, so callers pass snappy=false until both HELLOs
 * are exchanged. The declared decompressed size is checked before anything is allocated.
 */
export function decodeMessageData(
  id: number,
  data: Uint8Array,
  snappy: boolean,
  maxSize: number = MAX_MESSAGE_SIZE,
): Uint8Array {
  if (data.length > maxSize) throw new MessageTooLargeError('message', data.length, maxSize);
  if (id === P2P_MESSAGE_IDS.hello) {
    if (data.length > HELLO_MAX_SIZE) throw new MessageTooLargeError('HELLO', data.length, HELLO_MAX_SIZE);
    return data;
  }
  if (!snappy) return data;
  const { length } = snappyUncompressedLength(data);
  if (length > maxSize) throw new MessageTooLargeError('decompressed message', length, maxSize);
  return snappyDecompress(data, maxSize);
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
