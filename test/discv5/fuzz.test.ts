/**
 * Fuzz and property tests of every discv5 decoder (seeded; NODEFINDER_FUZZ_SEED replays,
 * NODEFINDER_FUZZ_SCALE runs more): random and mutated packets and plaintexts never throw anything
 * but Discv5Error, the service never throws at all, and random values round-trip.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { createEnr } from '../../src/enode/enr.js';
import { ManualClock } from '../../src/net/clock.js';
import { Discv5Codec } from '../../src/discv5/codec.js';
import { Flag, MessageType } from '../../src/discv5/constants.js';
import { classifyDatagram } from '../../src/discv5/demux.js';
import { Discv5Error } from '../../src/discv5/errors.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/discv5/messages.js';
import { decodePacket, encodeHeader, encodePacket, type PacketHeader } from '../../src/discv5/packet.js';
import { Discv5Service } from '../../src/discv5/service.js';
import { rlpDecode } from '../../src/util/rlp.js';
import { BASE_SEED, FUZZ_SCALE, Rng, fuzzDecoder, fuzzInputs } from '../devp2p/fuzz-helpers.js';

const N = Math.round(3000 * FUZZ_SCALE);
const addrA = { address: '127.0.0.1', port: 1111 };
const addrB = { address: '127.0.0.2', port: 2222 };
const keyA = generatePrivateKey();
const keyB = generatePrivateKey();
const enrA = createEnr({ privateKey: keyA, seq: 5n, ip: addrA.address, udp: addrA.port });
const enrB = createEnr({ privateKey: keyB, seq: 1n, ip: addrB.address, udp: addrB.port });

function randomMessage(rng: Rng): Message {
  const requestId = rng.bytes(rng.int(9));
  switch (rng.int(6)) {
    case 0:
      return { type: MessageType.Ping, requestId, enrSeq: rng.u64() };
    case 1:
      return { type: MessageType.Pong, requestId, enrSeq: rng.u64(), ip: rng.bool() ? '10.0.0.1' : 'fe80::1', port: rng.int(65536) };
    case 2:
      return { type: MessageType.FindNode, requestId, distances: Array.from({ length: rng.int(20) }, () => rng.int(257)) };
    case 3:
      return { type: MessageType.Nodes, requestId, total: rng.int(256), records: rng.bool() ? [rlpDecode(enrA.raw)] : [] };
    case 4:
      return { type: MessageType.TalkReq, requestId, protocol: rng.bytes(rng.int(10)), request: rng.bytes(rng.int(300)) };
    default:
      return { type: MessageType.TalkResp, requestId, response: rng.bytes(rng.int(300)) };
  }
}

/** Valid packets of every kind from A to B, plus B's codec primed to accept the handshakes. */
function seeds(rng: Rng) {
  const clock = new ManualClock();
  const a = new Discv5Codec({ privateKey: keyA, enr: () => enrA }, clock);
  const b = new Discv5Codec({ privateKey: keyB, enr: () => enrB }, clock);
  const packets: Uint8Array[] = [];
  const random = a.encodeMessage(enrB.nodeId, addrB, randomMessage(rng));
  packets.push(random.packet);
  const whoareyou = b.encodeWhoareyou(enrA.nodeId, addrA, random.nonce, rng.bool() ? enrA : undefined);
  const challengeData = b.sessions.challenge(enrA.nodeId, addrA)!.challengeData;
  packets.push(whoareyou);
  const w = a.decode(whoareyou, addrB);
  if (w.kind !== 'whoareyou') throw new Error('unreachable');
  const hs = a.encodeHandshake(enrB, addrB, randomMessage(rng), { challengeData: w.challengeData, enrSeq: w.header.enrSeq });
  packets.push(hs.packet);
  expect(b.decode(hs.packet, addrA).kind).toBe('message');
  for (let i = 0; i < 4; i++) packets.push(a.encodeMessage(enrB.nodeId, addrB, randomMessage(rng)).packet);
  // A WHOAREYOU the other way (masked for B), so B's decoder sees every flag.
  packets.push(a.encodeWhoareyou(enrB.nodeId, addrB, rng.bytes(12), undefined));
  return { a, b, packets, challengeData, clock };
}

describe('discv5 fuzz: decoders only throw Discv5Error', () => {
  it('decodePacket on random and mutated packets', () => {
    const rng = new Rng(BASE_SEED);
    const { packets } = seeds(rng);
    const r = fuzzDecoder((x) => decodePacket(enrB.nodeId, x), fuzzInputs(rng, packets, N), [Discv5Error]);
    expect(r.ok).toBeGreaterThan(N / 10); // mutations past the header still parse
    expect(r.failed).toBeGreaterThan(N / 10);
  });

  it('decodeMessage on random and mutated plaintexts', () => {
    const rng = new Rng(BASE_SEED + 1);
    const plain = Array.from({ length: 60 }, () => encodeMessage(randomMessage(rng)));
    const r = fuzzDecoder(decodeMessage, fuzzInputs(rng, plain, N), [Discv5Error]);
    expect(r.ok).toBeGreaterThan(N / 20);
    expect(r.failed).toBeGreaterThan(N / 10);
  });

  it('the session codec (sessions and challenges in place) on mutated packets of every kind', () => {
    const rng = new Rng(BASE_SEED + 2);
    const { b, packets, challengeData } = seeds(rng);
    const kinds = new Set<string>();
    const r = fuzzDecoder(
      (x) => {
        // Keep a challenge outstanding so mutated handshakes reach signature and record checks.
        b.sessions.storeChallenge(enrA.nodeId, addrA, { challengeData, enr: rng.bool() ? enrA : undefined, packet: new Uint8Array() });
        kinds.add(b.decode(x, addrA).kind);
      },
      [...packets, ...fuzzInputs(rng, packets, N)],
      [Discv5Error],
    );
    expect(r.ok).toBeGreaterThan(packets.length);
    expect([...kinds].sort()).toEqual(['message', 'unknown', 'whoareyou']);
  });

  it('the service never throws, whatever arrives', () => {
    const rng = new Rng(BASE_SEED + 3);
    const { packets, clock } = seeds(rng);
    let sent = 0;
    const untyped: unknown[] = [];
    const svc = new Discv5Service({
      identity: { privateKey: keyB, enr: () => enrB },
      clock,
      send: () => sent++,
      lookup: () => [enrA],
      onEvent: (e) => {
        if (e.type === 'dropped' && e.error && !(e.error instanceof Discv5Error)) untyped.push(e.error);
      },
    });
    for (const x of fuzzInputs(rng, packets, N)) svc.handleDatagram(x, rng.bool() ? addrA : { address: '127.0.0.9', port: 1 + rng.int(65535) });
    expect(svc.stats.packetsIn).toBe(N);
    expect(untyped).toEqual([]);
    expect(sent).toBeGreaterThan(0); // WHOAREYOU answers went out
  });

  it('classifyDatagram never throws and sends nothing oversized to discv5', () => {
    const rng = new Rng(BASE_SEED + 4);
    for (let i = 0; i < N; i++) {
      const x = rng.bytes(rng.int(1400));
      const c = classifyDatagram(x);
      if (c === 'discv5') expect(x.length >= 63 && x.length <= 1280).toBe(true);
    }
  });
});

describe('discv5 properties', () => {
  it('random messages round-trip through the message codec', () => {
    const rng = new Rng(BASE_SEED + 5);
    for (let i = 0; i < 500; i++) {
      const m = randomMessage(rng);
      expect(decodeMessage(encodeMessage(m))).toEqual(m);
    }
  });

  it('random headers round-trip through masking for random destination IDs', () => {
    const rng = new Rng(BASE_SEED + 6);
    for (let i = 0; i < 300; i++) {
      const dest = rng.bytes(32);
      const nonce = rng.bytes(12);
      const header: PacketHeader =
        i % 3 === 0
          ? { flag: Flag.Message, nonce, srcId: rng.bytes(32) }
          : i % 3 === 1
            ? { flag: Flag.Whoareyou, nonce, idNonce: rng.bytes(16), enrSeq: rng.u64() }
            : { flag: Flag.Handshake, nonce, srcId: rng.bytes(32), idSignature: rng.bytes(64), ephemeralPubkey: rng.bytes(33), ...(rng.bool() ? { record: rng.bytes(1 + rng.int(300)) } : {}) };
      const hb = encodeHeader(rng.bytes(16), header);
      const msg = header.flag === Flag.Whoareyou ? new Uint8Array() : rng.bytes(48 + rng.int(200));
      const d = decodePacket(dest, encodePacket(dest, hb, msg));
      expect(d.header).toEqual(header);
      expect(d.headerBytes).toEqual(hb);
      expect(d.message).toEqual(msg);
    }
  });

  it('messages over an established session decrypt on the other side, in both directions', () => {
    const rng = new Rng(BASE_SEED + 7);
    const { a, b } = seeds(rng);
    for (let i = 0; i < 200; i++) {
      const m = randomMessage(rng);
      const toB = b.decode(a.encodeMessage(enrB.nodeId, addrB, m).packet, addrA);
      expect(toB).toMatchObject({ kind: 'message', message: m, handshake: false });
      const toA = a.decode(b.encodeMessage(enrA.nodeId, addrA, m).packet, addrB);
      expect(toA).toMatchObject({ kind: 'message', message: m });
    }
  });
});
