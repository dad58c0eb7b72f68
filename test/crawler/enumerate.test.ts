/**
 * Routing-table enumeration policy on the ManualClock: per-node and per-/24 limits, the stop rules,
 * re-enumeration, and (politeness) a simulated crawl of many nodes sharing subnets that never
 * exceeds the limits in any window.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/net/clock.js';
import {
  DEFAULT_ENUMERATION_LIMITS,
  EnumerationPolicy,
  Enumerator,
  enumerationSubnet,
  type EnumerationAdapter,
  type EnumerationLimits,
  type StepOutcome,
} from '../../src/crawler/enumerate.js';
import { flush, prng, runFor } from '../discv4/table-helpers.js';

const limits = (over: Partial<EnumerationLimits> = {}): Partial<EnumerationLimits> => ({ exemptLan: false, ...over });

/** Take every request allowed now. */
function drain(p: EnumerationPolicy) {
  const out = [];
  for (let r = p.next(); r; r = p.next()) out.push(r);
  return out;
}

describe('EnumerationPolicy', () => {
  it('keeps one request per node in flight and at most maxInFlight in all', () => {
    const clock = new ManualClock();
    const p = new EnumerationPolicy(clock, limits({ maxInFlight: 3 }));
    for (let i = 0; i < 5; i++) p.offer(`n${i}`, `203.0.${i}.1`, 16);
    const first = drain(p);
    expect(first.map((r) => r.key)).toEqual(['n0', 'n1', 'n2']);
    p.done(first[0]!, { added: 1, complete: false });
    const second = drain(p);
    // n0 is free again but n3 waited longer in the queue; either way only one slot opened.
    expect(second).toHaveLength(1);
    expect(p.inFlight).toBe(3);
  });

  it('limits requests per node within the window, then lets them through when it slides', () => {
    const clock = new ManualClock();
    const p = new EnumerationPolicy(clock, limits({ perNodeRequests: 2, windowMs: 1_000, staleAfter: 100 }));
    p.offer('a', '198.51.100.7', 16);
    for (let i = 0; i < 2; i++) {
      const [r] = drain(p);
      expect(r).toEqual({ key: 'a', step: i });
      p.done(r!, { added: 1, complete: false });
      clock.advance(100);
    }
    expect(p.next()).toBeUndefined();
    expect(p.wakeAt()).toBe(clock.now() - 200 + 1_000);
    clock.advance(799);
    expect(p.next()).toBeUndefined();
    clock.advance(1);
    expect(p.next()).toEqual({ key: 'a', step: 2 });
  });

  it('limits requests per /24 across nodes, not across /24s; loopback is exempt when exemptLan', () => {
    const clock = new ManualClock();
    const p = new EnumerationPolicy(clock, limits({ perSubnetRequests: 3, windowMs: 10_000 }));
    for (let i = 1; i <= 5; i++) p.offer(`same${i}`, `198.51.100.${i}`, 16);
    p.offer('other', '203.0.113.1', 16);
    const got = drain(p).map((r) => r.key);
    expect(got).toEqual(['same1', 'same2', 'same3', 'other']);

    const lan = new EnumerationPolicy(clock, { perSubnetRequests: 1, exemptLan: true });
    for (let i = 0; i < 4; i++) lan.offer(`l${i}`, '127.0.0.1', 16);
    expect(drain(lan)).toHaveLength(4);
    expect(enumerationSubnet('127.0.0.1', true)).toBeNull();
    expect(enumerationSubnet('127.0.0.1', false)).toBe(enumerationSubnet('127.0.0.200', false));
    expect(enumerationSubnet('2001:db8:1:2::1', false)).toBe(enumerationSubnet('2001:db8:1:ffff::9', false));
    expect(enumerationSubnet('not an ip', false)).toBeNull();
  });

  it('stops a node whose answers add nothing, whose table is read, or that does not answer', () => {
    const clock = new ManualClock();
    const p = new EnumerationPolicy(clock, limits({ staleAfter: 2, maxFailures: 2 }));
    p.offer('stale', '198.51.100.1', 16);
    p.offer('read', '203.0.113.1', 16);
    p.offer('dead', '192.0.2.1', 16);
    p.offer('short', '10.0.0.1', 2);
    const answers: Record<string, StepOutcome | undefined> = {
      stale: { added: 0, complete: false },
      read: { added: 5, complete: false },
      dead: undefined,
      short: { added: 3, complete: false },
    };
    for (let round = 0; round < 3; round++) {
      for (const r of drain(p)) {
        const a = r.key === 'read' && round === 1 ? { added: 2, complete: true } : answers[r.key];
        p.done(r, a);
      }
    }
    expect(drain(p)).toEqual([]);
    expect(p.stats()).toMatchObject({ stale: 1, completed: 1, gaveUp: 1, exhausted: 1, requests: 2 + 2 + 2 + 2, waiting: 0 });
  });

  it('a useful answer resets the stale count; a node is enumerated again only after reEnumerateAfterMs', () => {
    const clock = new ManualClock();
    const p = new EnumerationPolicy(clock, limits({ staleAfter: 2, reEnumerateAfterMs: 60_000 }));
    p.offer('a', '198.51.100.1', 16);
    const seq = [0, 3, 0, 0];
    for (const added of seq) {
      const [r] = drain(p);
      p.done(r!, { added, complete: false });
    }
    expect(p.stats().requests).toBe(4);
    expect(p.isActive('a')).toBe(false);
    expect(p.offer('a', '198.51.100.1', 16)).toBe(false);
    clock.advance(59_999);
    expect(p.offer('a', '198.51.100.1', 16)).toBe(false);
    clock.advance(1);
    expect(p.offer('a', '198.51.100.1', 16)).toBe(true);
    expect(drain(p)).toEqual([{ key: 'a', step: 0 }]);
  });

  it('a node offered again on purpose (bootnodes while nothing is left) skips the interval', () => {
    const clock = new ManualClock();
    const p = new EnumerationPolicy(clock, limits({ maxFailures: 1 }));
    p.offer('boot', '198.51.100.1', 16);
    p.done(drain(p)[0]!, undefined);
    expect(p.offer('boot', '198.51.100.1', 16)).toBe(false);
    expect(p.offer('boot', '198.51.100.1', 16, true)).toBe(true);
    expect(drain(p)).toEqual([{ key: 'boot', step: 0 }]);
  });

  it('refuses nonsense limits', () => {
    expect(() => new EnumerationPolicy(new ManualClock(), { maxInFlight: 0 })).toThrow(RangeError);
    expect(() => new EnumerationPolicy(new ManualClock(), { perNodeRequests: 1.5 })).toThrow(RangeError);
  });
});

interface FakeNode {
  id: string;
  ip: string;
  /** Requests after which this node's answers stop adding anything. */
  useful: number;
}

describe('Enumerator (politeness): a simulated crawl on the ManualClock', () => {
  it('never sends more than perNodeRequests per node or perSubnetRequests per /24 in any window, and reads every node', async () => {
    const clock = new ManualClock();
    const rand = prng(7);
    const L: Partial<EnumerationLimits> = { maxInFlight: 20, perNodeRequests: 3, perSubnetRequests: 8, windowMs: 5_000, staleAfter: 3, exemptLan: false };
    const sent: { at: number; node: FakeNode }[] = [];
    const inFlightPerNode = new Map<string, number>();
    let maxPerNodeInFlight = 0;
    const adapter: EnumerationAdapter<FakeNode> = {
      steps: 16,
      key: (n) => n.id,
      ip: (n) => n.ip,
      request: (n, step) => {
        sent.push({ at: clock.now(), node: n });
        const f = (inFlightPerNode.get(n.id) ?? 0) + 1;
        inFlightPerNode.set(n.id, f);
        maxPerNodeInFlight = Math.max(maxPerNodeInFlight, f);
        return new Promise((resolve, reject) => {
          // Answers arrive 10–300 ms later; one node in ten never answers.
          clock.setTimer(10 + Math.floor(rand() * 290), () => {
            inFlightPerNode.set(n.id, inFlightPerNode.get(n.id)! - 1);
            if (n.id.endsWith('7')) reject(new Error('timeout'));
            else resolve({ added: step < n.useful ? 4 : 0, complete: step === 12 });
          });
        });
      },
    };
    const e = new Enumerator(clock, adapter, L);
    // 120 nodes in 6 /24s, many sharing one: the subnet limit binds.
    const nodes: FakeNode[] = Array.from({ length: 120 }, (_, i) => ({ id: `node${i}`, ip: `198.51.${100 + (i % 6 === 0 ? 0 : i % 6)}.${i}`, useful: Math.floor(rand() * 16) }));
    for (const n of nodes) e.offer(n);
    await runFor(clock, 10 * 60_000, 50);
    await flush();

    const windowMs = L.windowMs!;
    const countIn = (list: number[]) => {
      let worst = 0;
      for (let i = 0, j = 0; i < list.length; i++) {
        while (list[i]! - list[j]! >= windowMs) j++;
        worst = Math.max(worst, i - j + 1);
      }
      return worst;
    };
    const byNode = new Map<string, number[]>();
    const bySubnet = new Map<string, number[]>();
    for (const s of sent) {
      byNode.set(s.node.id, [...(byNode.get(s.node.id) ?? []), s.at]);
      const subnet = s.node.ip.split('.').slice(0, 3).join('.');
      bySubnet.set(subnet, [...(bySubnet.get(subnet) ?? []), s.at]);
    }
    expect(Math.max(...[...byNode.values()].map(countIn))).toBeLessThanOrEqual(L.perNodeRequests!);
    expect(Math.max(...[...bySubnet.values()].map(countIn))).toBeLessThanOrEqual(L.perSubnetRequests!);
    expect(maxPerNodeInFlight).toBe(1);
    // Everyone was asked; the busy /24 made it take many windows, not forever.
    expect(byNode.size).toBe(nodes.length);
    const s = e.stats();
    expect(s.waiting + s.inFlight).toBe(0);
    expect(s.completed + s.stale + s.exhausted + s.gaveUp).toBe(nodes.length);
    // Stop rule: a node is asked at most (useful + staleAfter) times, or until the table is read.
    for (const n of nodes) {
      const asked = byNode.get(n.id)!.length;
      if (n.id.endsWith('7')) expect(asked).toBe(DEFAULT_ENUMERATION_LIMITS.maxFailures);
      else expect(asked).toBeLessThanOrEqual(Math.min(n.useful + L.staleAfter!, 13));
    }
    await e.stop();
    expect(clock.pending).toBe(0);
  });
});
