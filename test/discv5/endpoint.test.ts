/** Two or more discv5 endpoints on the in-memory UDP network, time from a ManualClock. */
import { describe, expect, it } from 'vitest';
import { logDistance } from '../../src/enode/distance.js';
import { createEnr } from '../../src/enode/enr.js';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { ManualClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { HandshakeError, BadRequestError } from '../../src/discv5/errors.js';
import { RequestAbortedError, RequestTimeoutError } from '../../src/net/request.js';
import { bytesToHex, fromUtf8, utf8 } from '../../src/util/bytes.js';
import { makeNode, settle } from './helpers.js';

function pair(opts: Parameters<typeof makeNode>[2] = {}) {
  const clock = new ManualClock();
  const net = new MemoryUdpNetwork();
  net.record = true;
  const a = makeNode(net.bind('127.0.0.1'), clock);
  const b = makeNode(net.bind('127.0.0.2'), clock, opts);
  return { clock, net, a, b };
}

/** Records whose node IDs lie at log distance `d` from `id` (brute force over random keys). */
function recordsAt(id: Uint8Array, d: number, n: number) {
  const out = [];
  while (out.length < n) {
    const key = generatePrivateKey();
    const enr = createEnr({ privateKey: key, seq: 1n, ip: `10.0.${out.length}.1`, udp: 30303, tcp: 30303, extra: { pad: new Uint8Array(60) } });
    if (logDistance(id, enr.nodeId) === d) out.push(enr);
  }
  return out;
}

describe('discv5 endpoint (in memory)', () => {
  it('PING: first call runs the handshake (WHOAREYOU, our record included), the second reuses the session', async () => {
    const { a, b } = pair();
    const pong = await a.endpoint.ping(b.enr);
    expect(pong).toEqual({ enrSeq: 1n, ip: '127.0.0.1', port: a.endpoint.localAddress.port });
    expect(b.endpoint.service.stats.whoareyouSent).toBe(1);
    expect(a.endpoint.service.stats.handshakesOut).toBe(1);
    expect(b.endpoint.service.stats.handshakesIn).toBe(1);
    const inbound = b.events.find((e) => e.type === 'session');
    expect(inbound && inbound.type === 'session' && bytesToHex(inbound.enr.raw)).toBe(bytesToHex(a.enr.raw));
    expect(a.events.some((e) => e.type === 'session' && e.initiator)).toBe(true);

    await a.endpoint.ping(b.enr);
    // B answers A over the session B accepted: no new handshake in either direction.
    const back = await b.endpoint.ping(a.enr);
    expect(back.port).toBe(b.endpoint.localAddress.port);
    expect(b.endpoint.service.stats.whoareyouSent + a.endpoint.service.stats.whoareyouSent).toBe(1);
  });

  it('IPv6 endpoints: records with ip6/udp6 only, PONG carries the 16-byte address', async () => {
    const clock = new ManualClock();
    const net = new MemoryUdpNetwork();
    const a = makeNode(net.bind('::1'), clock);
    const b = makeNode(net.bind('fd00::2'), clock);
    expect(b.enr.ip).toBeUndefined();
    const pong = await a.endpoint.ping(b.enr);
    expect(pong).toEqual({ enrSeq: 1n, ip: '::1', port: a.endpoint.localAddress.port });
    b.table.add(a.enr);
    const d = logDistance(b.enr.nodeId, a.enr.nodeId);
    expect((await a.endpoint.findNode(b.enr, [d])).map((e) => e.ip6)).toEqual(['::1']);
  });

  it('the handshake omits our record when the challenger already has it (enr-seq current)', async () => {
    const { a, b, net } = pair();
    b.table.add(a.enr);
    await a.endpoint.ping(b.enr);
    const handshake = net.sent.find((d) => d.data.length > 150 && d.to.address === '127.0.0.2');
    // 16 + 23 + 34 + 64 + 33 authdata, no record, + PING (~12) + tag 16.
    expect(handshake).toBeDefined();
    expect(handshake!.data.length).toBeLessThan(16 + 23 + 34 + 64 + 33 + 40);
    expect(b.events.find((e) => e.type === 'session')).toBeDefined();
  });

  it('FINDNODE: records at the asked distances, spread over several NODES packets; distance 0 is the record itself', async () => {
    const { a, b } = pair();
    const far = recordsAt(b.enr.nodeId, 256, 10);
    const near = recordsAt(b.enr.nodeId, 255, 6);
    for (const e of [...far, ...near]) b.table.add(e);
    const res = await a.endpoint.findNodeDetailed(b.enr, [256, 255]);
    expect(res.complete).toBe(true);
    expect(res.invalid).toBe(0);
    expect(new Set(res.records.map((e) => bytesToHex(e.nodeId)))).toEqual(new Set([...far, ...near].map((e) => bytesToHex(e.nodeId))));
    const nodesPackets = b.endpoint.service.stats.packetsOut - b.endpoint.service.stats.whoareyouSent;
    expect(nodesPackets).toBeGreaterThanOrEqual(3); // 16 records of ~170 bytes: > 1000 bytes per packet twice
    expect(bytesToHex((await a.endpoint.requestEnr(b.enr))!.raw)).toBe(bytesToHex(b.enr.raw));
    expect(await a.endpoint.findNode(b.enr, [1, 2, 3])).toEqual([]);
  });

  it('TALKREQ: an unknown protocol gets an empty TALKRESP; a handler answers its own', async () => {
    const { a, b } = pair({ talk: (p, req) => (utf8(p) === 'echo' ? req : undefined) });
    expect(await a.endpoint.talkReq(b.enr, 'nope', fromUtf8('hi'))).toEqual(new Uint8Array());
    expect(utf8(await a.endpoint.talkReq(b.enr, 'echo', fromUtf8('hi')))).toBe('hi');
  });

  it('concurrent calls to one node queue behind the handshake and all complete', async () => {
    const { a, b } = pair();
    b.table.add(recordsAt(b.enr.nodeId, 256, 1)[0]!);
    const all = Promise.all([
      a.endpoint.ping(b.enr),
      a.endpoint.findNode(b.enr, [256]),
      a.endpoint.talkReq(b.enr, 'x', new Uint8Array([1])),
      a.endpoint.ping(b.enr),
    ]);
    expect(a.endpoint.service.pendingCalls).toBe(4);
    const [p1, n, t, p2] = await all;
    expect(a.endpoint.service.pendingCalls).toBe(0);
    expect(p1.enrSeq).toBe(1n);
    expect(n).toHaveLength(1);
    expect(t).toEqual(new Uint8Array());
    expect(p2.enrSeq).toBe(1n);
    expect(b.endpoint.service.stats.whoareyouSent).toBe(1);
  });

  it('both sides starting a handshake at once: both calls complete, and the sessions keep working', async () => {
    const { a, b } = pair();
    const [pa, pb] = await Promise.all([a.endpoint.ping(b.enr), b.endpoint.ping(a.enr)]);
    expect([pa.port, pb.port]).toEqual([a.endpoint.localAddress.port, b.endpoint.localAddress.port]);
    const handshakes = a.endpoint.service.stats.handshakesOut + b.endpoint.service.stats.handshakesOut;
    expect(handshakes).toBe(2);
    await Promise.all([a.endpoint.ping(b.enr), b.endpoint.ping(a.enr), a.endpoint.findNode(b.enr, [0]), b.endpoint.findNode(a.enr, [0])]);
    expect(a.endpoint.service.stats.handshakesOut + b.endpoint.service.stats.handshakesOut).toBe(handshakes);
  });

  it('a remote that lost its sessions challenges again and the call still succeeds', async () => {
    const { a, b, clock, net } = pair();
    await a.endpoint.ping(b.enr);
    await b.endpoint.close();
    const b2 = makeNode(net.bind('127.0.0.2', b.endpoint.localAddress.port), clock, { key: b.key });
    expect(await a.endpoint.ping(b2.enr)).toMatchObject({ enrSeq: 1n });
    expect(b2.endpoint.service.stats.whoareyouSent).toBe(1);
    expect(a.endpoint.service.stats.handshakesOut).toBe(2);
  });

  it('timeouts: no answer → RequestTimeoutError after the handshake timeout (clock-driven)', async () => {
    const { a, clock } = pair();
    const ghost = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '127.0.0.9', udp: 9 });
    const p = a.endpoint.ping(ghost);
    const outcome = p.then(() => 'resolved', (e) => e);
    await settle();
    clock.advance(999);
    await settle();
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
    clock.advance(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(clock.pending).toBe(0);
  });

  it('an overall timeoutMs keeps the timeout kind; AbortSignal aborts; close() fails what is pending', async () => {
    const { a, clock } = pair();
    const ghost = createEnr({ privateKey: generatePrivateKey(), seq: 1n, ip: '127.0.0.9', udp: 9 });
    const t = a.endpoint.ping(ghost, { timeoutMs: 100 }).catch((e) => e);
    await settle();
    clock.advance(100);
    expect(await t).toBeInstanceOf(RequestTimeoutError);

    const ctl = new AbortController();
    const ab = a.endpoint.ping(ghost, { signal: ctl.signal }).catch((e) => e);
    const queued = a.endpoint.findNode(ghost, [256]).catch((e) => e);
    ctl.abort();
    expect(await ab).toBeInstanceOf(RequestAbortedError);
    await a.endpoint.close();
    expect(await queued).toBeInstanceOf(RequestAbortedError);
    await expect(a.endpoint.ping(ghost)).rejects.toBeInstanceOf(RequestAbortedError);
    expect(clock.pending).toBe(0);
  });

  it('calls without a record fail with HandshakeError when challenged; bad distances are refused', async () => {
    const { a, b, clock } = pair();
    await expect(a.endpoint.ping({ nodeId: b.enr.nodeId, addr: b.endpoint.localAddress })).rejects.toBeInstanceOf(HandshakeError);
    await expect(a.endpoint.findNode(b.enr, [])).rejects.toBeInstanceOf(BadRequestError);
    await expect(a.endpoint.findNode(b.enr, [257])).rejects.toBeInstanceOf(BadRequestError);
    await expect(a.endpoint.talkReq(b.enr, 'big', new Uint8Array(1000))).rejects.toBeInstanceOf(BadRequestError);
    await expect(a.endpoint.ping({ nodeId: b.enr.nodeId, addr: { address: 'x', port: 1 } })).rejects.toBeInstanceOf(BadRequestError);
    await expect(a.endpoint.ping({ nodeId: a.enr.nodeId, addr: b.endpoint.localAddress, enr: b.enr })).rejects.toBeInstanceOf(BadRequestError);
    // B repeats its live challenge (for the first packet) for 1 s; after that it challenges afresh.
    const early = a.endpoint.ping(b.enr).catch((e) => e);
    await settle();
    expect(b.endpoint.service.stats.whoareyouSent).toBe(2);
    clock.advance(1001);
    expect(await early).toBeInstanceOf(RequestTimeoutError);
    // With a session, ID + address suffice.
    await a.endpoint.ping(b.enr);
    expect((await a.endpoint.ping({ nodeId: b.enr.nodeId, addr: b.endpoint.localAddress })).enrSeq).toBe(1n);
  });

  it('rate limit: WHOAREYOU answers per source IP stop after the burst and resume with time', async () => {
    const { b, clock, net } = pair({ handshakeBurstPerIp: 3, handshakesPerSecondPerIp: 1 });
    // Six nodes on one IP (different ports): only 3 challenges go out.
    const flood = Array.from({ length: 6 }, () => makeNode(net.bind('127.0.0.5'), clock));
    const calls = flood.map((n) => n.endpoint.ping(b.enr).then(() => 'ok', (e) => e));
    await settle();
    expect(b.endpoint.service.stats.whoareyouSent).toBe(3);
    expect(b.endpoint.service.stats.rateLimited).toBe(3);
    clock.advance(1000);
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
    expect(outcomes.filter((o) => o instanceof RequestTimeoutError)).toHaveLength(3);
    // One token back per second: the next stranger from that IP is challenged again.
    expect(await flood[5]!.endpoint.ping(b.enr).then(() => 'ok', (e) => e)).toBe('ok');
    expect(b.endpoint.service.stats.whoareyouSent).toBe(4);
    // Another IP is not affected by this one's budget.
    const other = makeNode(net.bind('127.0.0.6'), clock);
    expect((await other.endpoint.ping(b.enr)).enrSeq).toBe(1n);
  });
});
