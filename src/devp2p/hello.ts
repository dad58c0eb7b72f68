/**
 * DEVp2p HELLO (rlpx.md "Hello (0x00)"):
 *   [protocolVersion: P, clientId: B, capabilities: [[cap: B, version: P], ...], listenPort: P,
 *    nodeKey: B_64, ...]
 * Extra list elements are ignored (EIP-8). HELLO is never snappy-compressed; it decides whether the
 * rest of the session is (both versions ≥ 5, EIP-706).
 */
import { RlpError, asBytes, asList, asSafeNumber, rlpDecodePrefix, rlpEncode, type RlpItem } from '../util/rlp.js';
import { utf8, fromUtf8 } from '../util/bytes.js';
import type { Capability } from './capabilities.js';
import { HelloError, MessageTooLargeError } from './errors.js';

/** The p2p version we speak: 5 = snappy (EIP-706). */
export const P2P_VERSION = 5;

/** EIP-706: snappy is used for every message after HELLO iff both sides announce version ≥ 5. */
export const SNAPPY_MIN_P2P_VERSION = 5;

/**
 * HELLO size limit: the base protocol's messages are capped at 2 KiB (go-ethereum p2p/peer.go
 * baseProtocolMaxMsgSize; DESIGN.md). Anything larger is hostile.
 */
export const HELLO_MAX_SIZE = 2 * 1024;

/** A real HELLO lists a handful of capabilities; the 2 KiB limit alone would allow ~400. */
export const MAX_HELLO_CAPABILITIES = 64;

/**
 * Capability names are short ASCII words ("eth", "snap", "istanbul"): at most 8 characters. We send
 * only such names. Received ones are not held to it: geth decodes a name as any RLP string (p2p
 * protocol.go Cap.Name, no length check) and reth as any UTF-8 string, so a longer or odd name is a
 * quirk to record (Capability.irregular), not a reason to lose the HELLO.
 */
export const MAX_CAPABILITY_NAME_LENGTH = 8;

/**
 * Longest text recorded for an irregular name (escaped, then cut with "..."), so that "name/version"
 * stays within the 64 characters the store keeps per capability.
 */
export const MAX_RECORDED_CAPABILITY_NAME = 40;

/** rlpx.md: nodeKey is the 64-byte secp256k1 public key (without the 0x04 prefix). */
export const NODE_KEY_LENGTH = 64;

export interface Hello {
  protocolVersion: number;
  clientId: string;
  capabilities: Capability[];
  listenPort: number;
  /** 64-byte public key. */
  nodeKey: Uint8Array;
}

export function useSnappy(localVersion: number, remoteVersion: number): boolean {
  return localVersion >= SNAPPY_MIN_P2P_VERSION && remoteVersion >= SNAPPY_MIN_P2P_VERSION;
}

export function encodeHello(hello: Hello): Uint8Array {
  if (hello.nodeKey.length !== NODE_KEY_LENGTH) throw new RangeError('encodeHello: node key must be 64 bytes');
  for (const c of hello.capabilities) {
    if (!isValidCapabilityName(c.name)) throw new RangeError(`encodeHello: invalid capability name ${JSON.stringify(c.name)}`);
  }
  const out = rlpEncode([
    hello.protocolVersion,
    fromUtf8(hello.clientId),
    hello.capabilities.map((c) => [fromUtf8(c.name), c.version]),
    hello.listenPort,
    hello.nodeKey,
  ]);
  if (out.length > HELLO_MAX_SIZE) throw new RangeError(`encodeHello: ${out.length} bytes exceeds ${HELLO_MAX_SIZE}`);
  return out;
}

/** Printable ASCII (0x21–0x7e), 1–8 characters. */
export function isValidCapabilityName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_CAPABILITY_NAME_LENGTH && /^[\x21-\x7e]+$/.test(name);
}

/**
 * The text of a received capability name: as is when valid; otherwise printable ASCII kept, every
 * other byte (and the backslash) as \xNN, cut to MAX_RECORDED_CAPABILITY_NAME characters.
 */
export function capabilityNameText(bytes: Uint8Array): { name: string; irregular: boolean } {
  const printable = (b: number) => b >= 0x21 && b <= 0x7e;
  if (bytes.length >= 1 && bytes.length <= MAX_CAPABILITY_NAME_LENGTH && bytes.every(printable)) {
    return { name: String.fromCharCode(...bytes), irregular: false };
  }
  let name = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const piece = printable(b) && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
    // Keep room for "..." unless this is the last piece.
    if (name.length + piece.length > MAX_RECORDED_CAPABILITY_NAME - (i === bytes.length - 1 ? 0 : 3)) {
      name += '...';
      break;
    }
    name += piece;
  }
  return { name, irregular: true };
}

/** Decode HELLO msg-data (no message id, already uncompressed: HELLO never is). */
export function decodeHello(payload: Uint8Array): Hello {
  if (payload.length > HELLO_MAX_SIZE) throw new MessageTooLargeError('HELLO', payload.length, HELLO_MAX_SIZE);
  try {
    // Bytes after the list are ignored, as geth's stream decoder does.
    const { item } = rlpDecodePrefix(payload);
    const fields = asList(item, 'HELLO', 5);
    const protocolVersion = asSafeNumber(fields[0], 'HELLO protocolVersion');
    const clientId = utf8(asBytes(fields[1], 'HELLO clientId'));
    const capabilities = decodeCapabilities(fields[2]);
    const listenPort = asSafeNumber(fields[3], 'HELLO listenPort');
    if (listenPort > 0xffff) throw new HelloError(`HELLO listenPort ${listenPort} out of range`);
    const nodeKey = asBytes(fields[4], 'HELLO nodeKey', NODE_KEY_LENGTH);
    return { protocolVersion, clientId, capabilities, listenPort, nodeKey: Uint8Array.from(nodeKey) };
  } catch (err) {
    if (err instanceof RlpError) throw new HelloError(err.message, { cause: err });
    throw err;
  }
}

function decodeCapabilities(item: RlpItem | undefined): Capability[] {
  const list = asList(item, 'HELLO capabilities');
  if (list.length > MAX_HELLO_CAPABILITIES) {
    throw new HelloError(`HELLO lists ${list.length} capabilities (limit ${MAX_HELLO_CAPABILITIES})`);
  }
  return list.map((entry, i) => {
    // EIP-8: a capability entry may carry extra elements after [name, version].
    const pair = asList(entry, `HELLO capability ${i}`, 2);
    // Any length (HELLO_MAX_SIZE bounds it) and any bytes: see MAX_CAPABILITY_NAME_LENGTH.
    const { name, irregular } = capabilityNameText(asBytes(pair[0], `HELLO capability ${i} name`));
    const version = asSafeNumber(pair[1], `HELLO capability ${i} version`);
    return irregular ? { name, version, irregular } : { name, version };
  });
}
