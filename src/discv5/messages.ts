/**
 * discv5 message codec — pure (discv5-wire.md "Protocol Messages"): message-pt = message-type ||
 * rlp(message-data), with request-id ≤ 8 bytes first in every message. Liberal in what we accept
 * (extra trailing list elements are ignored, as EIP-8 asks of discv4), strict in what we send.
 * NODES records are returned as RLP items, unverified: one bad record must not cost the others
 * (geth verifies them one by one, v5_udp.go verifyResponseNode), so verification is the caller's.
 */
import { ipFromBytes, ipToBytes } from '../net/ip.js';
import { concatBytes } from '../util/bytes.js';
import { asBigInt, asBytes, asList, asSafeNumber, rlpDecode, rlpEncode, RlpError, type RlpInput, type RlpItem } from '../util/rlp.js';
import { MAX_DISTANCE, MAX_REQUEST_ID_SIZE, MessageType, type MessageTypeId } from './constants.js';
import { BadMessageError, UnknownMessageError } from './errors.js';

export interface PingMessage {
  type: typeof MessageType.Ping;
  requestId: Uint8Array;
  enrSeq: bigint;
}
export interface PongMessage {
  type: typeof MessageType.Pong;
  requestId: Uint8Array;
  enrSeq: bigint;
  /** The recipient's address as the sender saw it (IPv4 or IPv6 literal). */
  ip: string;
  port: number;
}
export interface FindNodeMessage {
  type: typeof MessageType.FindNode;
  requestId: Uint8Array;
  distances: number[];
}
export interface NodesMessage {
  type: typeof MessageType.Nodes;
  requestId: Uint8Array;
  total: number;
  /** ENRs as RLP items (unverified on decode). */
  records: RlpItem[];
}
export interface TalkReqMessage {
  type: typeof MessageType.TalkReq;
  requestId: Uint8Array;
  protocol: Uint8Array;
  request: Uint8Array;
}
export interface TalkRespMessage {
  type: typeof MessageType.TalkResp;
  requestId: Uint8Array;
  response: Uint8Array;
}

export type Message = PingMessage | PongMessage | FindNodeMessage | NodesMessage | TalkReqMessage | TalkRespMessage;
export type RequestMessage = PingMessage | FindNodeMessage | TalkReqMessage;
export type ResponseMessage = PongMessage | NodesMessage | TalkRespMessage;

export const MESSAGE_NAMES: Record<MessageTypeId, string> = {
  1: 'PING',
  2: 'PONG',
  3: 'FINDNODE',
  4: 'NODES',
  5: 'TALKREQ',
  6: 'TALKRESP',
};

export function isRequest(m: Message): m is RequestMessage {
  return m.type === MessageType.Ping || m.type === MessageType.FindNode || m.type === MessageType.TalkReq;
}

/** The response type a request expects. */
export function responseTypeOf(m: RequestMessage): MessageTypeId {
  return m.type === MessageType.Ping ? MessageType.Pong : m.type === MessageType.FindNode ? MessageType.Nodes : MessageType.TalkResp;
}

/** message-type || rlp(message-data). Invalid values (our bugs) throw RangeError. */
export function encodeMessage(m: Message): Uint8Array {
  if (m.requestId.length > MAX_REQUEST_ID_SIZE) throw new RangeError(`request-id must be ≤ ${MAX_REQUEST_ID_SIZE} bytes`);
  let data: RlpInput[];
  switch (m.type) {
    case MessageType.Ping:
      data = [m.requestId, m.enrSeq];
      break;
    case MessageType.Pong: {
      const ip = ipToBytes(m.ip);
      if (!ip) throw new RangeError(`PONG recipient-ip must be an IP literal, got ${m.ip}`);
      if (!Number.isInteger(m.port) || m.port < 0 || m.port > 0xffff) throw new RangeError('PONG port out of range');
      data = [m.requestId, m.enrSeq, ip, m.port];
      break;
    }
    case MessageType.FindNode:
      for (const d of m.distances) if (!Number.isInteger(d) || d < 0 || d > MAX_DISTANCE) throw new RangeError(`distance ${d} out of 0..256`);
      data = [m.requestId, m.distances];
      break;
    case MessageType.Nodes:
      if (!Number.isInteger(m.total) || m.total < 0 || m.total > 0xff) throw new RangeError('NODES total must be a uint8');
      data = [m.requestId, m.total, m.records as RlpInput[]];
      break;
    case MessageType.TalkReq:
      data = [m.requestId, m.protocol, m.request];
      break;
    case MessageType.TalkResp:
      data = [m.requestId, m.response];
      break;
  }
  return concatBytes(Uint8Array.of(m.type), rlpEncode(data));
}

/** Decode a decrypted message; throws UnknownMessageError or BadMessageError (RLP or field shape). */
export function decodeMessage(plaintext: Uint8Array): Message {
  if (plaintext.length === 0) throw new BadMessageError('discv5 message is empty');
  const type = plaintext[0]!;
  if (type < MessageType.Ping || type > MessageType.TalkResp) throw new UnknownMessageError(type);
  try {
    return decodeBody(type as MessageTypeId, plaintext.subarray(1));
  } catch (err) {
    if (err instanceof RlpError) throw new BadMessageError(`discv5 ${MESSAGE_NAMES[type as MessageTypeId]}: ${err.message}`, { cause: err });
    throw err;
  }
}

function decodeBody(type: MessageTypeId, body: Uint8Array): Message {
  const name = MESSAGE_NAMES[type];
  const list = asList(rlpDecode(body), name, 2);
  const requestId = Uint8Array.from(asBytes(list[0], `${name} request-id`, undefined, MAX_REQUEST_ID_SIZE));
  switch (type) {
    case MessageType.Ping:
      return { type, requestId, enrSeq: asBigInt(list[1], 'PING enr-seq', 8) };
    case MessageType.Pong: {
      asList(list, name, 4);
      const ipBytes = asBytes(list[2], 'PONG recipient-ip');
      const ip = ipFromBytes(ipBytes);
      if (ip === undefined) throw new BadMessageError(`PONG recipient-ip of ${ipBytes.length} bytes`);
      const port = asSafeNumber(list[3], 'PONG recipient-port');
      if (port > 0xffff) throw new BadMessageError(`PONG recipient-port ${port} out of range`);
      return { type, requestId, enrSeq: asBigInt(list[1], 'PONG enr-seq', 8), ip, port };
    }
    case MessageType.FindNode: {
      const distances = asList(list[1], 'FINDNODE distances').map((d) => {
        const v = asSafeNumber(d, 'FINDNODE distance');
        if (v > MAX_DISTANCE) throw new BadMessageError(`FINDNODE distance ${v} exceeds 256`);
        return v;
      });
      return { type, requestId, distances };
    }
    case MessageType.Nodes: {
      asList(list, name, 3);
      const total = asSafeNumber(list[1], 'NODES total');
      if (total > 0xff) throw new BadMessageError(`NODES total ${total} exceeds a uint8`);
      return { type, requestId, total, records: asList(list[2], 'NODES records').slice() };
    }
    case MessageType.TalkReq:
      asList(list, name, 3);
      return { type, requestId, protocol: Uint8Array.from(asBytes(list[1], 'TALKREQ protocol')), request: Uint8Array.from(asBytes(list[2], 'TALKREQ request')) };
    case MessageType.TalkResp:
      return { type, requestId, response: Uint8Array.from(asBytes(list[1], 'TALKRESP response')) };
  }
}

/** A request before the service assigns its request-id. */
export type RequestBody = { [T in RequestMessage['type']]: Omit<Extract<RequestMessage, { type: T }>, 'requestId'> }[RequestMessage['type']];
