/**
 * The official discv5 v5.1 wire test vectors (devp2p discv5-wire-test-vectors.md, copied into
 * test/vectors/discv5-vectors.json with their source): every packet decodes with node B's key and
 * re-encodes byte for byte from the same inputs; every cryptographic primitive matches.
 */
import { describe, expect, it } from 'vitest';
import { backends, compressPublicKey, decompressPublicKey, ecdhCompressed, publicKeyFromPrivate, setBackend, secp256k1 } from '../../src/crypto/index.js';
import { createEnr, decodeEnr, type Enr } from '../../src/enode/enr.js';
import { ManualClock } from '../../src/net/clock.js';
import { Discv5Codec, type Discv5Random } from '../../src/discv5/codec.js';
import { aesGcmDecrypt, aesGcmEncrypt, deriveKeys, signIdNonce, verifyIdSignature } from '../../src/discv5/crypto.js';
import { MessageType, Flag } from '../../src/discv5/constants.js';
import { decodePacket } from '../../src/discv5/packet.js';
import { IdSignatureError } from '../../src/discv5/errors.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/discv5-vectors.json' with { type: 'json' };

const h = (s: string) => hexToBytes(s);
const keyA = h(vectors.keys['node-a-key']);
const keyB = h(vectors.keys['node-b-key']);
const addrA = { address: '127.0.0.1', port: 30303 };
const addrB = { address: '127.0.0.1', port: 30304 };
const packet = (name: string) => vectors.packets.find((p) => p.name === name)!;
const input = (name: string, k: string) => (packet(name).inputs as Record<string, string>)[k]!;

/** Hands out the vector's fixed values in the order the codec asks for them. */
function fixedRandom(bytes: Uint8Array[], nonce?: Uint8Array, ephemeralKey?: Uint8Array): Discv5Random {
  const queue = [...bytes];
  return {
    bytes(n) {
      const next = queue.shift();
      if (!next || next.length !== n) throw new Error(`unexpected random request of ${n} bytes`);
      return next;
    },
    nonce: () => nonce!,
    ephemeralKey: () => ephemeralKey!,
  };
}

function codec(key: Uint8Array, enr: Enr, random?: Discv5Random): Discv5Codec {
  return new Discv5Codec({ privateKey: key, enr: () => enr }, new ManualClock(), random);
}

const enrA1 = createEnr({ privateKey: keyA, seq: 1n, ip: '127.0.0.1', udp: 30303 });
const enrB = createEnr({ privateKey: keyB, seq: 1n, ip: '127.0.0.1', udp: 30304 });
const zeroIv = new Uint8Array(16);

for (const backend of ['native', 'noble'] as const) {
  describe.skipIf(!backends[backend])(`discv5 official vectors (${backend} secp256k1)`, () => {
    const use = () => {
      const prev = secp256k1().name;
      setBackend(backend);
      return () => setBackend(prev);
    };

    it('node IDs of node-a-key and node-b-key', () => {
      expect('0x' + bytesToHex(enrA1.nodeId)).toBe(input('ping_message', 'src-node-id'));
      expect('0x' + bytesToHex(enrB.nodeId)).toBe(input('ping_message', 'dest-node-id'));
    });

    it('ping message packet (flag 0): decodes with the read-key, re-encodes byte for byte', () => {
      const restore = use();
      try {
        const b = codec(keyB, enrB);
        const readKey = h(input('ping_message', 'read-key'));
        b.sessions.set(enrA1.nodeId, addrA, { readKey, writeKey: readKey, nonceCounter: 0, enr: enrA1 });
        const r = b.decode(h(packet('ping_message').packet), addrA);
        expect(r).toMatchObject({ kind: 'message', handshake: false, message: { type: MessageType.Ping, enrSeq: 2n } });
        if (r.kind !== 'message') throw new Error('unreachable');
        expect(bytesToHex(r.message.requestId)).toBe('00000001');

        const a = codec(keyA, enrA1, fixedRandom([zeroIv], h(input('ping_message', 'nonce'))));
        a.sessions.set(enrB.nodeId, addrB, { readKey, writeKey: readKey, nonceCounter: 0, enr: enrB });
        const out = a.encodeMessage(enrB.nodeId, addrB, { type: MessageType.Ping, requestId: h('00000001'), enrSeq: 2n });
        expect(bytesToHex(out.packet)).toBe(packet('ping_message').packet);
      } finally {
        restore();
      }
    });

    it('WHOAREYOU packet (flag 1): fields and challenge-data; re-encodes byte for byte', () => {
      const restore = use();
      try {
        const b = codec(keyB, enrB);
        const r = b.decode(h(packet('whoareyou').packet), addrA);
        if (r.kind !== 'whoareyou') throw new Error(`got ${r.kind}`);
        expect('0x' + bytesToHex(r.challengeData)).toBe(input('whoareyou', 'whoareyou.challenge-data'));
        expect('0x' + bytesToHex(r.header.nonce)).toBe(input('whoareyou', 'whoareyou.request-nonce'));
        expect('0x' + bytesToHex(r.header.idNonce)).toBe(input('whoareyou', 'whoareyou.id-nonce'));
        expect(r.header.enrSeq).toBe(0n);

        const a = codec(keyA, enrA1, fixedRandom([zeroIv, h(input('whoareyou', 'whoareyou.id-nonce'))]));
        const out = a.encodeWhoareyou(enrB.nodeId, addrB, h(input('whoareyou', 'whoareyou.request-nonce')), undefined);
        expect(bytesToHex(out)).toBe(packet('whoareyou').packet);
        expect(a.sessions.challenge(enrB.nodeId, addrB)?.challengeData).toEqual(r.challengeData);
      } finally {
        restore();
      }
    });

    for (const name of ['ping_handshake', 'ping_handshake_enr'] as const) {
      it(`${name} (flag 2): B verifies, derives the read-key and decrypts; A re-encodes byte for byte`, () => {
        const restore = use();
        try {
          const challengeData = h(input(name, 'whoareyou.challenge-data'));
          const enrSeq = BigInt(input(name, 'whoareyou.enr-seq'));
          const raw = h(packet(name).packet);
          // The record inside the "with ENR" packet is A's, exactly as signed by the vector's author.
          const header = decodePacket(enrB.nodeId, raw).header;
          if (header.flag !== Flag.Handshake) throw new Error('not a handshake');
          expect(header.record !== undefined).toBe(name === 'ping_handshake_enr');
          const enrA = header.record ? decodeEnr(header.record) : enrA1;
          expect(enrA.nodeId).toEqual(enrA1.nodeId);
          expect('0x' + bytesToHex(header.ephemeralPubkey)).toBe(input(name, 'ephemeral-pubkey'));

          const b = codec(keyB, enrB);
          b.sessions.storeChallenge(enrA.nodeId, addrA, { challengeData, enr: enrSeq > 0n ? enrA1 : undefined, packet: new Uint8Array() });
          const r = b.decode(raw, addrA);
          expect(r).toMatchObject({ kind: 'message', handshake: true, message: { type: MessageType.Ping, enrSeq: 1n } });
          if (r.kind !== 'message') throw new Error('unreachable');
          expect(bytesToHex(r.message.requestId)).toBe('00000001');
          expect(r.enr?.nodeId).toEqual(enrA.nodeId);
          const session = b.sessions.get(enrA.nodeId, addrA)!;
          expect('0x' + bytesToHex(session.readKey)).toBe(input(name, 'read-key'));
          expect(b.sessions.challenge(enrA.nodeId, addrA)).toBeUndefined();

          const a = codec(keyA, enrA, fixedRandom([zeroIv], h(input(name, 'nonce')), h(input(name, 'ephemeral-key'))));
          const out = a.encodeHandshake(enrB, addrB, { type: MessageType.Ping, requestId: h('00000001'), enrSeq: 1n }, { challengeData, enrSeq });
          expect(bytesToHex(out.packet)).toBe(packet(name).packet);
          expect('0x' + bytesToHex(a.sessions.get(enrB.nodeId, addrB)!.writeKey)).toBe(input(name, 'read-key'));
        } finally {
          restore();
        }
      });
    }

    it('ECDH: the 33-byte compressed shared point', () => {
      const restore = use();
      try {
        const v = vectors.ecdh;
        const secret = ecdhCompressed(decompressPublicKey(h(v['public-key'])), h(v['secret-key']));
        expect('0x' + bytesToHex(secret)).toBe(v['shared-secret']);
      } finally {
        restore();
      }
    });

    it('key derivation: initiator-key and recipient-key', () => {
      const restore = use();
      try {
        const v = vectors.key_derivation;
        const keys = deriveKeys(h(v['ephemeral-key']), decompressPublicKey(h(v['dest-pubkey'])), h(v['node-id-a']), h(v['node-id-b']), h(v['challenge-data']));
        expect('0x' + bytesToHex(keys.initiatorKey)).toBe(v['initiator-key']);
        expect('0x' + bytesToHex(keys.recipientKey)).toBe(v['recipient-key']);
      } finally {
        restore();
      }
    });

    it('ID nonce signing: the signature, and its verification (and a one-bit change fails)', () => {
      const restore = use();
      try {
        const v = vectors.id_nonce_signing;
        const sig = signIdNonce(h(v['static-key']), h(v['challenge-data']), h(v['ephemeral-pubkey']), h(v['node-id-B']));
        expect('0x' + bytesToHex(sig)).toBe(v['id-signature']);
        const pub = publicKeyFromPrivate(h(v['static-key']));
        expect(compressPublicKey(pub).length).toBe(33);
        verifyIdSignature(pub, h(v['id-signature']), h(v['challenge-data']), h(v['ephemeral-pubkey']), h(v['node-id-B']));
        const other = h(v['node-id-B']);
        other[31]! ^= 1;
        expect(() => verifyIdSignature(pub, sig, h(v['challenge-data']), h(v['ephemeral-pubkey']), other)).toThrow(IdSignatureError);
      } finally {
        restore();
      }
    });
  });
}

describe('discv5 AES-GCM vector', () => {
  it('encrypts to ciphertext || tag and decrypts back', () => {
    const v = vectors.aes_gcm;
    const ct = aesGcmEncrypt(h(v['encryption-key']), h(v.nonce), h(v.pt), h(v.ad));
    expect('0x' + bytesToHex(ct)).toBe(v['message-ciphertext']);
    expect('0x' + bytesToHex(aesGcmDecrypt(h(v['encryption-key']), h(v.nonce), ct, h(v.ad)))).toBe(v.pt);
  });
});
