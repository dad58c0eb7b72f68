/**
 * serve's CPU budget (src/serve/cpu-budget.ts) on a manual clock, CPU meter and timer: spending
 * beyond the credit makes the next request wait exactly until the credit is back, admitted work goes
 * before new requests, the queue and the wait are bounded (busy), and over a crowd the CPU spent per
 * unit of time converges to the share.
 */
import { describe, expect, it } from 'vitest';
import { CpuBudget } from '../../src/serve/cpu-budget.js';
import { HttpError } from '../../src/serve/errors.js';

function manual(opts: { share: number; burstMs?: number; maxQueue?: number; maxWaitMs?: number }) {
  let clock = 0;
  let cpu = 0;
  let seq = 0;
  const tasks: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  const budget = new CpuBudget({
    share: opts.share,
    burstMs: opts.burstMs ?? 100,
    maxQueue: opts.maxQueue ?? 10,
    maxWaitMs: opts.maxWaitMs ?? 60_000,
    now: () => clock,
    cpuMs: () => cpu,
    wake: (fn, ms) => {
      const task = { at: clock + Math.max(0, ms), seq: seq++, fn, live: true };
      tasks.push(task);
      return () => (task.live = false);
    },
  });
  const settle = () => new Promise((r) => setImmediate(r));
  /** Run every timer due up to `to` in order, letting promise callbacks run after each. */
  async function advance(to: number): Promise<void> {
    for (;;) {
      const due = tasks.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.live = false;
      clock = Math.max(clock, due.at);
      due.fn();
      await settle();
    }
    clock = to;
    await settle();
  }
  /** Run one timer due now (one turn of the event loop). */
  async function step(): Promise<void> {
    const due = tasks.filter((t) => t.live && t.at <= clock).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (due) {
      due.live = false;
      due.fn();
    }
    await settle();
  }
  return { budget, advance, step, spend: (ms: number) => (cpu += ms), now: () => clock, settle };
}

function track(p: Promise<void>): { state: () => 'waiting' | 'admitted' | 'refused'; error: () => unknown } {
  let state: 'waiting' | 'admitted' | 'refused' = 'waiting';
  let error: unknown;
  p.then(
    () => (state = 'admitted'),
    (e: unknown) => ((state = 'refused'), (error = e)),
  );
  return { state: () => state, error: () => error };
}

describe('CpuBudget', () => {
  it('admits while there is credit; after spending beyond it, the next waits until share × time has paid it back', async () => {
    const m = manual({ share: 0.5, burstMs: 100 });
    await m.budget.admit();
    m.spend(300); // the admitted request cost 300 ms: 200 ms of debt past the 100 ms burst
    const next = track(m.budget.admit());
    await m.advance(0);
    expect(next.state()).toBe('waiting');
    expect(m.budget.balance()).toBe(-200);
    await m.advance(399);
    expect(next.state()).toBe('waiting');
    await m.advance(400); // 200 ms of debt at half a core: 400 ms
    expect(next.state()).toBe('admitted');
    expect(m.budget.stats).toMatchObject({ immediate: 1, waited: 1, refused: 0, processMs: 300 });
  });

  it('database time charged counts like the process\'s own, and the credit never exceeds the burst', async () => {
    const m = manual({ share: 0.25, burstMs: 50 });
    await m.advance(10_000);
    expect(m.budget.balance()).toBe(50);
    m.budget.charge(150);
    m.budget.charge(-5); // nonsense readings are ignored
    m.budget.charge(Number.NaN);
    expect(m.budget.balance()).toBe(-100);
    expect(m.budget.stats.databaseMs).toBe(150);
    const next = track(m.budget.admit());
    await m.advance(10_399);
    expect(next.state()).toBe('waiting');
    await m.advance(10_400);
    expect(next.state()).toBe('admitted');
  });

  it('admits one per turn, admitted work before new requests; new requests past maxQueue are refused busy, work never', async () => {
    const m = manual({ share: 1, maxQueue: 2 });
    await m.budget.admit();
    const order: string[] = [];
    const ask = (name: string, priority: 'new' | 'work') => track(m.budget.admit(priority).then(() => void order.push(name)));
    const a = ask('a', 'new');
    ask('b', 'new');
    const c = ask('c', 'new');
    ask('w', 'work');
    ask('w2', 'work');
    ask('w3', 'work');
    await m.settle();
    expect(c.state()).toBe('refused');
    expect(c.error()).toBeInstanceOf(HttpError);
    expect((c.error() as HttpError).code).toBe('busy');
    expect(m.budget.waiting).toBe(5);
    // One per turn: work first, in order.
    await m.step();
    expect(order).toEqual(['w']);
    await m.step();
    expect(order).toEqual(['w', 'w2']);
    await m.advance(m.now());
    expect(order).toEqual(['w', 'w2', 'w3', 'a', 'b']);
    expect(a.state()).toBe('admitted');
    expect(m.budget.stats.refused).toBe(1);
  });

  it('a new request that waits longer than maxWaitMs is refused busy and leaves the queue; admitted work never is', async () => {
    const m = manual({ share: 0.1, burstMs: 10, maxWaitMs: 1000 });
    await m.budget.admit();
    m.spend(1010); // 1 000 ms of debt: 10 s at a tenth of a core
    const late = track(m.budget.admit());
    const work = track(m.budget.admit('work'));
    await m.advance(999);
    expect(late.state()).toBe('waiting');
    await m.advance(1000);
    expect(late.state()).toBe('refused');
    expect((late.error() as HttpError).code).toBe('busy');
    // Admitted work waits out the debt however long: 10 s at a tenth of a core.
    expect(work.state()).toBe('waiting');
    expect(m.budget.waiting).toBe(1);
    await m.advance(10_000);
    expect(work.state()).toBe('admitted');
  });

  it('under a closed-loop crowd the CPU spent converges to the share', async () => {
    const m = manual({ share: 0.25, burstMs: 100, maxQueue: 1000 });
    let served = 0;
    // 200 clients, each request costs 4 ms of CPU once admitted; each client asks again at once.
    const client = async (): Promise<void> => {
      while (m.now() < 20_000) {
        await m.budget.admit();
        m.spend(4);
        served++;
      }
    };
    const clients = Array.from({ length: 200 }, client);
    for (let t = 0; t <= 20_000; t += 50) await m.advance(t);
    const spent = served * 4;
    // 20 s at a quarter core = 5 000 ms, plus the initial burst and one turn's overshoot.
    expect(spent).toBeGreaterThan(4_800);
    expect(spent).toBeLessThanOrEqual(5_000 + 100 + 4);
    await m.advance(40_000);
    await Promise.all(clients);
  });

  it('close() refuses every waiter, admitted work included, cancels its timer, and refuses later requests', async () => {
    const m = manual({ share: 0.1, burstMs: 10 });
    await m.budget.admit();
    m.spend(10_000); // deep debt: work would wait 100 s
    const work = track(m.budget.admit('work'));
    const fresh = track(m.budget.admit('new'));
    await m.advance(1000);
    expect([work.state(), fresh.state()]).toEqual(['waiting', 'waiting']);
    m.budget.close();
    await m.settle();
    expect([work.state(), fresh.state()]).toEqual(['refused', 'refused']);
    expect((work.error() as HttpError).code).toBe('busy');
    expect(m.budget.waiting).toBe(0);
    const late = track(m.budget.admit('work'));
    await m.settle();
    expect(late.state()).toBe('refused');
    await m.advance(1_000_000); // no timer left to admit anyone
    expect(m.budget.stats.waited).toBe(0);
  });

  it('refuses a share or burst that is not positive', () => {
    const base = { burstMs: 100, maxQueue: 1, maxWaitMs: 1, now: () => 0, cpuMs: () => 0, wake: () => () => {} };
    expect(() => new CpuBudget({ ...base, share: 0 })).toThrow(RangeError);
    expect(() => new CpuBudget({ ...base, share: Number.NaN })).toThrow(RangeError);
    expect(() => new CpuBudget({ ...base, share: 1, burstMs: 0 })).toThrow(RangeError);
  });
});
