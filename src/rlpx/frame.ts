/**
 * RLPx framing (devp2p rlpx.md "Framing"), pure: bytes in, messages out; no sockets, no clock.
 *
 *   frame = header-ciphertext(16) || header-mac(16) || frame-ciphertext(ceil16(size)) || frame-mac(16)
 *   header = frame-size(3, big-endian) || rlp([capability-id, context-id]) || zero padding to 16
 *   frame-data = rlp(msg-id) || msg-data, zero padded to 16
 *
 * One AES-256-CTR keystream (key aes-secret, zero IV) per direction covers headers and bodies. The
 * MACs are running keccak256 states seeded by the handshake and updated with AES-256-ECB(mac-secret)
 * "seeds". Snappy is not our business: msg-data is carried as given.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { rlpEncode } from '../util/rlp.js';
import { DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_DATA, FRAME_HEADER_SIZE, FRAME_MAC_SIZE, MAX_FRAME_SIZE } from './constants.js';
import { BadMacError, ProtocolBreachError, RlpxTooLargeError } from './errors.js';

/** A decoded RLPx message: the msg-id and msg-data (still snappy-compressed if the session compresses). */
export interface RlpxMessage {
  code: number;
  data: Uint8Array;
}

/** What the MAC needs from a hash: keccak256 states from src/crypto fit; tests may plug a fake (geth's vector). */
export interface MacHash {
  update(data: Uint8Array): unknown;
  clone(): MacHash;
  digest(): Uint8Array;
}

/** The secrets framing needs (SessionSecrets from the handshake satisfies it). */
export interface FrameSecrets {
  aesSecret: Uint8Array;
  macSecret: Uint8Array;
  egressMac: MacHash;
  ingressMac: MacHash;
}

const ZERO_IV = new Uint8Array(16);
/** Largest msg-id we accept: rlp(msg-id) of at most 4 bytes of integer is far beyond any protocol's id space. */
const MAX_MSG_ID_BYTES = 4;

function newCtr(aesSecret: Uint8Array): Cipher {
  return createCipheriv('aes-256-ctr', aesSecret, ZERO_IV);
}

/** One direction's MAC: rlpx.md header-mac / frame-mac updates. */
class FrameMac {
  private readonly ecb: Cipher;
  /**
   * digest[:16] of the current state, kept until the next update: the frame-mac of one frame is also
   * the first digest the next header needs, which saves one keccak finalization in four.
   */
  private current: Uint8Array | undefined;

  constructor(
    macSecret: Uint8Array,
    private readonly hash: MacHash,
  ) {
    this.ecb = createCipheriv('aes-256-ecb', macSecret, null);
    this.ecb.setAutoPadding(false);
  }

  private digest16(): Uint8Array {
    return (this.current ??= this.hash.clone().digest().subarray(0, 16));
  }

  private update(data: Uint8Array): void {
    this.hash.update(data);
    this.current = undefined;
  }

  /** header-mac-seed = aes(mac-secret, digest[:16]) ^ header-ciphertext; update; digest[:16]. */
  header(headerCiphertext: Uint8Array): Uint8Array {
    const seed = this.ecb.update(this.digest16());
    for (let i = 0; i < 16; i++) seed[i]! ^= headerCiphertext[i]!;
    this.update(seed);
    return this.digest16();
  }

  /** update(frame-ciphertext); frame-mac-seed = aes(mac-secret, digest[:16]) ^ digest[:16]; update; digest[:16]. */
  body(frameCiphertext: Uint8Array): Uint8Array {
    this.update(frameCiphertext);
    const prev = this.digest16();
    const seed = this.ecb.update(prev);
    for (let i = 0; i < 16; i++) seed[i]! ^= prev[i]!;
    this.update(seed);
    return this.digest16();
  }
}

function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < FRAME_MAC_SIZE; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const padded = (n: number) => (n + 15) & ~15;

/** rlp(msg-id) without the generic encoder for the common small ids. */
function encodeMsgId(code: number): Uint8Array {
  if (!Number.isSafeInteger(code) || code < 0) throw new RangeError(`invalid msg-id ${code}`);
  if (code === 0) return Uint8Array.of(0x80);
  if (code < 0x80) return Uint8Array.of(code);
  return rlpEncode(code);
}

/** Egress: turns messages into authenticated, encrypted frames. */
export class FrameWriter {
  private readonly aes: Cipher;
  private readonly mac: FrameMac;

  constructor(secrets: FrameSecrets) {
    this.aes = newCtr(secrets.aesSecret);
    this.mac = new FrameMac(secrets.macSecret, secrets.egressMac);
  }

  /** One frame carrying rlp(code) || data. Throws RlpxTooLargeError beyond the 24-bit frame-size. */
  encode(code: number, data: Uint8Array): Uint8Array {
    const id = encodeMsgId(code);
    const size = id.length + data.length;
    if (size > MAX_FRAME_SIZE) throw new RlpxTooLargeError(`frame of ${size} bytes exceeds the 24-bit frame-size`);
    const header = new Uint8Array(FRAME_HEADER_SIZE);
    header[0] = size >>> 16;
    header[1] = (size >>> 8) & 0xff;
    header[2] = size & 0xff;
    header.set(FRAME_HEADER_DATA, 3);
    const bodyLength = padded(size);
    const out = new Uint8Array(FRAME_HEADER_SIZE + FRAME_MAC_SIZE + bodyLength + FRAME_MAC_SIZE);
    const headerCt = this.aes.update(header);
    out.set(headerCt, 0);
    out.set(this.mac.header(headerCt), FRAME_HEADER_SIZE);
    const body = new Uint8Array(bodyLength);
    body.set(id, 0);
    body.set(data, id.length);
    const bodyCt = this.aes.update(body);
    const bodyStart = FRAME_HEADER_SIZE + FRAME_MAC_SIZE;
    out.set(bodyCt, bodyStart);
    out.set(this.mac.body(bodyCt), bodyStart + bodyLength);
    return out;
  }
}

export interface FrameReaderOptions {
  /** Largest frame-size accepted (≤ MAX_FRAME_SIZE); default DEFAULT_MAX_FRAME_SIZE. */
  maxFrameSize?: number;
}

/**
 * Ingress: a streaming decoder. `push` any chunks (one read is not one frame); `read` returns the next
 * complete message or undefined. The header MAC is verified before the size is believed, the size is
 * checked against the cap before any body byte is awaited, and nothing is allocated by frame-size:
 * bodies are assembled only from bytes that actually arrived. After an error the reader stays failed.
 */
export class FrameReader {
  private readonly aes: Cipher;
  private readonly mac: FrameMac;
  private readonly maxFrameSize: number;
  private chunks: Uint8Array[] = [];
  private head = 0; // offset into chunks[0]
  private available = 0;
  /** frame-size of the frame whose header was read, or -1 while waiting for a header. */
  private pendingSize = -1;
  private failure: Error | undefined;

  constructor(secrets: FrameSecrets, options: FrameReaderOptions = {}) {
    this.aes = newCtr(secrets.aesSecret);
    this.mac = new FrameMac(secrets.macSecret, secrets.ingressMac);
    const cap = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (!Number.isInteger(cap) || cap < 1 || cap > MAX_FRAME_SIZE) throw new RangeError(`maxFrameSize must be 1..${MAX_FRAME_SIZE}`);
    this.maxFrameSize = cap;
  }

  /** Bytes received but not yet consumed by a complete frame. */
  get buffered(): number {
    return this.available;
  }

  /** True while part of a frame has been received (closing now would cut a frame). */
  get midFrame(): boolean {
    return this.available > 0 || this.pendingSize >= 0;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
  }

  read(): RlpxMessage | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.readFrame();
    } catch (err) {
      this.failure = err as Error;
      this.chunks = [];
      this.available = 0;
      throw err;
    }
  }

  private readFrame(): RlpxMessage | undefined {
    if (this.pendingSize < 0) {
      if (this.available < FRAME_HEADER_SIZE + FRAME_MAC_SIZE) return undefined;
      const headerAndMac = this.take(FRAME_HEADER_SIZE + FRAME_MAC_SIZE);
      const headerCt = headerAndMac.subarray(0, FRAME_HEADER_SIZE);
      if (!macEqual(this.mac.header(headerCt), headerAndMac.subarray(FRAME_HEADER_SIZE))) {
        throw new BadMacError('frame header MAC mismatch');
      }
      const header = this.aes.update(headerCt);
      const size = (header[0]! << 16) | (header[1]! << 8) | header[2]!;
      if (size > this.maxFrameSize) {
        throw new RlpxTooLargeError(`frame of ${size} bytes exceeds the ${this.maxFrameSize}-byte limit`);
      }
      if (size === 0) throw new ProtocolBreachError('empty frame (no msg-id)');
      // header-data (capability-id, context-id) is ignored on read (rlpx.md).
      this.pendingSize = size;
    }
    const size = this.pendingSize;
    const bodyLength = padded(size);
    if (this.available < bodyLength + FRAME_MAC_SIZE) return undefined;
    const frame = this.take(bodyLength + FRAME_MAC_SIZE);
    const bodyCt = frame.subarray(0, bodyLength);
    if (!macEqual(this.mac.body(bodyCt), frame.subarray(bodyLength))) throw new BadMacError('frame MAC mismatch');
    this.pendingSize = -1;
    const plain = this.aes.update(bodyCt);
    // A plain Uint8Array view (not a Buffer), so consumers compare and slice it like any other bytes.
    return decodeFrameData(new Uint8Array(plain.buffer, plain.byteOffset, size));
  }

  /** Remove exactly n buffered bytes (n ≤ available), copying only when they span chunks. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.available -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const m = Math.min(n - filled, c.length - this.head);
      out.set(c.subarray(this.head, this.head + m), filled);
      filled += m;
      this.head += m;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.available -= n;
    return out;
  }
}

/** frame-data = rlp(msg-id) || msg-data. The msg-id is an RLP unsigned integer. */
export function decodeFrameData(frameData: Uint8Array): RlpxMessage {
  const b = frameData[0];
  if (b === undefined) throw new ProtocolBreachError('empty frame (no msg-id)');
  if (b < 0x80) return { code: b, data: frameData.subarray(1) };
  if (b === 0x80) return { code: 0, data: frameData.subarray(1) };
  const n = b - 0x80;
  if (n > MAX_MSG_ID_BYTES) throw new ProtocolBreachError(`msg-id is not a small RLP integer (prefix 0x${b.toString(16)})`);
  if (frameData.length < 1 + n) throw new ProtocolBreachError('msg-id truncated');
  if (frameData[1] === 0) throw new ProtocolBreachError('msg-id has leading zeros');
  if (n === 1 && frameData[1]! < 0x80) throw new ProtocolBreachError('msg-id is not canonical RLP');
  let code = 0;
  for (let i = 1; i <= n; i++) code = code * 256 + frameData[i]!;
  return { code, data: frameData.subarray(1 + n) };
}
