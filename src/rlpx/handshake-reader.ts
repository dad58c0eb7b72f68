/**
 * Streaming side of the RLPx handshake: where does one auth or ack message end in a byte stream?
 * (rlpx.md, EIP-8; geth p2p/rlpx/rlpx.go readMsg reads the size prefix, then the body.)
 */
import { concatBytes } from '../util/bytes.js';
import { ECIES_OVERHEAD, EIP8_SIZE_PREFIX, LEGACY_ACK_SIZE, LEGACY_AUTH_SIZE, MAX_HANDSHAKE_BODY_SIZE } from './constants.js';
import { HandshakeError, RlpxTooLargeError } from './errors.js';
import { decodeAck, decodeAuth, type AckMessage, type AuthMessage } from './handshake.js';

/** A plain Uint8Array copy (chunks may be Buffers, whose slice() is a view). */
const copy = (b: Uint8Array, start: number, end: number) => new Uint8Array(b.subarray(start, end));

/**
 * Accumulates stream chunks until one complete auth or ack is present, without trusting the size
 * prefix beyond MAX_HANDSHAKE_BODY_SIZE. A chunk starting with 0x04 may be a legacy message: once the
 * legacy size is buffered we try it (as geth does) and fall back to the EIP-8 reading if it fails.
 * `push` returns the decoded message, its exact wire bytes, and the bytes that followed it (the start
 * of the first frame), or undefined while more bytes are needed.
 */
export class HandshakeMessageReader<T> {
  private buffer: Uint8Array = new Uint8Array(0);
  private legacyRejected = false;
  private done = false;

  constructor(
    private readonly legacySize: number,
    private readonly decode: (wire: Uint8Array) => T,
  ) {}

  static forAuth(staticPrivateKey: Uint8Array): HandshakeMessageReader<AuthMessage> {
    return new HandshakeMessageReader(LEGACY_AUTH_SIZE, (w) => decodeAuth(staticPrivateKey, w));
  }

  static forAck(staticPrivateKey: Uint8Array): HandshakeMessageReader<AckMessage> {
    return new HandshakeMessageReader(LEGACY_ACK_SIZE, (w) => decodeAck(staticPrivateKey, w));
  }

  /** Bytes buffered so far (for "closed mid-handshake" diagnostics). */
  get buffered(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): { message: T; wire: Uint8Array; rest: Uint8Array } | undefined {
    if (this.done) throw new HandshakeError('handshake message already complete');
    this.buffer = this.buffer.length === 0 ? chunk : concatBytes(this.buffer, chunk);
    const buf = this.buffer;
    if (buf.length < EIP8_SIZE_PREFIX) return undefined;
    if (buf[0] === 0x04 && !this.legacyRejected) {
      if (buf.length < this.legacySize) return undefined;
      const wire = copy(buf, 0, this.legacySize);
      try {
        const message = this.decode(wire);
        return this.finish(message, wire);
      } catch (err) {
        if (!(err instanceof HandshakeError)) throw err;
        this.legacyRejected = true; // maybe EIP-8 with a size prefix of 0x04xx
      }
    }
    const size = (buf[0]! << 8) | buf[1]!;
    if (size > MAX_HANDSHAKE_BODY_SIZE) {
      throw new RlpxTooLargeError(`handshake size prefix ${size} exceeds ${MAX_HANDSHAKE_BODY_SIZE}`);
    }
    if (size < ECIES_OVERHEAD) throw new HandshakeError(`handshake size prefix ${size} is below the ECIES overhead`);
    const total = EIP8_SIZE_PREFIX + size;
    if (buf.length < total) return undefined;
    const wire = copy(buf, 0, total);
    const message = this.decode(wire);
    return this.finish(message, wire);
  }

  private finish(message: T, wire: Uint8Array): { message: T; wire: Uint8Array; rest: Uint8Array } {
    this.done = true;
    const rest = copy(this.buffer, wire.length, this.buffer.length);
    this.buffer = new Uint8Array(0);
    return { message, wire, rest };
  }
}
