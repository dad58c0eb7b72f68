/**
 * Deterministic simulations of the dial scheduler on the ManualClock: the 30-minute static rhythm,
 * the 16-dial cap, one socket budget shared by three instances, 24 h expiry, restart seeding,
 * multi-host claims, and no double dial under random churn.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, type TimerHandle } from '../../src/net/clock.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import {
  CLAIM_RETRY_MS,
  CLAIM_TIMEOUT_MS,
  DialScheduler,
  EXPIRE_AFTER_MS,
  MAX_DIALS,
  REDIAL_INTERVAL_MS,
  type ClaimFn,
  type DialFn,
  type DialSchedulerOptions,
  type ScheduledDialKind,
} from '../../src/crawler/scheduler.js';
import { SocketBudget } from '../../src/crawler/socket-budget.js';
import type { DialVerdict } from '../../src/events.js';
import { flush, hex, makeNode, prng, randomBytesFrom, runFor } from '../discv4/table-helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

let nodeCounter = 0;
function node(rand: () => number): NodeRecord {
  nodeCounter++;
  return makeNode(randomBytesFrom(rand, 32), `10.${(nodeCounter >> 8) & 255}.${nodeCounter & 255}.1`, 30303, rand);
}

type Behaviour = DialVerdict | 'hang';

/** Dial log and concurrency checks shared by every instance of a simulation. */
class FakeNet {
  readonly log: { instance: number; id: string; kind: ScheduledDialKind; at: number }[] = [];
  private readonly active = new Set<string>();
  total = 0;
  maxTotal = 0;
  doubleDials = 0;
  readonly signals: AbortSignal[] = [];
  private readonly perInstance = new Map<number, { dynamic: number; static: number; maxDynamic: number }>();

  constructor(
    readonly clock: ManualClock,
    private readonly behaviour: (id: string, nth: number, kind: ScheduledDialKind) => Behaviour,
    private readonly duration: (id: string) => number = () => 1000,
  ) {}

  dialsOf(id: string): number {
    return this.log.filter((l) => l.id === id).length;
  }

  maxDynamic(instance: number): number {
    return this.perInstance.get(instance)?.maxDynamic ?? 0;
  }

  dialer(instance: number): DialFn {
    return (n, kind, signal) => {
      const id = hex(n.id);
      // Different instances are different identities and may dial one node at once; one may not.
      const key = `${instance}:${id}`;
      if (this.active.has(key)) this.doubleDials++;
      this.active.add(key);
      this.total++;
      this.maxTotal = Math.max(this.maxTotal, this.total);
      const inst = this.perInstance.get(instance) ?? { dynamic: 0, static: 0, maxDynamic: 0 };
      this.perInstance.set(instance, inst);
      inst[kind]++;
      inst.maxDynamic = Math.max(inst.maxDynamic, inst.dynamic);
      const nth = this.dialsOf(id);
      this.log.push({ instance, id, kind, at: this.clock.now() });
      this.signals.push(signal);
      const b = this.behaviour(id, nth, kind);
      return new Promise<DialVerdict>((resolve, reject) => {
        let over = false;
        let timer: TimerHandle | undefined;
        const finish = () => {
          if (over) return false;
          over = true;
          this.active.delete(key);
          this.total--;
          inst[kind]--;
          return true;
        };
        signal.addEventListener('abort', () => {
          if (timer) this.clock.clearTimer(timer);
          if (finish()) reject(signal.reason);
        });
        if (b === 'hang') return;
        timer = this.clock.setTimer(this.duration(id), () => {
          if (finish()) resolve(b);
        });
      });
    };
  }
}

function scheduler(net: FakeNet, budget: SocketBudget, extra: Partial<DialSchedulerOptions> = {}, instance = 0) {
  return new DialScheduler({ clock: net.clock, dial: net.dialer(instance), budget, ...extra });
}

describe('SocketBudget', () => {
  it('counts slots, refuses over-release, and wakes waiters in order', async () => {
    const b = new SocketBudget(2);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    const order: string[] = [];
    const pa = b.acquire().then(() => order.push('a'));
    const ac = new AbortController();
    const pb = b.acquire(ac.signal).catch(() => order.push('b aborted'));
    const pc = b.acquire().then(() => order.push('c'));
    ac.abort();
    await pb;
    b.release();
    b.release();
    await Promise.all([pa, pc]);
    expect(order).toEqual(['b aborted', 'a', 'c']);
    expect(b.inUse).toBe(2);
    b.release();
    b.release();
    expect(() => b.release()).toThrow(RangeError);
    expect(() => new SocketBudget(0)).toThrow(RangeError);
  });
});

describe('DialScheduler: static redials', () => {
  it('redials a node that completed HELLO every 30 minutes, from the start of its last dial', async () => {
    const rand = prng(1);
    const clock = new ManualClock();
    const hello = node(rand);
    const full = node(rand);
    const dead = node(rand);
    const flaky = node(rand);
    const net = new FakeNet(clock, (id, nth) => {
      if (id === hex(hello.id)) return 'hello';
      if (id === hex(full.id)) return 'too_many_peers';
      if (id === hex(flaky.id)) return nth === 0 ? 'hello' : 'failed';
      return 'failed';
    }, () => 2000);
    const s = scheduler(net, new SocketBudget(100));
    s.start();
    const t0 = clock.now();
    for (const n of [hello, full, dead, flaky]) expect(s.learn(n)).toBe(true);
    expect(s.learn(hello)).toBe(false);
    await runFor(clock, 6 * HOUR + 10_000, 10_000);
    const times = (n: NodeRecord) => net.log.filter((l) => l.id === hex(n.id)).map((l) => (l.at - t0) / MIN);
    const expected = Array.from({ length: 13 }, (_, i) => i * 30);
    expect(times(hello)).toEqual(expected);
    expect(times(full)).toEqual(expected);
    expect(times(flaky)).toEqual(expected); // failures do not stop redials (expiry does)
    expect(times(dead)).toEqual([0]); // never reached: not static
    expect(net.log.filter((l) => l.id === hex(hello.id)).map((l) => l.kind)).toEqual(['dynamic', ...Array(12).fill('static')]);
    expect(s.state(flaky.id)!.consecutiveFailures).toBe(12);
    expect(s.state(hello.id)).toMatchObject({ static: true, consecutiveFailures: 0, nextDial: t0 + 13 * 30 * MIN });
    expect(s.state(dead.id)!.static).toBe(false);
    const st = s.stats();
    expect(st.static).toBe(3);
    expect(st.joinedStatic).toBe(3);
    expect(st.dialed).toEqual({ dynamic: 4, static: 36 });
    expect(st.succeeded.static + st.failed.static).toBe(36);
    await s.stop();
    expect(clock.pending).toBe(0);
  });

  it('joins the static set on an inbound HELLO and redials one interval later', async () => {
    const rand = prng(2);
    const clock = new ManualClock();
    const n = node(rand);
    const net = new FakeNet(clock, () => 'hello');
    const s = scheduler(net, new SocketBudget(10));
    s.start();
    const t0 = clock.now();
    s.recordInbound(n, 'hello');
    await runFor(clock, HOUR, 10_000);
    expect(net.log.map((l) => [(l.at - t0) / MIN, l.kind])).toEqual([
      [30, 'static'],
      [60, 'static'],
    ]);
    expect(s.learn(n)).toBe(false); // known: no dynamic dial
    await s.stop();
  });
});

describe('DialScheduler: caps', () => {
  it('keeps at most maxDials (16) dynamic dials in flight and dials every new node once', async () => {
    const rand = prng(3);
    const clock = new ManualClock();
    const net = new FakeNet(clock, () => 'failed', () => 10_000);
    const s = scheduler(net, new SocketBudget(1000));
    s.start();
    const nodes = Array.from({ length: 100 }, () => node(rand));
    for (const n of nodes) s.learn(n);
    expect(s.stats()).toMatchObject({ queued: 100 - MAX_DIALS, inFlight: { dynamic: MAX_DIALS, static: 0, total: MAX_DIALS } });
    await runFor(clock, 10 * MIN, 1000);
    expect(net.maxDynamic(0)).toBe(MAX_DIALS);
    for (const n of nodes) expect(net.dialsOf(hex(n.id))).toBe(1);
    expect(s.stats()).toMatchObject({ queued: 0, inFlight: { total: 0 }, dialed: { dynamic: 100, static: 0 }, failed: { dynamic: 100 } });
    await s.stop();
  });

  it('honours a smaller maxDials, and static dials are outside that cap', async () => {
    const rand = prng(4);
    const clock = new ManualClock();
    const net = new FakeNet(clock, () => 'hello', () => 10_000);
    const s = scheduler(net, new SocketBudget(1000), { maxDials: 4 });
    const statics = Array.from({ length: 40 }, () => node(rand));
    s.seed(statics.map((n) => ({ node: n, lastDial: null, lastSeen: clock.now() })));
    for (let i = 0; i < 30; i++) s.learn(node(rand));
    s.start();
    expect(s.stats().inFlight).toEqual({ dynamic: 4, static: 40, total: 44 });
    await runFor(clock, 5 * MIN, 1000);
    expect(net.maxDynamic(0)).toBe(4);
    expect(s.stats().dialed).toEqual({ dynamic: 30, static: 40 });
    await s.stop();
  });

  it('shares one socket budget across 3 instances: never above it, all served, fairly', async () => {
    const clock = new ManualClock();
    const rand = prng(5);
    const durations = new Map<string, number>();
    const net = new FakeNet(
      clock,
      () => 'hello',
      (id) => {
        if (!durations.has(id)) durations.set(id, 1000 + Math.floor(rand() * 19_000));
        return durations.get(id)!;
      },
    );
    const budget = new SocketBudget(10);
    const instances = [0, 1, 2].map((i) => scheduler(net, budget, {}, i));
    const all: NodeRecord[][] = [];
    for (const s of instances) {
      const statics = Array.from({ length: 30 }, () => node(rand));
      const dynamics = Array.from({ length: 30 }, () => node(rand));
      s.seed(statics.map((n) => ({ node: n, lastDial: null, lastSeen: clock.now() })));
      for (const n of dynamics) s.learn(n);
      all.push([...statics, ...dynamics]);
    }
    for (const s of instances) s.start();
    expect(budget.inUse).toBe(10);
    let maxInUse = 0;
    for (let t = 0; t < 25 * MIN; t += 500) {
      clock.advance(500);
      await flush();
      maxInUse = Math.max(maxInUse, budget.inUse);
      expect(budget.inUse).toBe(instances.reduce((a, s) => a + s.stats().inFlight.total, 0));
    }
    expect(net.maxTotal).toBe(10);
    expect(maxInUse).toBeLessThanOrEqual(10);
    // Everyone was dialed exactly once before the first redial round.
    for (const nodes of all) for (const n of nodes) expect(net.dialsOf(hex(n.id))).toBe(1);
    expect(budget.inUse).toBe(0);
    // FIFO wake-ups: no instance starves while the budget is saturated.
    const first60 = net.log.slice(0, 60).map((l) => l.instance);
    for (const i of [0, 1, 2]) expect(first60.filter((x) => x === i).length).toBeGreaterThanOrEqual(15);
    for (const s of instances) await s.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('DialScheduler: expiry', () => {
  it('expires a static node 24 h after it was last seen, and keeps one that discovery keeps seeing', async () => {
    const rand = prng(6);
    const clock = new ManualClock();
    const gone = node(rand);
    const kept = node(rand);
    const once = node(rand);
    const net = new FakeNet(clock, (id, nth) => (nth === 0 && id !== hex(once.id) ? 'hello' : 'failed'), () => 1000);
    const expired: { id: string; at: number }[] = [];
    let reportedAt = 0;
    const s = scheduler(net, new SocketBudget(10), {
      onExpire: (n, at) => {
        expired.push({ id: hex(n.id), at });
        reportedAt = clock.now();
      },
    });
    s.start();
    for (const n of [gone, kept, once]) s.learn(n);
    await runFor(clock, 10_000, 1000);
    const lastSeen = s.state(gone.id)!.lastSeen; // confirmed by the successful first dial
    for (let h = 0; h < 48; h++) {
      await runFor(clock, HOUR, 60_000);
      s.learn(kept); // discovery keeps seeing it
    }
    expect(expired).toEqual([{ id: hex(gone.id), at: lastSeen + EXPIRE_AFTER_MS }]);
    // Noticed on time (a redial was running at that moment: it is noticed when the dial ends).
    expect(reportedAt - (lastSeen + EXPIRE_AFTER_MS)).toBeLessThanOrEqual(60_000);
    expect(s.state(gone.id)).toBeUndefined();
    const goneDials = net.log.filter((l) => l.id === hex(gone.id));
    expect(goneDials.at(-1)!.at).toBeLessThan(lastSeen + EXPIRE_AFTER_MS);
    expect(goneDials).toHaveLength(1 + Math.floor((EXPIRE_AFTER_MS + lastSeen - goneDials[0]!.at - 1) / REDIAL_INTERVAL_MS));
    expect(s.state(kept.id)!.static).toBe(true);
    expect(net.dialsOf(hex(kept.id))).toBeGreaterThanOrEqual(96);
    // A node that never answered is forgotten quietly, and is new again when learned later.
    expect(s.state(once.id)).toBeUndefined();
    expect(s.stats()).toMatchObject({ expired: 1, forgotten: 1, static: 1 });
    expect(s.learn(once)).toBe(true);
    await s.stop();
  });
});

describe('DialScheduler: restart', () => {
  it('seeded static nodes keep their 30-minute rhythm; stale ones expire at once', async () => {
    const rand = prng(7);
    const clock = new ManualClock();
    const T = clock.now();
    const [recent, never, overdue, stale] = [node(rand), node(rand), node(rand), node(rand)];
    const net = new FakeNet(clock, () => 'hello', () => 1000);
    const expired: string[] = [];
    const s = scheduler(net, new SocketBudget(10), { onExpire: (n) => expired.push(hex(n.id)) });
    s.seed([
      { node: recent, lastDial: T - 20 * MIN, lastSeen: T - HOUR },
      { node: never, lastDial: null, lastSeen: T - HOUR },
      { node: overdue, lastDial: T - 2 * HOUR, lastSeen: T - HOUR, consecutiveFailures: 3 },
      { node: stale, lastDial: T - 2 * HOUR, lastSeen: T - 25 * HOUR },
    ]);
    expect(s.learn(recent)).toBe(false); // known from the seed: no dynamic dial
    s.start();
    await runFor(clock, HOUR + MIN, 10_000);
    const times = (n: NodeRecord) => net.log.filter((l) => l.id === hex(n.id)).map((l) => (l.at - T) / MIN);
    expect(times(recent)).toEqual([10, 40]);
    expect(times(never)).toEqual([0, 30, 60]);
    expect(times(overdue)).toEqual([0, 30, 60]);
    expect(times(stale)).toEqual([]);
    expect(expired).toEqual([hex(stale.id)]);
    expect(net.log.every((l) => l.kind === 'static')).toBe(true);
    expect(s.state(overdue.id)!.consecutiveFailures).toBe(0);
    expect(s.staticNodes().map((d) => hex(d.node.id)).sort()).toEqual([recent, never, overdue].map((n) => hex(n.id)).sort());
    await s.stop();
  });
});

describe('DialScheduler: multi-host claims', () => {
  it('dials only what claim() grants; the rest comes due again one interval later', async () => {
    const rand = prng(8);
    const clock = new ManualClock();
    const T = clock.now();
    const nodes = Array.from({ length: 10 }, () => node(rand));
    const even = new Set(nodes.filter((_, i) => i % 2 === 0).map((n) => hex(n.id)));
    const net = new FakeNet(clock, () => 'hello', () => 1000);
    const batches: { at: number; ids: string[] }[] = [];
    const claim: ClaimFn = async (due) => {
      batches.push({ at: clock.now(), ids: due.map((n) => hex(n.id)) });
      return due.filter((n) => even.has(hex(n.id)));
    };
    const s = scheduler(net, new SocketBudget(100), { claim });
    s.seed(nodes.map((n) => ({ node: n, lastDial: null, lastSeen: T })));
    s.start();
    await flush(); // let the first claim answer arrive before simulated time moves
    await runFor(clock, 65 * MIN, 10_000);
    expect(batches.map((b) => [(b.at - T) / MIN, b.ids.length])).toEqual([
      [0, 10],
      [30, 10],
      [60, 10],
    ]);
    for (const n of nodes) expect(net.dialsOf(hex(n.id))).toBe(even.has(hex(n.id)) ? 3 : 0);
    expect(s.stats().claimDenied).toBe(15);
    await s.stop();
  });

  it('retries after a failed or hung claim, and never dials a node while it is being claimed', async () => {
    const rand = prng(9);
    const clock = new ManualClock();
    const T = clock.now();
    const n = node(rand);
    const net = new FakeNet(clock, () => 'hello', () => 1000);
    const calls: number[] = [];
    const claim: ClaimFn = (due, signal) => {
      calls.push(clock.now() - T);
      if (calls.length === 1) return Promise.reject(new Error('database down'));
      if (calls.length === 2) return new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return Promise.resolve(due);
    };
    const s = scheduler(net, new SocketBudget(10), { claim });
    s.seed([{ node: n, lastDial: null, lastSeen: T }]);
    s.start();
    await flush();
    expect(s.stats().claimErrors).toBe(1);
    await runFor(clock, CLAIM_RETRY_MS, 1000);
    expect(s.stats().claiming).toBe(1); // second claim hangs
    expect(s.learn(n)).toBe(false);
    expect(net.log).toHaveLength(0);
    await runFor(clock, CLAIM_TIMEOUT_MS + CLAIM_RETRY_MS, 1000);
    expect(calls).toEqual([0, CLAIM_RETRY_MS, CLAIM_RETRY_MS + CLAIM_TIMEOUT_MS + CLAIM_RETRY_MS]);
    expect(net.log.map((l) => l.at - T)).toEqual([2 * CLAIM_RETRY_MS + CLAIM_TIMEOUT_MS]);
    expect(s.stats().claimErrors).toBe(2);
    await s.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('DialScheduler: no double dial, stop()', () => {
  it('never dials a node twice at once under random churn (6 simulated hours)', async () => {
    // Short redial intervals (20 s is shorter than many dials) make static due times collide with
    // dials in flight, inbound HELLOs, claims and discovery all the time.
    for (const [seed, redialIntervalMs] of [
      [10, 10 * MIN],
      [11, 20_000],
    ] as const) {
      const rand = prng(seed);
      const clock = new ManualClock();
      const pool = Array.from({ length: 150 }, () => node(rand));
      const outcomes: Behaviour[] = ['hello', 'too_many_peers', 'failed', 'failed'];
      const net = new FakeNet(
        clock,
        () => (rand() < 0.01 ? 'hang' : outcomes[Math.floor(rand() * outcomes.length)]!),
        () => 500 + Math.floor(rand() * 90_000), // some exceed the dial deadline
      );
      const budget = new SocketBudget(12);
      const claim: ClaimFn = (due, signal) =>
        new Promise((resolve, reject) => {
          const t = clock.setTimer(Math.floor(rand() * 5000), () => resolve(due.filter(() => rand() < 0.8)));
          signal.addEventListener('abort', () => {
            clock.clearTimer(t);
            reject(signal.reason);
          });
        });
      const instances = [0, 1].map((i) =>
        scheduler(net, budget, { claim, redialIntervalMs, expireAfterMs: 2 * HOUR, maxDials: 5 }, i),
      );
      for (const s of instances) s.start();
      let maxInUse = 0;
      for (let t = 0; t < 6 * HOUR; t += 5000) {
        for (const s of instances) {
          const r = rand();
          const n = pool[Math.floor(rand() * pool.length)]!;
          if (r < 0.5) s.learn(n);
          else if (r < 0.55) s.recordInbound(n, rand() < 0.5 ? 'hello' : 'failed');
        }
        clock.advance(5000);
        await flush();
        maxInUse = Math.max(maxInUse, budget.inUse);
      }
      expect(maxInUse).toBe(budget.capacity);
      expect(net.doubleDials).toBe(0);
      expect(net.maxTotal).toBeLessThanOrEqual(12);
      for (const s of instances) {
        const st = s.stats();
        expect(st.dialed.dynamic + st.dialed.static).toBe(st.succeeded.dynamic + st.succeeded.static + st.failed.dynamic + st.failed.static + st.inFlight.total);
        expect(st.inFlight.dynamic).toBeLessThanOrEqual(5);
      }
      for (const s of instances) await s.stop();
      expect(budget.inUse).toBe(0);
      expect(clock.pending).toBe(0);
      expect(net.log.filter((l) => l.kind === 'static').length).toBeGreaterThan(300);
    }
  });

  it('a node that turns static while its dial is in flight waits for that dial to end', async () => {
    const rand = prng(14);
    const clock = new ManualClock();
    const a = node(rand);
    const b = node(rand);
    const net = new FakeNet(clock, () => 'hello', () => 50_000);
    const s = scheduler(net, new SocketBudget(10), { redialIntervalMs: 10_000 });
    s.start();
    s.learn(a);
    s.learn(b);
    await runFor(clock, 1000, 1000);
    s.recordInbound(a, 'hello'); // static, due in 10 s, while the dynamic dial runs 50 s
    s.seed([{ node: b, lastDial: null, lastSeen: clock.now() }]); // static, due now
    await runFor(clock, 120_000, 1000);
    expect(net.doubleDials).toBe(0);
    for (const n of [a, b]) {
      const starts = net.log.filter((l) => l.id === hex(n.id)).map((l) => l.at);
      expect(starts.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(50_000);
    }
    await s.stop();
  });

  it('stop() aborts dials in flight without counting failures, and returns every socket', async () => {
    const rand = prng(13);
    const clock = new ManualClock();
    const net = new FakeNet(clock, () => 'hang');
    const budget = new SocketBudget(8);
    const s = scheduler(net, budget);
    s.start();
    for (let i = 0; i < 20; i++) s.learn(node(rand));
    expect(budget.inUse).toBe(8);
    await s.stop();
    expect(net.signals.every((sig) => sig.aborted)).toBe(true);
    expect(budget.inUse).toBe(0);
    expect(s.stats()).toMatchObject({ aborted: 8, failed: { dynamic: 0, static: 0 }, inFlight: { total: 0 } });
    expect(clock.pending).toBe(0);
  });
});
