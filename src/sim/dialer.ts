/**
 * How a simulated node answers a dial, as the DialEvent the real probe (src/crawler/probe.ts) would
 * record, after the simulated time the exchange takes:
 *  - online, reachable: HELLO, then STATUS when it speaks eth/66+ (outcome status or hello);
 *  - online, full: HELLO, then DISCONNECT too_many_peers (the scheduler's 'too_many_peers');
 *  - online behind NAT, or gone for good: no answer, the TCP connect times out;
 *  - offline but coming back (host up, client down): connection refused after one round trip.
 */
import type { Prng } from '../analysis/prng.js';
import type { DialEvent as FullDialEvent, DialVerdict } from '../events.js';
import type { ScheduledDialKind } from '../crawler/scheduler.js';
import { DEFAULT_PROBE_TIMEOUTS, blankDialEvent, withDialPolicy } from '../crawler/probe.js';
import type { Population, SimNode } from './population.js';

/** A dial's simulated course: the event to record at `durationMs` and the scheduler's verdict. */
export interface SimDialResult {
  durationMs: number;
  verdict: DialVerdict;
  event: FullDialEvent;
}

/** RFC 4122 version-4 UUID from the seeded stream (the real crawler uses the CSPRNG: uuidV4). */
export function seededUuid(prng: Prng): string {
  const h = [prng.nextU32(), prng.nextU32(), prng.nextU32(), prng.nextU32()].map((x) => x.toString(16).padStart(8, '0')).join('');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function simulateDial(
  pop: Population,
  prng: Prng,
  instanceHex: string,
  node: SimNode,
  kind: ScheduledDialKind,
  now: number,
): SimDialResult {
  // One-way latency 10–100 ms: a round trip of 20–200 ms, as between hosts on one continent.
  const rtt = Math.round(20 + prng.nextFloat() * 180);
  // verdict/alive are the probe's policy (withDialPolicy), filled in when the course is known.
  const event = blankDialEvent(
    { dialId: seededUuid(prng), instance: instanceHex, kind, nodeId: node.idHex, publicKey: null, ip: node.record.ip, tcpPort: node.record.tcpPort },
    now,
  );
  const fail = (durationMs: number, errorKind: 'timeout' | 'connection_refused', message: string): SimDialResult => {
    event.endedAt = now + durationMs;
    event.errorKind = errorKind;
    event.errorMessage = message;
    return { durationMs, verdict: 'failed', event: withDialPolicy(event) };
  };
  if (!node.online && !node.gone) return fail(rtt, 'connection_refused', `dial ${node.record.ip}:${node.record.tcpPort}: connection refused`);
  if (!node.online || node.reach === 'unreachable') {
    return fail(DEFAULT_PROBE_TIMEOUTS.connectMs, 'timeout', `dial ${node.record.ip}:${node.record.tcpPort}: no reply within ${DEFAULT_PROBE_TIMEOUTS.connectMs} ms`);
  }
  // TCP connect (1 RTT), RLPx auth→ack (1 RTT + ECIES work), HELLO both ways (1 RTT).
  const handshakeMs = rtt + 3;
  const helloAt = rtt + handshakeMs + rtt;
  event.connectMs = rtt;
  event.handshakeMs = handshakeMs;
  event.publicKey = node.pubHex;
  event.hello = node.hello;
  if (node.reach === 'full') {
    const durationMs = helloAt + 1;
    event.endedAt = now + durationMs;
    event.outcome = 'hello';
    event.disconnects = [{ direction: 'received', reason: 'too_many_peers', at: now + durationMs }];
    event.rtt = rttInfo(rtt, handshakeMs, null);
    return { durationMs, verdict: 'too_many_peers', event: withDialPolicy(event) };
  }
  const status = pop.status(node, now);
  // STATUS one RTT after HELLO, then 8 p2p PINGs ≥ 100 ms apart (src/crawler/ping-samples.ts).
  const statusMs = status ? rtt + 2 : null;
  const durationMs = helloAt + (statusMs ?? 0) + 8 * Math.max(100, rtt);
  event.endedAt = now + durationMs;
  event.outcome = status ? 'status' : 'hello';
  event.status = status;
  event.disconnects = [{ direction: 'sent', reason: 'client_quitting', at: now + durationMs }];
  event.rtt = rttInfo(rtt, handshakeMs, statusMs);
  return { durationMs, verdict: 'hello', event: withDialPolicy(event) };
}

function rttInfo(rtt: number, handshakeMs: number, statusMs: number | null): FullDialEvent['rtt'] {
  return {
    srttMs: rtt,
    minMs: rtt,
    samples: 8,
    rttMs: rtt,
    rttSource: 'p2p_ping',
    tcpConnectMs: rtt,
    discPingMs: null,
    handshakeMs,
    statusMs,
  };
}
