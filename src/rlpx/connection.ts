/**
 * An RLPx connection over a ByteStream — the only RLPx code that touches a stream. `openRlpx` runs
 * the handshake as initiator (when the remote public key is given) or recipient, bounded by a timeout
 * on the injected Clock and an optional AbortSignal, and resolves to an established RlpxSession that
 * sends and receives framed messages. Every failure is a typed NodeFinderError.
 */
import { NodeFinderError, toNodeFinderError } from '../errors.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import type { ByteStream } from '../net/transport.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './constants.js';
import { AbortedError, ConnectionClosedError, HandshakeTimeoutError } from './errors.js';
import { FrameReader, FrameWriter, type RlpxMessage } from './frame.js';
import { HandshakeMessageReader } from './handshake-reader.js';
import {
  initiateHandshake,
  randomHandshakeRandomness,
  respondToHandshake,
  type HandshakeFormat,
  type HandshakeRandomness,
  type HandshakeResult,
  type SessionSecrets,
} from './handshake.js';

export type RlpxRole = 'initiator' | 'recipient';

export interface RlpxOpenOptions {
  stream: ByteStream;
  clock: Clock;
  /** Our static (node) private key. */
  privateKey: Uint8Array;
  /** The remote's 64-byte public key: given → we dial (initiator); absent → we accept (recipient). */
  remotePublicKey?: Uint8Array;
  /** Whole auth/ack exchange; default DEFAULT_HANDSHAKE_TIMEOUT_MS. */
  handshakeTimeoutMs?: number;
  /** Cap on received frames; default DEFAULT_MAX_FRAME_SIZE. */
  maxFrameSize?: number;
  /** Aborts the handshake (not an established session: use close()). */
  signal?: AbortSignal;
  /** Injected randomness for reproducible tests. */
  random?: HandshakeRandomness;
}

/**
 * Handshake timestamps (injected Clock, ms). For the initiator, ended − started is one network round
 * trip plus the recipient's processing: started = auth written (after our own crypto), ended = arrival
 * of the read that completed the ack (before we decrypt it). For the recipient: started = openRlpx
 * called, ended = ack written.
 */
export interface RlpxTiming {
  handshakeStartedAt: number;
  handshakeEndedAt: number;
}

/**
 * An established RLPx session. Messages that arrive before `onMessage` is set are queued, so a HELLO
 * coalesced with the ack is never lost. `onClose` fires exactly once: with no error after a local
 * `close()`/`destroy()` without error, otherwise with a typed error — `closed` when the remote ended the
 * stream (`midFrame` tells whether it cut a frame), `bad_mac`/`too_large`/`protocol_breach` on bad
 * frames, socket kinds on socket failures.
 */
export class RlpxSession {
  readonly timing: RlpxTiming;
  /** Format of the remote's handshake message ('legacy' = pre-EIP-8 peer). */
  readonly remoteHandshakeFormat: HandshakeFormat;
  readonly remoteHandshakeVersion: number;

  private readonly writer: FrameWriter;
  private readonly reader: FrameReader;
  private messageHandler: ((message: RlpxMessage, firstByteAt: number) => void) | undefined;
  private readonly queued: { message: RlpxMessage; firstByteAt: number }[] = [];
  private readonly clock: Clock | undefined;
  /** When the first byte of the frame being read arrived (undefined between frames). */
  private frameStartedAt: number | undefined;
  private readonly closeHandlers: ((error?: NodeFinderError) => void)[] = [];
  private closedWith: { error: NodeFinderError | undefined } | undefined;

  /** @internal built by openRlpx */
  constructor(
    private readonly stream: ByteStream,
    readonly role: RlpxRole,
    readonly remotePublicKey: Uint8Array,
    secrets: SessionSecrets,
    meta: { timing: RlpxTiming; format: HandshakeFormat; version: number; maxFrameSize?: number; clock?: Clock },
  ) {
    this.timing = meta.timing;
    this.clock = meta.clock;
    this.remoteHandshakeFormat = meta.format;
    this.remoteHandshakeVersion = meta.version;
    this.writer = new FrameWriter(secrets);
    this.reader = new FrameReader(secrets, { maxFrameSize: meta.maxFrameSize });
  }

  get remoteAddress(): string {
    return this.stream.remoteAddress;
  }

  get remotePort(): number {
    return this.stream.remotePort;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Send one message (msg-data already snappy-compressed by the caller if negotiated). */
  send(code: number, data: Uint8Array): void {
    if (this.closedWith) throw new ConnectionClosedError('send on a closed RLPx session', { cause: this.closedWith.error });
    this.stream.write(this.writer.encode(code, data));
  }

  /**
   * `firstByteAt` is when the message's first byte arrived: a peer that writes a frame's header and
   * body separately without TCP_NODELAY (@ethereumjs/devp2p) has its body held by Nagle until our
   * delayed ACK (~40 ms on Linux), which is no part of the network round trip.
   */
  onMessage(handler: (message: RlpxMessage, firstByteAt: number) => void): void {
    this.messageHandler = handler;
    while (this.queued.length > 0 && this.messageHandler === handler && !this.closedWith) {
      const q = this.queued.shift()!;
      this.dispatch(q.message, q.firstByteAt);
    }
  }

  onClose(handler: (error?: NodeFinderError) => void): void {
    if (this.closedWith) {
      const { error } = this.closedWith;
      queueMicrotask(() => handler(error));
    } else {
      this.closeHandlers.push(handler);
    }
  }

  /** Flush what was sent (e.g. a DISCONNECT), then close. */
  close(): void {
    if (this.closedWith) return;
    this.finish(undefined);
    this.stream.end();
  }

  /** Tear down at once; `error` is what onClose handlers receive. */
  destroy(error?: NodeFinderError): void {
    if (this.closedWith) {
      // After close(): still cut the stream (a remote that never finishes its side must not pin it).
      this.stream.destroy();
      return;
    }
    this.finish(error);
    this.stream.destroy(error);
  }

  /** @internal bytes from the stream after the handshake (including any leftover from the ack read). */
  receive(chunk: Uint8Array, at: number = this.clock?.now() ?? 0): void {
    if (this.closedWith) return;
    if (!this.reader.midFrame) this.frameStartedAt = at;
    this.reader.push(chunk);
    for (;;) {
      let message: RlpxMessage | undefined;
      try {
        message = this.reader.read();
      } catch (err) {
        this.destroy(toNodeFinderError(err));
        return;
      }
      if (!message) return;
      const firstByteAt = this.frameStartedAt ?? at;
      // Bytes left after a complete frame came in this chunk: the next frame started now.
      this.frameStartedAt = this.reader.midFrame ? at : undefined;
      if (this.messageHandler && this.queued.length === 0) this.dispatch(message, firstByteAt);
      else this.queued.push({ message, firstByteAt });
      if (this.closedWith) return;
    }
  }

  /** @internal the stream ended. */
  streamClosed(error: Error | undefined): void {
    if (this.closedWith) return;
    if (error) this.finish(toNodeFinderError(error));
    else if (this.reader.midFrame) this.finish(new ConnectionClosedError('remote closed the connection mid-frame'));
    else this.finish(new ConnectionClosedError('remote closed the connection'));
  }

  private dispatch(message: RlpxMessage, firstByteAt: number): void {
    try {
      this.messageHandler!(message, firstByteAt);
    } catch (err) {
      // A throwing handler is our bug: record it instead of letting it unwind the socket callback.
      this.destroy(toNodeFinderError(err));
    }
  }

  private finish(error: NodeFinderError | undefined): void {
    this.closedWith = { error };
    this.queued.length = 0;
    for (const h of this.closeHandlers.splice(0)) h(error);
  }
}

/**
 * Run the RLPx handshake on `stream` and resolve to the established session. On any failure (timeout,
 * abort, remote close, bad auth/ack) the stream is destroyed and the promise rejects with a typed error.
 */
export function openRlpx(options: RlpxOpenOptions): Promise<RlpxSession> {
  const { stream, clock, privateKey, remotePublicKey, signal } = options;
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const random = options.random ?? randomHandshakeRandomness();
  const role: RlpxRole = remotePublicKey ? 'initiator' : 'recipient';

  return new Promise<RlpxSession>((resolve, reject) => {
    let session: RlpxSession | undefined;
    let failed = false;
    let timer: TimerHandle | undefined;
    let startedAt = clock.now();
    let chunkArrivedAt = startedAt;

    const cleanup = () => {
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: NodeFinderError) => {
      if (session || failed) return;
      failed = true;
      cleanup();
      stream.destroy(err);
      reject(err);
    };
    const onAbort = () => fail(new AbortedError('RLPx handshake aborted', { cause: signal?.reason }));

    if (signal?.aborted) {
      fail(new AbortedError('RLPx handshake aborted', { cause: signal.reason }));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = clock.setTimer(timeoutMs, () => fail(new HandshakeTimeoutError(timeoutMs)));

    const established = (result: HandshakeResult, rest: Uint8Array, endedAt: number) => {
      cleanup();
      session = new RlpxSession(stream, role, result.remotePublicKey, result.secrets, {
        timing: { handshakeStartedAt: startedAt, handshakeEndedAt: endedAt },
        format: result.remoteFormat,
        version: result.remoteVersion,
        maxFrameSize: options.maxFrameSize,
        clock,
      });
      resolve(session);
      if (rest.length > 0) session.receive(rest, endedAt);
    };

    // The same initiateHandshake/respondToHandshake the handshake tests and benchmarks run; the reader
    // only finds where the remote's message ends (and hands over the message it decoded doing so).
    let onHandshakeData: (chunk: Uint8Array) => void;
    if (remotePublicKey) {
      let initiator: ReturnType<typeof initiateHandshake>;
      try {
        initiator = initiateHandshake({ staticPrivateKey: privateKey, remotePublicKey, random });
      } catch (err) {
        fail(toNodeFinderError(err));
        return;
      }
      const ackReader = HandshakeMessageReader.forAck(privateKey);
      onHandshakeData = (chunk) => {
        const got = ackReader.push(chunk);
        if (!got) return;
        // ended = arrival of the chunk that completed the ack, before our own decryption work.
        established(initiator.finish(got.wire, got.message), got.rest, chunkArrivedAt);
      };
      stream.write(initiator.auth);
      startedAt = clock.now();
    } else {
      const authReader = HandshakeMessageReader.forAuth(privateKey);
      onHandshakeData = (chunk) => {
        const got = authReader.push(chunk);
        if (!got) return;
        // EIP-8: a pre-EIP-8 auth is answered in the pre-EIP-8 format (respondToHandshake does).
        const { ack, result } = respondToHandshake({ staticPrivateKey: privateKey, authWire: got.wire, auth: got.message, random });
        stream.write(ack);
        established(result, got.rest, clock.now());
      };
    }

    stream.onData((chunk) => {
      if (session) {
        session.receive(chunk);
        return;
      }
      if (failed) return;
      chunkArrivedAt = clock.now();
      try {
        onHandshakeData(chunk);
      } catch (err) {
        fail(toNodeFinderError(err));
      }
    });
    stream.onClose((error) => {
      if (session) {
        session.streamClosed(error);
        return;
      }
      fail(
        error
          ? toNodeFinderError(error)
          : new ConnectionClosedError(`remote closed the connection during the RLPx handshake (${role})`),
      );
    });
  });
}
