import { describe, expect, it } from 'vitest';
import { backends, generatePrivateKey, keccak256, publicKeyFromPrivate, secp256k1, setBackend } from '../../src/crypto/index.js';
import { createEnr } from '../../src/enode/enr.js';
import { isNodeFinderError } from '../../src/errors.js';
import { MAX_NEIGHBORS_PER_PACKET, MAX_PACKET_SIZE, MAX_RECEIVE_SIZE, PacketType, type PacketTypeId } from '../../src/discv4/constants.js';
import { decodePacket, encodeNeighbors, encodePacket, type DecodedPacket, type PacketDataMap } from '../../src/discv4/packet.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/util/bytes.js';
import { rlpEncode } from '../../src/util/rlp.js';
import { Rng, mutate } from '../enode/random.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const V = vectors.discv4;
const key = hexToBytes(V.signing_private_key);
const byName = Object.fromEntries([...V.eip8_packets, ...V.geth_additional_packets].map((p) => [p.name, p]));
const vec = (name: string) => hexToBytes(byName[name]!.hex);

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!isNodeFinderError(err)) throw err;
    return err.kind;
  }
  return 'none';
}

function expectSigner(p: DecodedPacket, hex: string) {
  expect(bytesToHex(p.publicKey)).toBe(V.signer_public_key_64);
  expect(bytesToHex(p.nodeId)).toBe(V.signer_node_id_keccak256);
  expect(bytesToHex(p.hash)).toBe(hex.slice(0, 64));
}

describe('discv4 packet codec: official vectors (EIP-8 + geth)', () => {
  it('has all six vectors', () => {
    expect(Object.keys(byName).sort()).toEqual([
      'findnode_extra_elements_trailing_data',
      'neighbours_extra_elements_trailing_data',
      'ping_v4_extra_elements',
      'ping_v4_no_extra',
      'ping_v555_extra_elements_trailing_data',
      'pong_extra_elements_trailing_data',
    ]);
  });

  it('ping v4 without extras', () => {
    const p = decodePacket(vec('ping_v4_no_extra'));
    expectSigner(p, byName.ping_v4_no_extra!.hex);
    expect(p.type).toBe(PacketType.Ping);
    expect(p.data).toEqual({
      version: 4,
      from: { ip: '127.0.0.1', udpPort: 3322, tcpPort: 5544 },
      to: { ip: '::1', udpPort: 2222, tcpPort: 3333 },
      expiration: 1136239445,
    });
    expect((p.data as PacketDataMap[1]).enrSeq).toBeUndefined();
  });

  it('ping v4 with extra elements: the 5th is the EIP-868 enr-seq (= 1), the 6th ignored', () => {
    const p = decodePacket(vec('ping_v4_extra_elements'));
    expectSigner(p, byName.ping_v4_extra_elements!.hex);
    expect(p.data).toEqual({
      version: 4,
      from: { ip: '127.0.0.1', udpPort: 3322, tcpPort: 5544 },
      to: { ip: '::1', udpPort: 2222, tcpPort: 3333 },
      expiration: 1136239445,
      enrSeq: 1n,
    });
  });

  it('ping v555 with a list where enr-seq would be, and trailing data: accepted, no enr-seq', () => {
    const p = decodePacket(vec('ping_v555_extra_elements_trailing_data'));
    expectSigner(p, byName.ping_v555_extra_elements_trailing_data!.hex);
    expect(p.type).toBe(PacketType.Ping);
    expect(p.data).toEqual({
      version: 555,
      from: { ip: '2001:db8:3c4d:15::abcd:ef12', udpPort: 3322, tcpPort: 5544 },
      to: { ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348', udpPort: 2222, tcpPort: 33338 },
      expiration: 1136239445,
    });
    expect((p.data as PacketDataMap[1]).enrSeq).toBeUndefined();
  });

  it('pong with a list where enr-seq would be, and trailing data', () => {
    const p = decodePacket(vec('pong_extra_elements_trailing_data'));
    expectSigner(p, byName.pong_extra_elements_trailing_data!.hex);
    expect(p.type).toBe(PacketType.Pong);
    expect(p.data).toEqual({
      to: { ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348', udpPort: 2222, tcpPort: 33338 },
      pingHash: hexToBytes('fbc914b16819237dcd8801d7e53f69e9719adecb3cc0e790c57e91ca4461c954'),
      expiration: 1136239445,
    });
  });

  it('findnode with extra elements and trailing data', () => {
    const p = decodePacket(vec('findnode_extra_elements_trailing_data'));
    expectSigner(p, byName.findnode_extra_elements_trailing_data!.hex);
    expect(p.type).toBe(PacketType.FindNode);
    const d = p.data as PacketDataMap[3];
    expect(bytesToHex(d.target)).toBe((byName.findnode_extra_elements_trailing_data!.expected_decoded_geth_current as { target: string }).target);
    expect(d.expiration).toBe(1136239445);
  });

  it('neighbours with four nodes (IPv4 and IPv6), extra elements and trailing data', () => {
    const v = byName.neighbours_extra_elements_trailing_data!;
    const p = decodePacket(vec('neighbours_extra_elements_trailing_data'));
    expectSigner(p, v.hex);
    expect(p.type).toBe(PacketType.Neighbors);
    const d = p.data as PacketDataMap[4];
    expect(d.expiration).toBe(1136239445);
    const want = (v.expected_decoded_geth_current as unknown as { nodes: { ip: string; udp: number; tcp: number; id: string }[] }).nodes;
    expect(d.nodes.map((n) => ({ ip: n.ip, udp: n.udpPort, tcp: n.tcpPort, id: bytesToHex(n.publicKey) }))).toEqual(want);
    for (const n of d.nodes) expect(n.id).toEqual(keccak256(n.publicKey));
  });

  for (const b of Object.values(backends)) {
    it(`every vector decodes identically with the ${b.name} backend`, () => {
      const prev = secp256k1().name;
      setBackend(b.name);
      try {
        for (const name of Object.keys(byName)) expect(bytesToHex(decodePacket(vec(name)).publicKey)).toBe(V.signer_public_key_64);
      } finally {
        setBackend(prev);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------

function randomEndpoint(rng: Rng) {
  return { ip: rng.pick([rng.ipv4(), rng.ipv6(), '']), udpPort: rng.int(65536), tcpPort: rng.int(65536) };
}

function randomNode(rng: Rng, pub: Uint8Array) {
  return { id: keccak256(pub), publicKey: pub, ip: rng.bool() ? rng.ipv4() : rng.ipv6(), udpPort: rng.int(65536), tcpPort: rng.int(65536) };
}

describe('discv4 packet codec: properties', () => {
  const rng = new Rng(4);
  const priv = generatePrivateKey();
  const pub = publicKeyFromPrivate(priv);
  const pubs = Array.from({ length: 8 }, () => publicKeyFromPrivate(generatePrivateKey()));
  const exp = () => rng.pick([0, 1136239445, 1_700_000_000 + rng.int(1e6), Number.MAX_SAFE_INTEGER]);
  const seq = () => (rng.bool() ? undefined : rng.bigint(8));

  const generators: { [T in PacketTypeId]: () => PacketDataMap[T] } = {
    1: () => ({ version: rng.int(1000), from: randomEndpoint(rng), to: randomEndpoint(rng), expiration: exp(), enrSeq: seq() }),
    2: () => ({ to: randomEndpoint(rng), pingHash: rng.bytes(32), expiration: exp(), enrSeq: seq() }),
    3: () => ({ target: rng.bytes(64), expiration: exp() }),
    4: () => ({ nodes: Array.from({ length: rng.int(MAX_NEIGHBORS_PER_PACKET + 1) }, () => randomNode(rng, rng.pick(pubs))), expiration: exp() }),
    5: () => ({ expiration: exp() }),
    6: () => ({ requestHash: rng.bytes(32), record: createEnr({ privateKey: priv, seq: rng.bigint(8), ip: rng.ipv4(), udp: rng.int(65536) }) }),
  };

  for (const type of [1, 2, 3, 4, 5, 6] as const) {
    it(`encode → decode round trip: type ${type}`, () => {
      for (let i = 0; i < 25; i++) {
        const data = generators[type]();
        const { bytes, hash } = encodePacket(type, data as never, priv);
        expect(bytes.length).toBeLessThanOrEqual(MAX_PACKET_SIZE);
        const p = decodePacket(bytes);
        expect(p.type).toBe(type);
        expect(p.hash).toEqual(hash);
        expect(p.publicKey).toEqual(pub);
        expect(p.nodeId).toEqual(keccak256(pub));
        if (type === 6) {
          const d = data as PacketDataMap[6];
          const got = p.data as PacketDataMap[6];
          expect(got.requestHash).toEqual(d.requestHash);
          expect(got.record.raw).toEqual(d.record.raw);
          expect(got.record.nodeId).toEqual(keccak256(pub));
        } else {
          expect(p.data).toEqual(data);
        }
      }
    });
  }

  it('a full NEIGHBORS of 12 IPv6 entries fits in 1280 bytes; 13 do not', () => {
    const nodes = Array.from({ length: 13 }, (_, i) => ({ ...randomNode(rng, pubs[i % pubs.length]!), ip: '2001:db8:1:2:3:4:5:6' }));
    const full = encodePacket(4, { nodes: nodes.slice(0, 12), expiration: 4_000_000_000 }, priv);
    expect(full.bytes.length).toBeLessThanOrEqual(MAX_PACKET_SIZE);
    expect(kindOf(() => encodePacket(4, { nodes, expiration: 4_000_000_000 }, priv))).toBe('too_large');
  });

  it('encodeNeighbors splits 16 nodes into 12 + 4, and sends one empty packet for none', () => {
    const nodes = Array.from({ length: 16 }, (_, i) => randomNode(rng, pubs[i % pubs.length]!));
    const packets = encodeNeighbors(nodes, 1, priv);
    expect(packets.map((p) => (decodePacket(p.bytes).data as PacketDataMap[4]).nodes.length)).toEqual([12, 4]);
    expect(packets.flatMap((p) => (decodePacket(p.bytes).data as PacketDataMap[4]).nodes)).toEqual(nodes);
    expect(encodeNeighbors([], 1, priv).map((p) => (decodePacket(p.bytes).data as PacketDataMap[4]).nodes)).toEqual([[]]);
  });

  it('rejects invalid fields on encode with bad_packet', () => {
    const e = { ip: '1.2.3.4', udpPort: 1, tcpPort: 1 };
    expect(kindOf(() => encodePacket(1, { version: 4, from: { ...e, ip: 'example.org' }, to: e, expiration: 1 }, priv))).toBe('bad_packet');
    expect(kindOf(() => encodePacket(1, { version: 4, from: { ...e, udpPort: 65536 }, to: e, expiration: 1 }, priv))).toBe('bad_packet');
    expect(kindOf(() => encodePacket(1, { version: 4, from: e, to: e, expiration: -1 }, priv))).toBe('bad_packet');
    expect(kindOf(() => encodePacket(2, { to: e, pingHash: new Uint8Array(31), expiration: 1 }, priv))).toBe('bad_packet');
    expect(kindOf(() => encodePacket(3, { target: new Uint8Array(65), expiration: 1 }, priv))).toBe('bad_packet');
  });
});

// ---------------------------------------------------------------------------------------------

/** Sign arbitrary type||data so the hash and signature are valid and only the content is wrong. */
function frame(type: number, data: Uint8Array): Uint8Array {
  const typeAndData = concatBytes(Uint8Array.of(type), data);
  const { signature, recovery } = secp256k1().sign(keccak256(typeAndData), key);
  const body = concatBytes(signature, Uint8Array.of(recovery), typeAndData);
  return concatBytes(keccak256(body), body);
}

describe('discv4 packet codec: hostile input', () => {
  it('classifies the basic failures', () => {
    const ping = vec('ping_v4_no_extra');
    expect(kindOf(() => decodePacket(ping.subarray(0, 97)))).toBe('too_small');
    expect(kindOf(() => decodePacket(new Uint8Array(MAX_RECEIVE_SIZE + 1)))).toBe('too_large');
    const flipped = Uint8Array.from(ping);
    flipped[120]! ^= 1;
    expect(kindOf(() => decodePacket(flipped))).toBe('bad_hash');
    expect(kindOf(() => decodePacket(frame(7, rlpEncode([1]))))).toBe('unknown_packet');
    expect(kindOf(() => decodePacket(frame(0, rlpEncode([1]))))).toBe('unknown_packet');
    expect(kindOf(() => decodePacket(frame(1, Uint8Array.of(0xc5, 0x01))))).toBe('bad_rlp');
    expect(kindOf(() => decodePacket(frame(1, new Uint8Array())))).toBe('bad_rlp'); // empty packet-data is truncated RLP
    expect(kindOf(() => decodePacket(frame(1, rlpEncode([4, [1, 2, 3], [], 1]))))).toBe('bad_packet');
    expect(kindOf(() => decodePacket(frame(1, rlpEncode([4, [new Uint8Array(5), 1, 1], [new Uint8Array(4), 1, 1], 1]))))).toBe('bad_packet');
    expect(kindOf(() => decodePacket(frame(1, rlpEncode([4, [new Uint8Array(4), 65536, 1], [new Uint8Array(4), 1, 1], 1]))))).toBe('bad_packet');
    expect(kindOf(() => decodePacket(frame(3, rlpEncode([new Uint8Array(65), 1]))))).toBe('bad_packet');
    // A bad NEIGHBORS entry (key not 64 bytes, IP neither 4 nor 16, port wider than 2 bytes, not a
    // list) costs only itself: skipped and counted, the datagram's other entries still decode.
    const good = [Uint8Array.of(1, 2, 3, 4), 30303, 30303, new Uint8Array(64).fill(1)];
    const bad = [
      [new Uint8Array(4), 1, 1, new Uint8Array(63)],
      [new Uint8Array(6), 1, 1, new Uint8Array(64)],
      [new Uint8Array(4), 65536, 1, new Uint8Array(64)],
      new Uint8Array(3),
    ];
    const n = decodePacket(frame(4, rlpEncode([[bad[0]!, good, bad[1]!, bad[2]!, bad[3]!], 1])));
    expect(n.type === PacketType.Neighbors && [n.data.nodes.map((x) => x.ip), n.data.malformed]).toEqual([['1.2.3.4'], 4]);
    expect(kindOf(() => decodePacket(frame(4, rlpEncode([new Uint8Array(3), 1]))))).toBe('bad_packet'); // nodes not a list
    expect(kindOf(() => decodePacket(frame(6, rlpEncode([new Uint8Array(32), [1, 2, 3]]))))).toBe('bad_enr');
    expect(kindOf(() => decodePacket(frame(5, rlpEncode([new Uint8Array(9)]))))).toBe('bad_packet');
    // empty endpoint IP and empty tcp port are tolerated (EIP-8 liberal receiving)
    const p = decodePacket(frame(1, rlpEncode([4, [new Uint8Array(), 1, new Uint8Array()], [new Uint8Array(4), 1, 0], 9])));
    expect(p.data).toMatchObject({ from: { ip: '', udpPort: 1, tcpPort: 0 }, to: { ip: '0.0.0.0' } });
  });

  it('a valid hash with a signature that does not recover is bad_signature', () => {
    const ping = Uint8Array.from(vec('ping_v4_no_extra'));
    ping.fill(0xff, 32, 96); // r, s ≥ n
    ping.set(keccak256(ping.subarray(32)), 0);
    expect(kindOf(() => decodePacket(ping))).toBe('bad_signature');
    const v = Uint8Array.from(vec('ping_v4_no_extra'));
    v[96] = 27;
    v.set(keccak256(v.subarray(32)), 0);
    expect(kindOf(() => decodePacket(v))).toBe('bad_signature');
  });

  it('fuzz: random datagrams → only typed errors', () => {
    const rng = new Rng(1234);
    for (let i = 0; i < 3000; i++) {
      const k = kindOf(() => decodePacket(rng.bytes(rng.int(MAX_RECEIVE_SIZE + 64))));
      expect(['too_small', 'too_large', 'bad_hash']).toContain(k);
    }
  });

  it('fuzz: re-hashed random bodies reach the RLP and field decoders → only typed errors', () => {
    const rng = new Rng(99);
    for (let i = 0; i < 3000; i++) {
      const body = concatBytes(rng.bytes(65), Uint8Array.of(1 + rng.int(6)), rng.bytes(rng.int(300)));
      const k = kindOf(() => decodePacket(concatBytes(keccak256(body), body)));
      expect(k).not.toBe('none');
    }
  });

  it('fuzz: bit-flipped / truncated / extended vector packets → only typed errors (hash fixed up and not)', () => {
    const rng = new Rng(7);
    const bases = Object.keys(byName).map(vec);
    const seen = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const m = mutate(rng, rng.pick(bases));
      // Half the time recompute the hash so the mutation reaches the inner decoders.
      if (rng.bool() && m.length >= 32) m.set(keccak256(m.subarray(32)), 0);
      seen.add(kindOf(() => decodePacket(m)));
    }
    // Not a tautology: the mutations must reach several distinct stages of the decoder.
    for (const k of ['too_small', 'bad_hash', 'bad_rlp', 'bad_packet', 'unknown_packet']) expect(seen).toContain(k);
  });

  it('fuzz: structured garbage inside signed packets of every type → only typed errors', () => {
    const rng = new Rng(31337);
    const atoms = () => rng.pick<unknown>([new Uint8Array(), rng.bytes(4), rng.bytes(16), rng.bytes(32), rng.bytes(64), rng.bytes(9), 0, 65535, 70000, []]);
    const shape = (depth: number): unknown => (depth > 0 && rng.bool() ? Array.from({ length: rng.int(6) }, () => shape(depth - 1)) : atoms());
    for (let i = 0; i < 400; i++) {
      const data = rlpEncode(shape(3) as never);
      kindOf(() => decodePacket(frame(1 + rng.int(6), data)));
    }
  });
});
