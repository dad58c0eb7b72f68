import { describe, expect, it } from 'vitest';
import { backends, keccak256, publicKeyFromPrivate, generatePrivateKey, setBackend, secp256k1, signDigest } from '../../src/crypto/index.js';
import { isNodeFinderError } from '../../src/errors.js';
import { decodeEnr, decodeEnrText, encodeEnr, createEnr, ENR_MAX_SIZE } from '../../src/enode/enr.js';
import { bytesToHex, hexToBytes, uintToBytes } from '../../src/util/bytes.js';
import { rlpDecode, rlpEncode, type RlpInput } from '../../src/util/rlp.js';
import { Rng, mutate } from './random.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const v = vectors.enr;
const priv = hexToBytes(v.private_key);

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!isNodeFinderError(err)) throw err;
    return err.kind;
  }
  return 'none';
}

/** Sign arbitrary [seq, k, v, ...] content with the vector key — for records that break a rule other than the signature. */
function signRaw(content: RlpInput[], key = priv): Uint8Array {
  const { signature } = signDigest(keccak256(rlpEncode(content)), key);
  return rlpEncode([signature, ...content]);
}

describe('ENR (EIP-778)', () => {
  it('decodes and verifies the official example (text form)', () => {
    const enr = decodeEnrText(v.text);
    expect(enr.seq).toBe(1n);
    expect(enr.id).toBe('v4');
    expect(enr.ip).toBe('127.0.0.1');
    expect(enr.udp).toBe(30303);
    expect(enr.tcp).toBeUndefined();
    expect(bytesToHex(enr.nodeId)).toBe(v.node_id);
    expect(bytesToHex(enr.signature)).toBe(v.rlp_structure.signature);
    expect(bytesToHex(enr.publicKey)).toBe(bytesToHex(publicKeyFromPrivate(priv)));
    expect(bytesToHex(enr.raw)).toBe(v.derived_raw_rlp_hex);
    expect(enr.toText()).toBe(v.text);
    expect([...enr.entries.keys()]).toEqual(['id', 'ip', 'secp256k1', 'udp']);
    expect(enr.toNodeRecord()).toMatchObject({ ip: '127.0.0.1', udpPort: 30303, tcpPort: 30303 });
  });

  for (const b of Object.values(backends)) {
    it(`verifies the example with the ${b.name} backend`, () => {
      const prev = secp256k1().name;
      setBackend(b.name);
      try {
        expect(bytesToHex(decodeEnr(hexToBytes(v.derived_raw_rlp_hex)).nodeId)).toBe(v.node_id);
      } finally {
        setBackend(prev);
      }
    });
  }

  it('re-signing the example content reproduces the same fields', () => {
    const enr = encodeEnr(priv, 1n, { ip: hexToBytes('7f000001'), udp: 0x765f });
    // ECDSA here is deterministic (RFC 6979) on both backends, so even the signature matches.
    expect(bytesToHex(enr.raw)).toBe(v.derived_raw_rlp_hex);
    expect(decodeEnr(enr.raw).toText()).toBe(v.text);
  });

  it('property: createEnr → decode round trip with random fields', () => {
    const rng = new Rng(778);
    for (let i = 0; i < 60; i++) {
      const key = generatePrivateKey();
      const fields = {
        privateKey: key,
        seq: rng.bigint(8),
        ...(rng.bool() ? { ip: rng.ipv4() } : {}),
        ...(rng.bool() ? { ip6: rng.ipv6() } : {}),
        ...(rng.bool() ? { tcp: rng.int(65536) } : {}),
        ...(rng.bool() ? { udp: rng.int(65536) } : {}),
        ...(rng.bool() ? { udp6: rng.int(65536) } : {}),
        ...(rng.bool() ? { eth: { forkHash: rng.bytes(4), forkNext: rng.bigint(8) } } : {}),
        ...(rng.bool() ? { extra: { snap: [], zz: rng.bytes(rng.int(20)) } } : {}),
      };
      const made = createEnr(fields);
      const back = decodeEnr(made.raw);
      expect(back.seq).toBe(fields.seq);
      expect(back.nodeId).toEqual(keccak256(publicKeyFromPrivate(key)));
      expect(back.ip).toBe(fields.ip);
      expect(back.ip6).toBe(fields.ip6);
      expect(back.tcp).toBe(fields.tcp);
      expect(back.udp).toBe(fields.udp);
      expect(back.udp6).toBe(fields.udp6 ?? fields.udp);
      expect(back.eth).toEqual(fields.eth);
      expect(decodeEnrText(back.toText()).raw).toEqual(made.raw);
    }
  });

  it('rejects unsorted and duplicate keys', () => {
    const pub = hexToBytes(v.rlp_structure.secp256k1);
    const unsorted = signRaw([1, 'secp256k1', pub, 'id', 'v4']);
    expect(kindOf(() => decodeEnr(unsorted))).toBe('bad_enr');
    const dup = signRaw([1, 'id', 'v4', 'id', 'v4', 'secp256k1', pub]);
    expect(kindOf(() => decodeEnr(dup))).toBe('bad_enr');
    const sorted = signRaw([1, 'id', 'v4', 'secp256k1', pub]);
    expect(decodeEnr(sorted).seq).toBe(1n);
  });

  it('rejects a wrong identity scheme, a missing key, and an odd number of elements', () => {
    const pub = hexToBytes(v.rlp_structure.secp256k1);
    expect(kindOf(() => decodeEnr(signRaw([1, 'id', 'v5', 'secp256k1', pub])))).toBe('bad_enr');
    expect(kindOf(() => decodeEnr(signRaw([1, 'id', 'v4'])))).toBe('bad_enr');
    expect(kindOf(() => decodeEnr(signRaw([1, 'id', 'v4', 'secp256k1'])))).toBe('bad_enr');
    expect(kindOf(() => decodeEnr(signRaw([1, 'id', 'v4', 'secp256k1', pub.subarray(1)])))).toBe('bad_enr');
  });

  it('rejects a record signed by another key, a high-s signature, and a tampered value', () => {
    const pub = hexToBytes(v.rlp_structure.secp256k1);
    const other = generatePrivateKey();
    expect(kindOf(() => decodeEnr(signRaw([1, 'id', 'v4', 'secp256k1', pub], other)))).toBe('bad_signature');
    const good = rlpDecode(hexToBytes(v.derived_raw_rlp_hex)) as Uint8Array[];
    const sig = good[0]!;
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${bytesToHex(sig.subarray(32))}`);
    const highS = new Uint8Array(64);
    highS.set(sig.subarray(0, 32));
    highS.set(hexToBytes((n - s).toString(16).padStart(64, '0')), 32);
    expect(kindOf(() => decodeEnr(rlpEncode([highS, ...good.slice(1)])))).toBe('bad_signature');
    const tampered = [...good];
    tampered[9] = uintToBytes(30304); // the "udp" value
    expect(kindOf(() => decodeEnr(rlpEncode(tampered)))).toBe('bad_signature');
    expect(kindOf(() => decodeEnr(rlpEncode([sig.subarray(1), ...good.slice(1)])))).toBe('bad_signature');
  });

  it('enforces the 300-byte limit on decode and encode', () => {
    expect(kindOf(() => decodeEnr(new Uint8Array(ENR_MAX_SIZE + 1)))).toBe('too_large');
    expect(kindOf(() => encodeEnr(priv, 1n, { big: new Uint8Array(200) }))).toBe('too_large');
    expect(encodeEnr(priv, 1n, { big: new Uint8Array(150) }).raw.length).toBeLessThanOrEqual(ENR_MAX_SIZE);
    expect(kindOf(() => decodeEnrText(`enr:${'A'.repeat(500)}`))).toBe('too_large');
  });

  it('rejects bad text forms', () => {
    expect(kindOf(() => decodeEnrText(v.text.slice(4)))).toBe('bad_enr');
    expect(kindOf(() => decodeEnrText(`${v.text}=`))).toBe('bad_enr');
    expect(kindOf(() => decodeEnrText(`${v.text.slice(0, 40)}+${v.text.slice(41)}`))).toBe('bad_enr');
    expect(kindOf(() => decodeEnrText(v.text.slice(0, -3)))).not.toBe('none');
  });

  it('malformed optional entries do not invalidate the record; accessors return undefined', () => {
    const enr = encodeEnr(priv, 5n, { ip: new Uint8Array(3), tcp: new Uint8Array([0, 1]), eth: [new Uint8Array(4)], udp: 70000 });
    const back = decodeEnr(enr.raw);
    expect(back.ip).toBeUndefined();
    expect(back.tcp).toBeUndefined();
    expect(back.udp).toBeUndefined();
    expect(back.eth).toBeUndefined();
    expect(back.toNodeRecord()).toBeUndefined();
  });

  it('fuzz: random and mutated records only throw NodeFinderErrors', () => {
    const rng = new Rng(42);
    const base = hexToBytes(v.derived_raw_rlp_hex);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const input = i % 3 === 0 ? rng.bytes(rng.int(320)) : mutate(rng, base);
      try {
        decodeEnr(input);
        accepted++;
      } catch (err) {
        if (!isNodeFinderError(err)) throw err;
      }
    }
    // Mutations of a signed record essentially never verify; the original must.
    expect(accepted).toBeLessThan(30);
    expect(decodeEnr(base).seq).toBe(1n);
  });
});
