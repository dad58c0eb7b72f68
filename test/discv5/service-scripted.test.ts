/**
 * The state machine against a scripted remote (a bare Discv5Codec we drive by hand): what it does
 * with replies that are wrong, late, duplicated, split or replayed. Time from a ManualClock; every
 * datagram the service sends is captured, nothing goes through a network.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { logDistance } from '../../src/enode/distance.js';
import { createEnr, type Enr } from '../../src/enode/enr.js';
import { ManualClock } from '../../src/net/clock.js';
import type { UdpAddress } from '../../src/net/transport.js';
import { Discv5Codec } from '../../src/discv5/codec.js';
import { MessageType } from '../../src/discv5/constants.js';
import type { Message, RequestMessage } from '../../src/discv5/messages.js';
import { Discv5Service, type CallResult, type Discv5Event } from '../../src/discv5/service.js';
import { HandshakeError } from '../../src/discv5/errors.js';
import { decodePacket } from '../../src/discv5/packet.js';
import type { NodeFinderError } from '../../src/errors.js';
import { rlpDecode } from '../../src/util/rlp.js';

const addrA = { address: '127.0.0.1', port: 1001 };
const addrR = { address: '127.0.0.2', port: 2002 };

function setup(extra: Partial<ConstructorParameters<typeof Discv5Service>[0]> = {}) {
  const clock = new ManualClock();
  const keyA = generatePrivateKey();
  const enrA = createEnr({ privateKey: keyA, seq: 3n, ip: addrA.address, udp: addrA.port });
  const keyR = generatePrivateKey();
  const enrR = createEnr({ privateKey: keyR, seq: 1n, ip: addrR.address, udp: addrR.port });
  const out: { data: Uint8Array; to: UdpAddress }[] = [];
  const events: Discv5Event[] = [];
  const a = new Discv5Service({ identity: { privateKey: keyA, enr: () => enrA }, clock, send: (data, to) => out.push({ data, to }), onEvent: (e) => events.push(e), ...extra });
  const r = new Discv5Codec({ privateKey: keyR, enr: () => enrR }, clock);
  const results: { err?: NodeFinderError; result?: CallResult }[] = [];
  const call = (body: Parameters<Discv5Service['request']>[1]) => a.request({ nodeId: enrR.nodeId, addr: addrR, enr: enrR }, body, (err, result) => results.push({ err, result }));
  /** Run the handshake for the call just made; returns the request as R decrypted it. */
  const handshake = (): RequestMessage => {
    const first = r.decode(out.pop()!.data, addrA);
    if (first.kind !== 'unknown') throw new Error(`expected an undecryptable first packet, got ${first.kind}`);
    a.handleDatagram(r.encodeWhoareyou(enrA.nodeId, addrA, first.nonce, undefined), addrR);
    const hs = r.decode(out.pop()!.data, addrA);
    if (hs.kind !== 'message' || !hs.handshake) throw new Error('expected a handshake');
    expect(hs.enr?.seq).toBe(3n); // R had no record: A included it
    return hs.message as RequestMessage;
  };
  const reply = (m: Message, from: UdpAddress = addrR) => a.handleDatagram(r.encodeMessage(enrA.nodeId, addrA, m).packet, from);
  return { clock, a, r, enrA, enrR, out, events, results, call, handshake, reply };
}

function recordAt(id: Uint8Array, d: number): Enr {
  for (;;) {
    const enr = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '10.1.1.1', udp: 30303 });
    if (logDistance(id, enr.nodeId) === d) return enr;
  }
}

describe('discv5 service against a scripted remote', () => {
  it('NODES: drops bad, off-distance and duplicate records, caps total at 5 messages', () => {
    const s = setup();
    s.call({ type: MessageType.FindNode, distances: [256] });
    const req = s.handshake();
    expect(req.type).toBe(MessageType.FindNode);
    const good = [recordAt(s.enrR.nodeId, 256), recordAt(s.enrR.nodeId, 256)];
    const off = recordAt(s.enrR.nodeId, 255);
    const forged = rlpDecode(good[0]!.raw) as Uint8Array[];
    const badSig = [Uint8Array.from(forged[0]!).map((b, i) => (i === 5 ? b ^ 1 : b)), ...forged.slice(1)];
    const nodes = (records: unknown[]) => ({ type: MessageType.Nodes, requestId: req.requestId, total: 200, records }) as Message;
    s.reply(nodes([rlpDecode(good[0]!.raw), badSig, rlpDecode(off.raw)]));
    s.reply(nodes([rlpDecode(good[0]!.raw), rlpDecode(good[1]!.raw)]));
    s.reply(nodes([]));
    s.reply(nodes([]));
    expect(s.results).toHaveLength(0);
    s.reply(nodes([]));
    expect(s.results).toHaveLength(1);
    const res = s.results[0]!.result;
    expect(res?.type === 'nodes' && res.result).toMatchObject({ complete: true, invalid: 3 });
    expect(res?.type === 'nodes' && res.result.records.map((e) => e.seq)).toHaveLength(2);
    expect(s.clock.pending).toBe(0);
  });

  it('a NODES answer that stops early resolves with what came (complete: false) at the response timeout', () => {
    const s = setup();
    s.call({ type: MessageType.FindNode, distances: [256] });
    const req = s.handshake();
    s.reply({ type: MessageType.Nodes, requestId: req.requestId, total: 3, records: [rlpDecode(recordAt(s.enrR.nodeId, 256).raw)] });
    s.clock.advance(499);
    expect(s.results).toHaveLength(0);
    s.clock.advance(1);
    const res = s.results[0]!.result;
    expect(res?.type === 'nodes' && res.result).toMatchObject({ complete: false, invalid: 0 });
    expect(res?.type === 'nodes' && res.result.records).toHaveLength(1);
  });

  it('replies with another request ID, type or source address are dropped; the right one completes the call', () => {
    const s = setup();
    s.call({ type: MessageType.Ping, enrSeq: 3n });
    const req = s.handshake();
    const pong = { type: MessageType.Pong, requestId: req.requestId, enrSeq: 1n, ip: addrA.address, port: addrA.port } as const;
    s.reply({ ...pong, requestId: new Uint8Array([9, 9]) });
    s.reply({ type: MessageType.TalkResp, requestId: req.requestId, response: new Uint8Array() });
    s.reply(pong, { address: '127.0.0.3', port: 2002 }); // no session for that endpoint: A challenges it instead
    expect(s.results).toHaveLength(0);
    expect(s.events.filter((e) => e.type === 'dropped').map((e) => e.type === 'dropped' && e.reason)).toEqual(['unsolicited PONG', 'unsolicited TALKRESP']);
    s.reply(pong);
    expect(s.results[0]).toEqual({ err: undefined, result: { type: 'pong', enrSeq: 1n, ip: addrA.address, port: addrA.port } });
    expect(s.events.some((e) => e.type === 'session' && e.initiator)).toBe(true);
  });

  it('WHOAREYOU: unknown nonce, wrong source and a second challenge for one call are ignored', () => {
    const s = setup();
    s.call({ type: MessageType.Ping, enrSeq: 3n });
    const first = s.r.decode(s.out.pop()!.data, addrA);
    if (first.kind !== 'unknown') throw new Error('unreachable');
    s.a.handleDatagram(s.r.encodeWhoareyou(s.enrA.nodeId, addrA, new Uint8Array(12), undefined), addrR);
    s.a.handleDatagram(s.r.encodeWhoareyou(s.enrA.nodeId, addrA, first.nonce, undefined), { address: '127.0.0.7', port: 1 });
    expect(s.out).toHaveLength(0);
    s.a.handleDatagram(s.r.encodeWhoareyou(s.enrA.nodeId, addrA, first.nonce, undefined), addrR);
    expect(s.out).toHaveLength(1); // the handshake
    const hsPacket = s.out.pop()!.data;
    const hsNonce = decodePacket(s.enrR.nodeId, hsPacket).header.nonce;
    // The remote challenges the handshake packet itself: we do not handshake twice for one call.
    s.a.handleDatagram(s.r.encodeWhoareyou(s.enrA.nodeId, addrA, hsNonce, undefined), addrR);
    expect(s.out).toHaveLength(0);
    expect(s.events.filter((e) => e.type === 'dropped').map((e) => e.type === 'dropped' && e.reason)).toEqual([
      'unsolicited WHOAREYOU',
      'unsolicited WHOAREYOU',
      'second WHOAREYOU for one call',
    ]);
    s.clock.advance(1000);
    expect(s.results[0]?.err?.kind).toBe('timeout');
  });

  it('inbound handshakes: without a challenge, replayed, or carrying another node\'s record are refused', () => {
    const s = setup();
    // R starts talking to A: R's random packet → A challenges → R answers with a handshake.
    const toA = (m: Message) => s.r.encodeMessage(s.enrA.nodeId, addrA, m).packet;
    const ping = { type: MessageType.Ping, requestId: new Uint8Array([1]), enrSeq: 1n } as const;
    s.a.handleDatagram(toA(ping), addrR);
    const challenge = s.r.decode(s.out.pop()!.data, addrR);
    if (challenge.kind !== 'whoareyou') throw new Error('expected WHOAREYOU');
    const hs = s.r.encodeHandshake(s.enrA, addrA, ping, { challengeData: challenge.challengeData, enrSeq: challenge.header.enrSeq });
    s.a.handleDatagram(hs.packet, addrR);
    const pong = s.r.decode(s.out.pop()!.data, addrA);
    expect(pong).toMatchObject({ kind: 'message', message: { type: MessageType.Pong, ip: addrR.address, port: addrR.port } });
    expect(s.events.find((e) => e.type === 'session')).toMatchObject({ initiator: false });
    // Replay: the challenge is spent.
    s.a.handleDatagram(hs.packet, addrR);
    const dropped = s.events.filter((e) => e.type === 'dropped').at(-1);
    expect(dropped?.type === 'dropped' && dropped.error).toBeInstanceOf(HandshakeError);
    // The established session still works.
    s.a.handleDatagram(toA({ ...ping, requestId: new Uint8Array([2]) }), addrR);
    expect(s.r.decode(s.out.pop()!.data, addrA)).toMatchObject({ kind: 'message', message: { type: MessageType.Pong } });
  });

  it('a live challenge is repeated byte for byte, so a remote that sent two packets completes its handshake', () => {
    const s = setup();
    const ping = (id: number) => ({ type: MessageType.Ping, requestId: Uint8Array.of(id), enrSeq: 1n }) as const;
    s.a.handleDatagram(s.r.encodeMessage(s.enrA.nodeId, addrA, ping(1)).packet, addrR);
    s.a.handleDatagram(s.r.encodeMessage(s.enrA.nodeId, addrA, ping(2)).packet, addrR);
    expect(s.out).toHaveLength(2);
    expect(s.out[1]!.data).toEqual(s.out[0]!.data);
    const w = s.r.decode(s.out[0]!.data, addrR);
    if (w.kind !== 'whoareyou') throw new Error('expected WHOAREYOU');
    s.out.length = 0;
    s.a.handleDatagram(s.r.encodeHandshake(s.enrA, addrA, ping(1), { challengeData: w.challengeData, enrSeq: w.header.enrSeq }).packet, addrR);
    expect(s.r.decode(s.out.pop()!.data, addrA)).toMatchObject({ kind: 'message', message: { type: MessageType.Pong } });
  });

  it('retries (opt-in): an unanswered request goes out once more with a fresh nonce, then times out', () => {
    const s = setup({ retries: 1 });
    s.call({ type: MessageType.Ping, enrSeq: 3n });
    const lost = s.out.pop()!;
    s.clock.advance(1000);
    expect(s.out).toHaveLength(1);
    expect(s.a.stats.retries).toBe(1);
    expect(decodePacket(s.enrR.nodeId, s.out[0]!.data).header.nonce).not.toEqual(decodePacket(s.enrR.nodeId, lost.data).header.nonce);
    const req = s.handshake(); // the retry gets through
    s.reply({ type: MessageType.Pong, requestId: req.requestId, enrSeq: 1n, ip: addrA.address, port: addrA.port });
    expect(s.results[0]?.result?.type).toBe('pong');

    const t = setup(); // default: no re-send, as the spec asks
    t.call({ type: MessageType.Ping, enrSeq: 3n });
    t.out.pop();
    t.clock.advance(1000);
    expect(t.out).toHaveLength(0);
    expect(t.results[0]?.err?.kind).toBe('timeout');
  });
});
