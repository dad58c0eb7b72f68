/** The small pure parts: packet and message limits, session cache, rate limiter, NODES packing. */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { logDistance } from '../../src/enode/distance.js';
import { createEnr, type Enr } from '../../src/enode/enr.js';
import { ManualClock } from '../../src/net/clock.js';
import { Discv5Codec } from '../../src/discv5/codec.js';
import { Flag, MAX_PACKET_SIZE, MessageType } from '../../src/discv5/constants.js';
import { BadMessageError, BadPacketError, HandshakeError, InvalidHeaderError, PacketTooLargeError, PacketTooSmallError, UnknownMessageError } from '../../src/discv5/errors.js';
import { decodeMessage, encodeMessage } from '../../src/discv5/messages.js';
import { decodePacket, encodeHeader, encodePacket } from '../../src/discv5/packet.js';
import { RateLimiter } from '../../src/discv5/rate-limit.js';
import { collectNodes, packNodes } from '../../src/discv5/responder.js';
import { SessionCache } from '../../src/discv5/session-cache.js';
import { concatBytes } from '../../src/util/bytes.js';
import { rlpEncode } from '../../src/util/rlp.js';

const id = new Uint8Array(32).fill(7);
const addr = { address: '127.0.0.1', port: 1 };

describe('discv5 packet limits', () => {
  const header = encodeHeader(new Uint8Array(16), { flag: Flag.Message, nonce: new Uint8Array(12), srcId: id });
  it('refuses packets below 63 and above 1280 bytes, and message packets without room for authdata + tag', () => {
    expect(() => decodePacket(id, new Uint8Array(62))).toThrow(PacketTooSmallError);
    expect(() => decodePacket(id, new Uint8Array(1281))).toThrow(PacketTooLargeError);
    expect(() => encodePacket(id, header, new Uint8Array(MAX_PACKET_SIZE))).toThrow(PacketTooLargeError);
    expect(decodePacket(id, encodePacket(id, header, new Uint8Array(16))).header.flag).toBe(Flag.Message);
    const short = encodePacket(id, header, new Uint8Array(0)); // 71 bytes: ≥ 63 but authdata + tag missing
    expect(() => decodePacket(id, short)).toThrow(PacketTooSmallError);
  });
  it('another protocol-id or a packet masked for someone else is InvalidHeaderError; unknown flags and sizes BadPacketError', () => {
    const p = encodePacket(id, header, new Uint8Array(16));
    expect(() => decodePacket(new Uint8Array(32).fill(8), p)).toThrow(InvalidHeaderError);
    const bad = Uint8Array.from(header);
    bad[16 + 8] = 3; // flag
    expect(() => decodePacket(id, encodePacket(id, bad, new Uint8Array(16)))).toThrow(BadPacketError);
    const size = Uint8Array.from(header);
    size[16 + 22] = 33; // authdata-size 33 for a message packet
    expect(() => decodePacket(id, encodePacket(id, size, new Uint8Array(16)))).toThrow(BadPacketError);
    size[16 + 21] = 0xff; // beyond the packet
    expect(() => decodePacket(id, encodePacket(id, size, new Uint8Array(16)))).toThrow(BadPacketError);
  });
});

describe('discv5 message codec', () => {
  it('request-id ≤ 8 bytes, distances ≤ 256, NODES total a uint8, PONG ip 4 or 16 bytes; unknown types', () => {
    const enc = (type: number, ...items: Parameters<typeof rlpEncode>[0][]) => concatBytes(Uint8Array.of(type), rlpEncode(items));
    expect(() => decodeMessage(enc(1, new Uint8Array(9), 1))).toThrow(BadMessageError);
    expect(() => decodeMessage(enc(3, [1], [257]))).toThrow(BadMessageError);
    expect(() => decodeMessage(enc(4, [1], 256, []))).toThrow(BadMessageError);
    expect(() => decodeMessage(enc(2, [1], 1, new Uint8Array(5), 1))).toThrow(BadMessageError);
    expect(() => decodeMessage(enc(2, [1], 1, new Uint8Array(4), 65536))).toThrow(BadMessageError);
    expect(() => decodeMessage(enc(7, [1]))).toThrow(UnknownMessageError);
    expect(() => decodeMessage(new Uint8Array())).toThrow(BadMessageError);
    // Liberal: extra trailing elements are ignored.
    expect(decodeMessage(enc(1, Uint8Array.of(1), 5, 'future'))).toEqual({ type: MessageType.Ping, requestId: Uint8Array.of(1), enrSeq: 5n });
    expect(() => encodeMessage({ type: MessageType.Ping, requestId: new Uint8Array(9), enrSeq: 0n })).toThrow(RangeError);
  });
});

describe('discv5 session cache', () => {
  it('keys sessions by node ID and endpoint, evicts the least recently used', () => {
    const clock = new ManualClock();
    const c = new SessionCache(clock, 2);
    const s = (n: number) => ({ writeKey: new Uint8Array(16).fill(n), readKey: new Uint8Array(16), nonceCounter: 0, enr: undefined as unknown as Enr });
    c.set(id, addr, s(1));
    expect(c.get(id, { ...addr, port: 2 })).toBeUndefined();
    c.set(id, { ...addr, port: 2 }, s(2));
    c.get(id, addr); // touch: port 2 is now the oldest
    c.set(id, { ...addr, port: 3 }, s(3));
    expect(c.size).toBe(2);
    expect(c.get(id, addr)?.writeKey[0]).toBe(1);
    expect(c.get(id, { ...addr, port: 2 })).toBeUndefined();
  });
  it('challenges expire after 1 s and are bounded in number', () => {
    const clock = new ManualClock();
    const c = new SessionCache(clock, 10, 3);
    c.storeChallenge(id, addr, { challengeData: new Uint8Array(63), enr: undefined, packet: new Uint8Array() });
    clock.advance(1000);
    expect(c.challenge(id, addr)).toBeDefined();
    clock.advance(1);
    expect(c.challenge(id, addr)).toBeUndefined();
    for (let p = 1; p <= 5; p++) c.storeChallenge(id, { ...addr, port: p }, { challengeData: new Uint8Array(63), enr: undefined, packet: new Uint8Array() });
    expect(c.pendingChallenges).toBe(3);
    expect(c.challenge(id, { ...addr, port: 1 })).toBeUndefined();
    expect(c.challenge(id, { ...addr, port: 5 })).toBeDefined();
  });
});

describe('discv5 rate limiter', () => {
  it('a burst, then the refill rate, per key, with a bounded number of keys', () => {
    const clock = new ManualClock();
    const r = new RateLimiter(clock, 2, 4, 3);
    expect([r.take('a'), r.take('a'), r.take('a')]).toEqual([true, true, false]);
    expect(r.take('b')).toBe(true);
    clock.advance(250);
    expect([r.take('a'), r.take('a')]).toEqual([true, false]);
    for (const k of ['c', 'd', 'e']) r.take(k);
    expect(r.size).toBe(3);
    expect(() => new RateLimiter(clock, 0, 1, 1)).toThrow(RangeError);
  });
});

describe('discv5 responder', () => {
  const self = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '127.0.0.1', udp: 1 });
  const at = (d: number, n: number, pad = 0): Enr[] => {
    const out: Enr[] = [];
    while (out.length < n) {
      const e = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '10.0.0.1', udp: 1, extra: pad ? { pad: new Uint8Array(pad) } : {} });
      if (logDistance(self.nodeId, e.nodeId) === d) out.push(e);
    }
    return out;
  };

  it('collects at most 16, each distance once, only records at the distance asked (0 = self)', () => {
    const t256 = at(256, 12);
    const t255 = at(255, 8);
    const lookup = (d: number) => (d === 256 ? [...t256, ...t255] : d === 255 ? t255 : []);
    const got = collectNodes([0, 256, 256, 255, 300], self, lookup);
    expect(got).toHaveLength(16);
    expect(got[0]).toBe(self);
    expect(got.slice(1, 13)).toEqual(t256);
    expect(collectNodes([256], self, undefined)).toEqual([]);
  });

  it('NODES packets of 300-byte records fit 1280 bytes with total = message count; none → one empty NODES', async () => {
    const big = at(256, 16, 158);
    expect(big.every((e) => e.raw.length > 280 && e.raw.length <= 300)).toBe(true);
    const msgs = packNodes(new Uint8Array(8), big);
    expect(msgs.length).toBeGreaterThanOrEqual(5);
    expect(msgs.every((m) => m.total === msgs.length)).toBe(true);
    expect(msgs.flatMap((m) => m.records)).toHaveLength(16);
    // Worst case on the wire: an ordinary message packet (header 71 + tag 16).
    const clock = new ManualClock();
    const codec = new Discv5Codec({ privateKey: generatePrivateKey(), enr: () => self }, clock);
    codec.sessions.set(self.nodeId, addr, { writeKey: new Uint8Array(16), readKey: new Uint8Array(16), nonceCounter: 0, enr: self });
    for (const m of msgs) expect(codec.encodeMessage(self.nodeId, addr, m).packet.length).toBeLessThanOrEqual(MAX_PACKET_SIZE);
    expect(packNodes(new Uint8Array(1), [])).toEqual([{ type: MessageType.Nodes, requestId: new Uint8Array(1), total: 1, records: [] }]);
  });
});

describe('discv5 handshake record checks', () => {
  it('a handshake carrying another node\'s record, or none when we had none, is refused', () => {
    const clock = new ManualClock();
    const ka = generatePrivateKey();
    const kb = generatePrivateKey();
    const ea = createEnr({ privateKey: ka, seq: 1n, ip: '127.0.0.1', udp: 1 });
    const eb = createEnr({ privateKey: kb, seq: 1n, ip: '127.0.0.2', udp: 2 });
    const stranger = createEnr({ privateKey: generatePrivateKey(), seq: 9n, ip: '127.0.0.3', udp: 3 });
    const a = new Discv5Codec({ privateKey: ka, enr: () => stranger }, clock); // lies about its record
    const b = new Discv5Codec({ privateKey: kb, enr: () => eb }, clock);
    const ping = { type: MessageType.Ping, requestId: Uint8Array.of(1), enrSeq: 1n } as const;
    const challenge = (seq: bigint) => {
      const w = b.encodeWhoareyou(ea.nodeId, addr, new Uint8Array(12), seq > 0n ? ea : undefined);
      const r = a.decode(w, { address: '127.0.0.2', port: 2 });
      if (r.kind !== 'whoareyou') throw new Error('unreachable');
      return { challengeData: r.challengeData, enrSeq: r.header.enrSeq };
    };
    expect(() => b.decode(a.encodeHandshake(eb, { address: '127.0.0.2', port: 2 }, ping, challenge(0n)).packet, addr)).toThrow(HandshakeError);
    const honest = new Discv5Codec({ privateKey: ka, enr: () => ea }, clock);
    // B has no record of A (enr-seq 0) but A acts as if asked for seq 5: it omits its record, so B cannot verify it.
    const w = b.encodeWhoareyou(ea.nodeId, addr, new Uint8Array(12), undefined);
    const r = honest.decode(w, { address: '127.0.0.2', port: 2 });
    if (r.kind !== 'whoareyou') throw new Error('unreachable');
    expect(() => b.decode(honest.encodeHandshake(eb, { address: '127.0.0.2', port: 2 }, ping, { challengeData: r.challengeData, enrSeq: 5n }).packet, addr)).toThrow(HandshakeError);
  });
});
