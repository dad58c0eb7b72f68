/**
 * RLPx connections over in-memory streams that split and coalesce reads at random, driven by a
 * ManualClock for timeouts, plus one real TCP connection on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate, randomBytes } from '../../src/crypto/index.js';
import { NodeFinderError } from '../../src/errors.js';
import { ManualClock, systemClock } from '../../src/net/clock.js';
import { createMemoryStreamPair, randomChunks } from '../../src/net/memory-stream.js';
import { NodeTcpDialer, listenTcp } from '../../src/net/node-tcp.js';
import { LOOPBACK_ONLY } from '../../src/net/netrestrict.js';
import type { ByteStream, TcpListener } from '../../src/net/transport.js';
import { openRlpx, type RlpxSession } from '../../src/rlpx/connection.js';
import { FrameWriter, type RlpxMessage } from '../../src/rlpx/frame.js';
import { HandshakeMessageReader } from '../../src/rlpx/handshake-reader.js';
import { createAuth, deriveSecrets, respondToHandshake } from '../../src/rlpx/handshake.js';
import { MAX_FRAME_SIZE } from '../../src/rlpx/constants.js';

const keyA = generatePrivateKey();
const keyB = generatePrivateKey();
const pubA = publicKeyFromPrivate(keyA);
const pubB = publicKeyFromPrivate(keyB);

/** Open both ends of an RLPx connection over a memory pair. */
async function connectPair(seed: number, maxChunk = 64, clock = new ManualClock()) {
  const [sa, sb] = createMemoryStreamPair({ chunkSize: randomChunks(seed, maxChunk) });
  const [a, b] = await Promise.all([
    openRlpx({ stream: sa, clock, privateKey: keyA, remotePublicKey: pubB }),
    openRlpx({ stream: sb, clock, privateKey: keyB }),
  ]);
  return { a, b, sa, sb, clock };
}

function collect(session: RlpxSession) {
  const messages: RlpxMessage[] = [];
  let closeError: NodeFinderError | undefined | 'open' = 'open';
  session.onMessage((m) => messages.push(m));
  const closed = new Promise<NodeFinderError | undefined>((resolve) =>
    session.onClose((err) => {
      closeError = err;
      resolve(err);
    }),
  );
  return { messages, closed, get closeError() { return closeError; } };
}

/** Resolve once `cond` holds, polling the event loop (memory streams deliver via setImmediate). */
async function until(cond: () => boolean, maxTurns = 100_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition never held');
}

/** Let the event loop run `n` times. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('RLPx connection over memory streams', () => {
  it('handshakes in both roles with random chunking and exchanges messages both ways', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { a, b, clock } = await connectPair(seed, seed * 13);
      expect(a.role).toBe('initiator');
      expect(b.role).toBe('recipient');
      expect(a.remotePublicKey).toEqual(pubB);
      expect(b.remotePublicKey).toEqual(pubA);
      expect(a.timing.handshakeEndedAt).toBeGreaterThanOrEqual(a.timing.handshakeStartedAt);
      expect(clock.pending).toBe(0); // the handshake timers were cleared
      const ra = collect(a);
      const rb = collect(b);
      const toB = Array.from({ length: 20 }, (_, i) => ({ code: i, data: randomBytes(i * 37) }));
      const toA = Array.from({ length: 20 }, (_, i) => ({ code: 0x10 + i, data: randomBytes(1000 - i * 13) }));
      for (const m of toB) a.send(m.code, m.data);
      for (const m of toA) b.send(m.code, m.data);
      await until(() => ra.messages.length === toA.length && rb.messages.length === toB.length);
      expect(rb.messages).toEqual(toB);
      expect(ra.messages).toEqual(toA);
      a.close();
      expect(await ra.closed).toBeUndefined(); // we closed: no error
      const remoteSide = await rb.closed;
      expect(remoteSide?.kind).toBe('closed'); // the peer went away
    }
  });

  it('keeps a message that arrives coalesced with the ack, before onMessage is set', async () => {
    // Responder sends its first frame right after the ack; every write arrives in one read.
    const clock = new ManualClock();
    const [sa, sb] = createMemoryStreamPair({ chunkSize: (n) => n });
    const pb = openRlpx({ stream: sb, clock, privateKey: keyB }).then((b) => {
      b.send(0x00, Uint8Array.of(1, 2, 3)); // HELLO, written synchronously after the ack
      return b;
    });
    const a = await openRlpx({ stream: sa, clock, privateKey: keyA, remotePublicKey: pubB });
    await pb;
    await turns(5); // let the coalesced ack + HELLO land before anyone listens
    const ra = collect(a);
    await until(() => ra.messages.length === 1);
    expect(ra.messages[0]).toEqual({ code: 0, data: Uint8Array.of(1, 2, 3) });
  });

  it('initiator timing spans auth written → ack arrived, on the injected clock', async () => {
    const clock = new ManualClock();
    const [sa, sb] = createMemoryStreamPair({ chunkSize: randomChunks(8, 90) });
    const authReader = HandshakeMessageReader.forAuth(keyB);
    const authWire = new Promise<Uint8Array>((resolve) =>
      sb.onData((chunk) => {
        const got = authReader.push(chunk);
        if (got) resolve(got.wire);
      }),
    );
    const p = openRlpx({ stream: sa, clock, privateKey: keyA, remotePublicKey: pubB });
    const wire = await authWire;
    clock.advance(37); // the "network" and the peer take 37 ms
    sb.write(respondToHandshake({ staticPrivateKey: keyB, authWire: wire }).ack);
    const a = await p;
    expect(a.timing.handshakeEndedAt - a.timing.handshakeStartedAt).toBe(37);
  });

  it('a peer that never answers → timeout after the handshake timeout (ManualClock)', async () => {
    const clock = new ManualClock();
    const [sa, sb] = createMemoryStreamPair();
    sb.onData(() => undefined); // the peer reads our auth and says nothing
    const p = openRlpx({ stream: sa, clock, privateKey: keyA, remotePublicKey: pubB, handshakeTimeoutMs: 5000 });
    let settled = false;
    p.catch(() => undefined).finally(() => (settled = true));
    clock.advance(4999);
    await turns(20);
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(p).rejects.toMatchObject({ kind: 'timeout' });
    expect(clock.pending).toBe(0);
  });

  it('recipient side: a silent initiator → timeout; a partial auth then EOF → closed', async () => {
    const clock = new ManualClock();
    const [s1, s2] = createMemoryStreamPair();
    const p = openRlpx({ stream: s2, clock, privateKey: keyB, handshakeTimeoutMs: 1000 });
    clock.advance(1000);
    await expect(p).rejects.toMatchObject({ kind: 'timeout' });
    s1.destroy();

    const [t1, t2] = createMemoryStreamPair({ chunkSize: randomChunks(9, 10) });
    const q = openRlpx({ stream: t2, clock, privateKey: keyB });
    const auth = createAuth({ staticPrivateKey: keyA, remotePublicKey: pubB, random: { ephemeralPrivateKey: generatePrivateKey(), nonce: randomBytes(32) } });
    t1.write(auth.subarray(0, 100));
    t1.end();
    await expect(q).rejects.toMatchObject({ kind: 'closed' });
    expect(clock.pending).toBe(0);
  });

  it('garbage instead of an ack → handshake_failed; an absurd size prefix → too_large', async () => {
    const clock = new ManualClock();
    const [sa, sb] = createMemoryStreamPair({ chunkSize: randomChunks(3, 50) });
    sb.onData(() => undefined);
    const p = openRlpx({ stream: sa, clock, privateKey: keyA, remotePublicKey: pubB });
    sb.write(Uint8Array.of(0x01, 0x80, ...randomBytes(0x180)));
    await expect(p).rejects.toMatchObject({ kind: 'handshake_failed' });

    const [ta, tb] = createMemoryStreamPair();
    const q = openRlpx({ stream: tb, clock, privateKey: keyB });
    ta.write(Uint8Array.of(0xff, 0xff));
    await expect(q).rejects.toMatchObject({ kind: 'too_large' });
  });

  it('an auth meant for another key → handshake_failed', async () => {
    const clock = new ManualClock();
    const [sa, sb] = createMemoryStreamPair();
    const q = openRlpx({ stream: sb, clock, privateKey: keyB });
    // Dial B's stream while believing it is A.
    const p = openRlpx({ stream: sa, clock, privateKey: keyB, remotePublicKey: pubA });
    await expect(q).rejects.toMatchObject({ kind: 'handshake_failed' });
    await expect(p).rejects.toMatchObject({ kind: expect.stringMatching(/^(closed|handshake_failed)$/) });
  });

  it('AbortSignal aborts the handshake, before or during', async () => {
    const clock = new ManualClock();
    const [sa] = createMemoryStreamPair();
    const ac = new AbortController();
    ac.abort();
    await expect(openRlpx({ stream: sa, clock, privateKey: keyA, remotePublicKey: pubB, signal: ac.signal })).rejects.toMatchObject({ kind: 'aborted' });
    const [sc] = createMemoryStreamPair();
    const ac2 = new AbortController();
    const p = openRlpx({ stream: sc, clock, privateKey: keyA, remotePublicKey: pubB, signal: ac2.signal });
    ac2.abort();
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    expect(clock.pending).toBe(0);
  });

  it('peer closing mid-frame → closed (mid-frame); a clean close between frames → closed', async () => {
    const { a, b, sb } = await connectPair(11);
    const ra = collect(a);
    const frame = new FrameWriterTap(b).frame(0x10, randomBytes(500));
    sb.write(frame.subarray(0, 200)); // half a frame, then the TCP connection dies
    sb.destroy();
    const err = await ra.closed;
    expect(err?.kind).toBe('closed');
    expect(err?.message).toMatch(/mid-frame/);
    expect(ra.messages).toHaveLength(0);
    expect(() => a.send(1, new Uint8Array())).toThrow(expect.objectContaining({ kind: 'closed' }));
  });

  it('a 16 MiB frame announcement → too_large without waiting for (or allocating) the body', async () => {
    const { a, b, sb } = await connectPair(12);
    const ra = collect(a);
    const frame = new FrameWriterTap(b).frame(0x10, new Uint8Array(MAX_FRAME_SIZE - 1));
    sb.write(frame.subarray(0, 32)); // only the header and its MAC
    const err = await ra.closed;
    expect(err?.kind).toBe('too_large');
  });

  it('a corrupted frame → bad_mac and the stream is torn down', async () => {
    const { a, b, sb } = await connectPair(13);
    const ra = collect(a);
    const rb = collect(b);
    const frame = new FrameWriterTap(b).frame(0x10, randomBytes(64));
    frame[40]! ^= 0xff;
    sb.write(frame);
    expect((await ra.closed)?.kind).toBe('bad_mac');
    expect((await rb.closed)?.kind).toBe('closed');
  });

  it('a pre-EIP-8 initiator gets a pre-EIP-8 ack and a working session', async () => {
    const clock = new ManualClock();
    const [sa, sb] = createMemoryStreamPair({ chunkSize: randomChunks(21, 30) });
    const q = openRlpx({ stream: sb, clock, privateKey: keyB });
    const random = { ephemeralPrivateKey: generatePrivateKey(), nonce: randomBytes(32) };
    const auth = createAuth({ staticPrivateKey: keyA, remotePublicKey: pubB, random, format: 'legacy' });
    const ackReader = HandshakeMessageReader.forAck(keyA);
    const acked = new Promise<{ wire: Uint8Array; eph: Uint8Array; nonce: Uint8Array; rest: Uint8Array }>((resolve) =>
      sa.onData((chunk) => {
        const got = ackReader.push(chunk);
        if (got) resolve({ wire: got.wire, eph: got.message.recipientEphemeralPublicKey, nonce: got.message.recipientNonce, rest: got.rest });
      }),
    );
    sa.write(auth);
    const b = await q;
    expect(b.remoteHandshakeFormat).toBe('legacy');
    const ack = await acked;
    expect(ack.wire.length).toBe(210);
    const secrets = deriveSecrets({
      initiator: true,
      ephemeralPrivateKey: random.ephemeralPrivateKey,
      remoteEphemeralPublicKey: ack.eph,
      initiatorNonce: random.nonce,
      recipientNonce: ack.nonce,
      authWire: auth,
      ackWire: ack.wire,
    });
    const rb = collect(b);
    sa.write(new FrameWriter(secrets).encode(0x00, Uint8Array.of(0xc0)));
    await until(() => rb.messages.length === 1);
    expect(rb.messages[0]).toEqual({ code: 0, data: Uint8Array.of(0xc0) });
  });

  it('a throwing message handler closes the session with an internal error instead of escaping', async () => {
    const { a, b } = await connectPair(14);
    const closed = new Promise<NodeFinderError | undefined>((r) => b.onClose(r));
    b.onMessage(() => {
      throw new Error('handler bug');
    });
    a.send(1, new Uint8Array(3));
    expect((await closed)?.kind).toBe('internal');
  });
});

/**
 * Writes extra frames on a session's own egress state: tests need to put raw (partial, huge,
 * corrupted) frames on the wire, which the public API rightly does not allow.
 */
class FrameWriterTap {
  constructor(private readonly session: RlpxSession) {}
  frame(code: number, data: Uint8Array): Uint8Array {
    return (this.session as unknown as { writer: FrameWriter }).writer.encode(code, data);
  }
}

describe('RLPx over real TCP on 127.0.0.1', () => {
  let listener: TcpListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  it('dials, handshakes, exchanges a message each way, and closes', async () => {
    listener = await listenTcp({ host: '127.0.0.1', port: 0, netrestrict: LOOPBACK_ONLY });
    const accepted = new Promise<RlpxSession>((resolve, reject) =>
      listener!.onConnection((stream: ByteStream) => {
        openRlpx({ stream, clock: systemClock, privateKey: keyB }).then(resolve, reject);
      }),
    );
    const dialer = new NodeTcpDialer({ netrestrict: LOOPBACK_ONLY });
    const stream = await dialer.connect('127.0.0.1', listener.port, { timeoutMs: 5000 });
    const a = await openRlpx({ stream, clock: systemClock, privateKey: keyA, remotePublicKey: pubB });
    const b = await accepted;
    expect(b.remotePublicKey).toEqual(pubA);
    expect(b.remoteAddress).toBe('127.0.0.1');
    const ra = collect(a);
    const rb = collect(b);
    const big = randomBytes(200_000);
    a.send(0x10, big);
    b.send(0x11, Uint8Array.of(9));
    await until(() => ra.messages.length === 1 && rb.messages.length === 1);
    expect(rb.messages[0]!.code).toBe(0x10);
    expect(Buffer.compare(rb.messages[0]!.data, big)).toBe(0);
    expect(ra.messages[0]).toEqual({ code: 0x11, data: Uint8Array.of(9) });
    b.close();
    expect((await ra.closed)?.kind).toBe('closed');
    expect(await rb.closed).toBeUndefined();
  });
});
