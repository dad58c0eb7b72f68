/**
 * Fuzz: random and mutated auth, ack and frame bytes — including garbage that passes the ECIES tag or
 * the frame MACs, so the decoders behind them are reached — produce only NodeFinderError subclasses.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeccak256, generatePrivateKey, publicKeyFromPrivate, randomBytes } from '../../src/crypto/index.js';
import { isNodeFinderError } from '../../src/errors.js';
import { ManualClock } from '../../src/net/clock.js';
import { createMemoryStreamPair, randomChunks } from '../../src/net/memory-stream.js';
import { openRlpx } from '../../src/rlpx/connection.js';
import { ECIES_OVERHEAD, LEGACY_AUTH_PLAINTEXT_SIZE } from '../../src/rlpx/constants.js';
import { eciesDecrypt, eciesEncrypt } from '../../src/rlpx/ecies.js';
import { FrameReader, decodeFrameData, type FrameSecrets, type MacHash } from '../../src/rlpx/frame.js';
import { HandshakeMessageReader } from '../../src/rlpx/handshake-reader.js';
import { decodeAck, decodeAuth, initiateHandshake, respondToHandshake } from '../../src/rlpx/handshake.js';
import { rlpEncode, type RlpInput } from '../../src/util/rlp.js';

function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return n <= 1 ? 0 : s % n;
  };
}
const rnd = prng(2024);

/** Run `fn`; return 'ok' or the error kind; fail the test on any error that is not ours. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!isNodeFinderError(err)) throw new Error(`untyped error escaped: ${String(err)}`, { cause: err });
    return err.kind;
  }
}

function mutate(bytes: Uint8Array): Uint8Array {
  const b = Uint8Array.from(bytes);
  switch (rnd(5)) {
    case 0: // flip a few bytes
      for (let i = 0, n = 1 + rnd(4); i < n; i++) b[rnd(b.length)]! ^= 1 + rnd(255);
      return b;
    case 1: // truncate
      return b.subarray(0, rnd(b.length));
    case 2: // extend
      return Uint8Array.from([...b, ...randomBytes(1 + rnd(50))]);
    case 3: // overwrite the prefix
      b[0] = rnd(256);
      b[1] = rnd(256);
      return b;
    default: // splice in random bytes
      b.set(randomBytes(Math.min(8, b.length)), rnd(Math.max(1, b.length - 8)));
      return b;
  }
}

function randomRlp(depth = 0): RlpInput {
  const k = rnd(depth > 2 ? 3 : 5);
  if (k === 0) return randomBytes(rnd(80));
  if (k === 1) return rnd(1_000_000);
  if (k === 2) return randomBytes([32, 64, 65][rnd(3)]!);
  return Array.from({ length: rnd(6) }, () => randomRlp(depth + 1));
}

const keyA = generatePrivateKey();
const keyB = generatePrivateKey();
const pubA = publicKeyFromPrivate(keyA);
const pubB = publicKeyFromPrivate(keyB);

/** Seal arbitrary plaintext as an EIP-8 message that passes ECIES, so the body decoder is reached. */
function sealEip8(to: Uint8Array, plain: Uint8Array): Uint8Array {
  const size = plain.length + ECIES_OVERHEAD;
  const prefix = Uint8Array.of(size >> 8, size & 0xff);
  return Uint8Array.from([...prefix, ...eciesEncrypt(to, plain, prefix)]);
}

describe('fuzz: auth and ack', () => {
  it('random bytes → only typed errors', () => {
    const kinds = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      let bytes = randomBytes(rnd(700));
      if (i % 4 === 0 && bytes.length > 2) bytes[0] = 0x04; // looks like legacy ECIES
      if (i % 4 === 1 && bytes.length > 2) (bytes[0] = (bytes.length - 2) >> 8), (bytes[1] = (bytes.length - 2) & 0xff); // consistent prefix
      if (i % 4 === 2) bytes = Uint8Array.from([0x04, ...randomBytes(306)]);
      for (const k of [outcome(() => decodeAuth(keyB, bytes)), outcome(() => decodeAck(keyA, bytes))]) kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    expect(kinds.get('ok')).toBeUndefined();
    expect(kinds.get('handshake_failed')).toBeGreaterThan(0);
  });

  it('mutated valid auth/ack (both formats) → typed errors or a decode', () => {
    let errors = 0;
    for (let i = 0; i < 150; i++) {
      const format = i % 2 ? 'legacy' : 'eip8';
      const init = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: pubB, format });
      const resp = respondToHandshake({ staticPrivateKey: keyB, authWire: init.auth });
      if (outcome(() => decodeAuth(keyB, mutate(init.auth))) !== 'ok') errors++;
      if (outcome(() => decodeAck(keyA, mutate(resp.ack))) !== 'ok') errors++;
    }
    expect(errors).toBeGreaterThan(250);
  });

  it('authenticated garbage bodies (random RLP, mutated real bodies, legacy junk) → only typed errors', () => {
    const kinds = new Set<string>();
    const real = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: pubB }).auth;
    const realBody = eciesDecrypt(keyB, real.subarray(2), real.subarray(0, 2));
    for (let i = 0; i < 300; i++) {
      const plain = i % 3 === 0 ? rlpEncode(randomRlp()) : i % 3 === 1 ? mutate(realBody) : randomBytes(rnd(400));
      kinds.add(outcome(() => decodeAuth(keyB, sealEip8(pubB, plain))));
      kinds.add(outcome(() => decodeAck(keyA, sealEip8(pubA, plain))));
      // Legacy: exact plaintext sizes, no prefix.
      kinds.add(outcome(() => decodeAuth(keyB, eciesEncrypt(pubB, randomBytes(LEGACY_AUTH_PLAINTEXT_SIZE)))));
    }
    expect(kinds.has('handshake_failed')).toBe(true);
  });

  it('the streaming reader fed random chunks → undefined or typed errors, never a huge buffer', () => {
    for (let i = 0; i < 300; i++) {
      const reader = i % 2 ? HandshakeMessageReader.forAuth(keyB) : HandshakeMessageReader.forAck(keyA);
      const outcomeKind = outcome(() => {
        for (let j = 0; j < 20; j++) if (reader.push(randomBytes(1 + rnd(300)))) return;
      });
      expect(reader.buffered).toBeLessThanOrEqual(2 + 2048 + 300);
      expect(['ok', 'handshake_failed', 'too_large']).toContain(outcomeKind);
    }
  });
});

/**
 * Writes frames whose header and body plaintext we choose freely (any size field, any msg-id bytes)
 * with correct MACs, mirroring rlpx.md — so the reader's checks after the MAC are exercised.
 */
class RawFrameWriter {
  private readonly aes;
  private readonly ecb;
  constructor(private readonly s: { aesSecret: Uint8Array; macSecret: Uint8Array; mac: MacHash }) {
    this.aes = createCipheriv('aes-256-ctr', s.aesSecret, new Uint8Array(16));
    this.ecb = createCipheriv('aes-256-ecb', s.macSecret, null).setAutoPadding(false);
  }
  private d16() {
    return this.s.mac.clone().digest().subarray(0, 16);
  }
  header(plain: Uint8Array): Uint8Array {
    const ct = this.aes.update(plain);
    const seed = this.ecb.update(this.d16());
    for (let i = 0; i < 16; i++) seed[i]! ^= ct[i]!;
    this.s.mac.update(seed);
    return Uint8Array.from([...ct, ...this.d16()]);
  }
  body(plain: Uint8Array): Uint8Array {
    const ct = this.aes.update(plain);
    this.s.mac.update(ct);
    const prev = this.d16();
    const seed = this.ecb.update(prev);
    for (let i = 0; i < 16; i++) seed[i]! ^= prev[i]!;
    this.s.mac.update(seed);
    return Uint8Array.from([...ct, ...this.d16()]);
  }
}

function framePair() {
  const aesSecret = randomBytes(32);
  const macSecret = randomBytes(32);
  const seed = randomBytes(40);
  const secrets: FrameSecrets = { aesSecret, macSecret, egressMac: createKeccak256(), ingressMac: createKeccak256().update(seed) };
  return { raw: new RawFrameWriter({ aesSecret, macSecret, mac: createKeccak256().update(seed) }), secrets };
}

describe('fuzz: frames', () => {
  it('random bytes → bad_mac', () => {
    for (let i = 0; i < 200; i++) {
      const r = new FrameReader(framePair().secrets);
      r.push(randomBytes(32 + rnd(200)));
      expect(outcome(() => r.read())).toBe('bad_mac');
    }
  });

  it('authenticated frames with arbitrary header and body plaintext → messages or typed errors', () => {
    const kinds = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const { raw, secrets } = framePair();
      const reader = new FrameReader(secrets, { maxFrameSize: 1 + rnd(4096) });
      const header = randomBytes(16);
      if (i % 2) header.set([0, 0, rnd(200)]); // mostly small sizes so bodies get read
      const size = (header[0]! << 16) | (header[1]! << 8) | header[2]!;
      const wire = [raw.header(header)];
      if (size <= 4096) {
        const body = randomBytes((size + 15) & ~15);
        if (rnd(2)) body[0] = 0x80 + rnd(0x80); // exercise the msg-id prefix paths
        wire.push(raw.body(body));
      }
      const k = outcome(() => {
        reader.push(Uint8Array.from(wire.flatMap((w) => [...w])));
        reader.read();
      });
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    for (const k of kinds.keys()) expect(['ok', 'too_large', 'protocol_breach']).toContain(k);
    expect(kinds.get('too_large')).toBeGreaterThan(0);
    expect(kinds.get('protocol_breach')).toBeGreaterThan(0);
    expect(kinds.get('ok')).toBeGreaterThan(0);
  });

  it('decodeFrameData on random bytes → a message or protocol_breach', () => {
    for (let i = 0; i < 2000; i++) {
      expect(['ok', 'protocol_breach']).toContain(outcome(() => decodeFrameData(randomBytes(rnd(12)))));
    }
  });
});

describe('fuzz: connection', () => {
  it('random and mutated bytes at a recipient → the handshake fails typed (or times out), never hangs', async () => {
    const clock = new ManualClock();
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const [peer, ours] = createMemoryStreamPair({ chunkSize: randomChunks(i, 100) });
      const p = openRlpx({ stream: ours, clock, privateKey: keyB, handshakeTimeoutMs: 1000 });
      const auth = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: pubB }).auth;
      peer.write(i % 2 ? mutate(auth) : randomBytes(rnd(600)));
      peer.onData(() => undefined);
      const settled = p.then(
        (s) => (s.destroy(), 'ok'),
        (err: unknown) => (isNodeFinderError(err) ? err.kind : `untyped:${String(err)}`),
      );
      for (let t = 0; t < 50; t++) await new Promise((r) => setImmediate(r));
      clock.advance(1000);
      const kind = await settled;
      expect(kind.startsWith('untyped')).toBe(false);
      seen.add(kind);
    }
    expect(seen.has('handshake_failed') || seen.has('too_large')).toBe(true);
  });
});
