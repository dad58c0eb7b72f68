/**
 * EIP-8 RLPx handshake vectors (test/vectors/devp2p-test-vectors.json, "rlpx_handshake"): A initiates
 * to B. Every auth/ack decrypts and decodes in both formats, the auth2/ack2 secrets match, the
 * reference signature is over what we sign, and our own auth from the vector keys decodes back.
 */
import { describe, expect, it } from 'vitest';
import { backends, ecdhX, publicKeyFromPrivate, recoverPublicKey, setBackend, secp256k1 } from '../../src/crypto/index.js';
import { LEGACY_ACK_SIZE, LEGACY_AUTH_SIZE } from '../../src/rlpx/constants.js';
import { eciesDecrypt } from '../../src/rlpx/ecies.js';
import { HandshakeMessageReader } from '../../src/rlpx/handshake-reader.js';
import {
  createAuth,
  decodeAck,
  decodeAuth,
  deriveSecrets,
  respondToHandshake,
} from '../../src/rlpx/handshake.js';
import { bytesToHex, hexToBytes, xorBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const v = vectors.rlpx_handshake;
const m = v.messages;
const keyA = hexToBytes(v.static_key_A);
const keyB = hexToBytes(v.static_key_B);
const ephA = hexToBytes(v.ephemeral_key_A);
const ephB = hexToBytes(v.ephemeral_key_B);
const nonceA = hexToBytes(v.nonce_A);
const nonceB = hexToBytes(v.nonce_B);
const d = v.derived_derived_intermediates;

const auths = [
  { name: 'auth1', hex: m.auth1.hex, format: 'legacy', version: 4 },
  { name: 'auth2', hex: m.auth2.hex, format: 'eip8', version: 4 },
  { name: 'auth3', hex: m.auth3.hex, format: 'eip8', version: 56 },
] as const;
const acks = [
  { name: 'ack1', hex: m.ack1.hex, format: 'legacy', version: 4 },
  { name: 'ack2', hex: m.ack2.hex, format: 'eip8', version: 4 },
  { name: 'ack3', hex: m.ack3.hex, format: 'eip8', version: 57 },
] as const;

const backendNames = (['native', 'noble'] as const).filter((n) => backends[n]);

for (const backend of backendNames) {
  describe(`RLPx handshake vectors (${backend})`, () => {
    const restore = secp256k1().name;
    const withBackend = (fn: () => void) => () => {
      setBackend(backend);
      try {
        fn();
      } finally {
        setBackend(restore);
      }
    };

    for (const a of auths) {
      it(`${a.name} (${a.format}) decrypts and decodes with B's key`, withBackend(() => {
        const wire = hexToBytes(a.hex);
        const auth = decodeAuth(keyB, wire);
        expect(auth.format).toBe(a.format);
        expect(auth.version).toBe(a.version);
        expect(bytesToHex(auth.initiatorPublicKey)).toBe(d.static_pubkey_A);
        expect(bytesToHex(auth.initiatorNonce)).toBe(v.nonce_A);
        expect(bytesToHex(auth.initiatorEphemeralPublicKey)).toBe(d.ephemeral_pubkey_A);
      }));
    }

    for (const a of acks) {
      it(`${a.name} (${a.format}) decrypts and decodes with A's key`, withBackend(() => {
        const ack = decodeAck(keyA, hexToBytes(a.hex));
        expect(ack.format).toBe(a.format);
        expect(ack.version).toBe(a.version);
        expect(bytesToHex(ack.recipientEphemeralPublicKey)).toBe(d.ephemeral_pubkey_B);
        expect(bytesToHex(ack.recipientNonce)).toBe(v.nonce_B);
      }));
    }

    it('the ECIES plaintexts match the independently derived ones', withBackend(() => {
      const cases = [
        [m.auth1, keyB, false],
        [m.auth2, keyB, true],
        [m.auth3, keyB, true],
        [m.ack1, keyA, false],
        [m.ack2, keyA, true],
        [m.ack3, keyA, true],
      ] as const;
      for (const [msg, key, eip8] of cases) {
        const wire = hexToBytes(msg.hex);
        const plain = eip8 ? eciesDecrypt(key, wire.subarray(2), wire.subarray(0, 2)) : eciesDecrypt(key, wire);
        expect(bytesToHex(plain)).toBe(msg.derived_decrypted_plaintext.hex);
      }
    }));

    it('auth2/ack2 secrets match the EIP-8 values (recipient B) and mirror on the initiator', withBackend(() => {
      const authWire = hexToBytes(m.auth2.hex);
      const ackWire = hexToBytes(m.ack2.hex);
      const common = { initiatorNonce: nonceA, recipientNonce: nonceB, authWire, ackWire };
      const b = deriveSecrets({ ...common, initiator: false, ephemeralPrivateKey: ephB, remoteEphemeralPublicKey: hexToBytes(d.ephemeral_pubkey_A) });
      const e = v.expected_secrets_for_auth2_ack2_recipient_B;
      expect(bytesToHex(b.aesSecret)).toBe(e.aes_secret);
      expect(bytesToHex(b.macSecret)).toBe(e.mac_secret);
      expect(bytesToHex(b.egressMac.clone().digest())).toBe(d.recipient_B_egress_mac_initial_digest_for_ack2);
      b.ingressMac.update(new TextEncoder().encode('foo'));
      expect(bytesToHex(b.ingressMac.digest())).toBe(e.ingress_mac_after_update_foo);

      const a = deriveSecrets({ ...common, initiator: true, ephemeralPrivateKey: ephA, remoteEphemeralPublicKey: hexToBytes(d.ephemeral_pubkey_B) });
      expect(bytesToHex(a.aesSecret)).toBe(e.aes_secret);
      expect(bytesToHex(a.macSecret)).toBe(e.mac_secret);
      // A's egress MAC is B's ingress MAC and vice versa.
      a.egressMac.update(new TextEncoder().encode('foo'));
      expect(bytesToHex(a.egressMac.digest())).toBe(e.ingress_mac_after_update_foo);
      expect(bytesToHex(a.ingressMac.digest())).toBe(d.recipient_B_egress_mac_initial_digest_for_ack2);
    }));

    it('the reference auth signature is over static-shared-secret ^ nonce and recovers the ephemeral key', withBackend(() => {
      const staticShared = ecdhX(publicKeyFromPrivate(keyB), keyA);
      expect(bytesToHex(staticShared)).toBe(d.static_shared_secret_ecdh_x);
      expect(bytesToHex(xorBytes(staticShared, nonceA))).toBe(d.signed_message_static_shared_secret_xor_nonce_A);
      const sig = hexToBytes(v.geth_auth_signature.hex);
      const recovered = recoverPublicKey(xorBytes(staticShared, nonceA), sig.subarray(0, 64), sig[64]!);
      expect(bytesToHex(recovered)).toBe(d.ephemeral_pubkey_A);
    }));

    it('our auth from the vector keys (both formats) decodes back to A\'s keys and nonce', withBackend(() => {
      const pubB = publicKeyFromPrivate(keyB);
      for (const format of ['eip8', 'legacy'] as const) {
        const wire = createAuth({ staticPrivateKey: keyA, remotePublicKey: pubB, random: { ephemeralPrivateKey: ephA, nonce: nonceA }, format });
        if (format === 'legacy') expect(wire.length).toBe(LEGACY_AUTH_SIZE);
        else expect((wire[0]! << 8) | wire[1]!).toBe(wire.length - 2);
        const auth = decodeAuth(keyB, wire);
        expect(auth.format).toBe(format);
        expect(auth.version).toBe(4);
        expect(bytesToHex(auth.initiatorPublicKey)).toBe(d.static_pubkey_A);
        expect(bytesToHex(auth.initiatorNonce)).toBe(v.nonce_A);
        expect(bytesToHex(auth.initiatorEphemeralPublicKey)).toBe(d.ephemeral_pubkey_A);
      }
    }));
  });
}

describe('RLPx handshake vectors: streaming and replies', () => {
  it('the message reader finds every vector message fed one byte at a time, with trailing bytes kept', () => {
    const trailer = hexToBytes('deadbeef');
    for (const [list, reader] of [
      [auths, () => HandshakeMessageReader.forAuth(keyB)],
      [acks, () => HandshakeMessageReader.forAck(keyA)],
    ] as const) {
      for (const msg of list) {
        const r = reader();
        const wire = hexToBytes(msg.hex);
        const all = new Uint8Array([...wire, ...trailer]);
        let got: ReturnType<ReturnType<typeof reader>['push']> | undefined;
        let i = 0;
        for (; i < all.length && !got; i++) got = r.push(all.subarray(i, i + 1));
        expect(got, msg.name).toBeDefined();
        expect(i).toBe(wire.length);
        expect(got!.wire).toEqual(wire);
        expect(got!.message.format).toBe(msg.format);
      }
    }
  });

  it('a legacy auth is answered with a legacy ack, an EIP-8 auth with an EIP-8 ack', () => {
    const legacy = respondToHandshake({ staticPrivateKey: keyB, authWire: hexToBytes(m.auth1.hex), random: { ephemeralPrivateKey: ephB, nonce: nonceB } });
    expect(legacy.ack.length).toBe(LEGACY_ACK_SIZE);
    expect(decodeAck(keyA, legacy.ack).format).toBe('legacy');
    const eip8 = respondToHandshake({ staticPrivateKey: keyB, authWire: hexToBytes(m.auth3.hex), random: { ephemeralPrivateKey: ephB, nonce: nonceB } });
    const ack = decodeAck(keyA, eip8.ack);
    expect(ack.format).toBe('eip8');
    expect(ack.version).toBe(4);
    expect(bytesToHex(ack.recipientEphemeralPublicKey)).toBe(d.ephemeral_pubkey_B);
    expect(bytesToHex(eip8.result.remotePublicKey)).toBe(d.static_pubkey_A);
    expect(eip8.result.remoteVersion).toBe(56);
  });
});
