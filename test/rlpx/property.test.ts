/**
 * Property tests: handshakes between random keys, in both roles and both formats, on every crypto
 * backend, agree on secrets and carry frames; the streaming message reader finds the message however
 * the bytes are split. ECIES round trips for random plaintexts.
 */
import { describe, expect, it } from 'vitest';
import { backends, generatePrivateKey, publicKeyFromPrivate, randomBytes, secp256k1, setBackend } from '../../src/crypto/index.js';
import { ECIES_OVERHEAD } from '../../src/rlpx/constants.js';
import { eciesDecrypt, eciesEncrypt } from '../../src/rlpx/ecies.js';
import { FrameReader, FrameWriter } from '../../src/rlpx/frame.js';
import { HandshakeMessageReader } from '../../src/rlpx/handshake-reader.js';
import {
  initiateHandshake,
  randomHandshakeRandomness,
  respondToHandshake,
  type HandshakeFormat,
} from '../../src/rlpx/handshake.js';
import { bytesToHex } from '../../src/util/bytes.js';

function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const backendNames = (['native', 'noble'] as const).filter((n) => backends[n]);

for (const backend of backendNames) {
  describe(`handshake properties (${backend})`, () => {
    const runs = backend === 'native' ? 40 : 6; // noble is ~40× slower per ECDH

    it('random keys, both formats: both sides derive the same keys and mirrored MACs, and frames flow both ways', () => {
      const restore = secp256k1().name;
      setBackend(backend);
      try {
        for (let i = 0; i < runs; i++) {
          const format: HandshakeFormat = i % 3 === 2 ? 'legacy' : 'eip8';
          const keyA = generatePrivateKey();
          const keyB = generatePrivateKey();
          const init = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: publicKeyFromPrivate(keyB), format });
          const resp = respondToHandshake({ staticPrivateKey: keyB, authWire: init.auth });
          const a = init.finish(resp.ack);
          const b = resp.result;
          expect(b.remoteFormat).toBe(format);
          expect(a.remoteFormat).toBe(format); // the ack mirrors the auth's format
          expect(b.remotePublicKey).toEqual(publicKeyFromPrivate(keyA));
          expect(bytesToHex(a.secrets.aesSecret)).toBe(bytesToHex(b.secrets.aesSecret));
          expect(bytesToHex(a.secrets.macSecret)).toBe(bytesToHex(b.secrets.macSecret));
          expect(a.secrets.egressMac.clone().digest()).toEqual(b.secrets.ingressMac.clone().digest());
          expect(a.secrets.ingressMac.clone().digest()).toEqual(b.secrets.egressMac.clone().digest());
          // The derived state really frames: A → B and B → A.
          const ab = new FrameWriter(a.secrets).encode(i, randomBytes(i * 7));
          const ba = new FrameWriter(b.secrets).encode(i + 1, randomBytes(i * 3));
          const rb = new FrameReader(b.secrets);
          const ra = new FrameReader(a.secrets);
          rb.push(ab);
          ra.push(ba);
          expect(rb.read()?.code).toBe(i);
          expect(ra.read()?.code).toBe(i + 1);
        }
      } finally {
        setBackend(restore);
      }
    });
  });
}

describe('handshake message reader properties', () => {
  it('finds a random-key auth and ack under any split, keeping the bytes after it', () => {
    const rnd = prng(42);
    for (let i = 0; i < 60; i++) {
      const format: HandshakeFormat = i % 4 === 3 ? 'legacy' : 'eip8';
      const keyA = generatePrivateKey();
      const keyB = generatePrivateKey();
      const init = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: publicKeyFromPrivate(keyB), format });
      const resp = respondToHandshake({ staticPrivateKey: keyB, authWire: init.auth });
      const tail = randomBytes(rnd(40));
      for (const [wire, reader] of [
        [init.auth, HandshakeMessageReader.forAuth(keyB)],
        [resp.ack, HandshakeMessageReader.forAck(keyA)],
      ] as const) {
        const all = Buffer.concat([wire, tail]);
        let got: ReturnType<typeof reader.push>;
        let pos = 0;
        while (!got && pos < all.length) {
          const n = 1 + rnd(rnd(2) ? 8 : 400);
          got = reader.push(all.subarray(pos, pos + n));
          pos += n;
        }
        expect(got).toBeDefined();
        expect(got!.wire).toEqual(Uint8Array.from(wire));
        expect(got!.message.format).toBe(format);
        // Whatever followed the message in the final chunk is handed back, and nothing more.
        expect(Buffer.from(got!.rest)).toEqual(all.subarray(wire.length, Math.min(pos, all.length)));
      }
    }
  });

  it('EIP-8 messages carry 100–300 bytes of padding', () => {
    const keyB = generatePrivateKey();
    const sizes = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const auth = initiateHandshake({ staticPrivateKey: generatePrivateKey(), remotePublicKey: publicKeyFromPrivate(keyB) }).auth;
      // body rlp([sig65, pub64, nonce32, 4]): a 2-byte list header (167 < 256) + 67 + 66 + 33 + 1 = 169
      // bytes (counting 3 made a padding of exactly 100 read as 99: a 1-in-7 failure over 30 draws)
      const padding = auth.length - 2 - ECIES_OVERHEAD - 169;
      expect(padding).toBeGreaterThanOrEqual(100);
      expect(padding).toBeLessThanOrEqual(300);
      sizes.add(padding);
    }
    expect(sizes.size).toBeGreaterThan(1);
  });

  it('injected randomness makes the auth reproducible byte for byte', () => {
    const keyA = generatePrivateKey();
    const pubB = publicKeyFromPrivate(generatePrivateKey());
    const random = { ...randomHandshakeRandomness(), padding: randomBytes(123), ecies: { ephemeralPrivateKey: generatePrivateKey(), iv: randomBytes(16) } };
    const one = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: pubB, random }).auth;
    const two = initiateHandshake({ staticPrivateKey: keyA, remotePublicKey: pubB, random }).auth;
    expect(one).toEqual(two);
  });
});

describe('ECIES properties', () => {
  it('random plaintexts and shared-mac-data round trip; the wrong key or mac data fails typed', () => {
    const rnd = prng(3);
    const key = generatePrivateKey();
    const pub = publicKeyFromPrivate(key);
    for (let i = 0; i < 50; i++) {
      const plain = randomBytes(rnd(600));
      const mac = randomBytes(rnd(3));
      const c = eciesEncrypt(pub, plain, mac);
      expect(c.length).toBe(plain.length + ECIES_OVERHEAD);
      expect(eciesDecrypt(key, c, mac)).toEqual(plain);
      expect(() => eciesDecrypt(generatePrivateKey(), c, mac)).toThrow(expect.objectContaining({ kind: 'handshake_failed' }));
      expect(() => eciesDecrypt(key, c, Uint8Array.of(...mac, 0))).toThrow(expect.objectContaining({ kind: 'handshake_failed' }));
    }
  });
});
