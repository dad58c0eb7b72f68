import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/net/clock.js';
import { NodeFinderError } from '../../src/errors.js';
import { RequestAbortedError, RequestTimeoutError } from '../../src/net/request.js';
import { RTO_INITIAL_MS, RTO_MAX_MS, RttEstimator } from '../../src/crawler/rtt.js';
import { timeRequest } from '../../src/net/request.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('RttEstimator (RFC 6298)', () => {
  it('follows §2.2/§2.3 on a known sequence', () => {
    const e = new RttEstimator();
    e.addSample(100);
    expect(e.srttMs).toBe(100);
    expect(e.rttvarMs).toBe(50);
    e.addSample(200);
    // RTTVAR uses the old SRTT: 0.75·50 + 0.25·|100 − 200| = 62.5; SRTT = 0.875·100 + 0.125·200
    expect(e.rttvarMs).toBe(62.5);
    expect(e.srttMs).toBe(112.5);
    e.addSample(100);
    expect(e.rttvarMs).toBe(50); // 0.75·62.5 + 0.25·12.5
    expect(e.srttMs).toBe(110.9375);
    expect(e.minMs).toBe(100);
    expect(e.samples).toBe(3);
    expect(e.rto({ minMs: 0 })).toBe(110.9375 + 4 * 50);
    expect(e.rto()).toBe(1000); // §2.4 floor
    expect(e.snapshot()).toEqual({ srttMs: 110.9375, rttvarMs: 50, minMs: 100, maxMs: 200, lastMs: 100, samples: 3 });
  });

  it('starts at the initial RTO and clamps to the maximum', () => {
    const e = new RttEstimator();
    expect(e.srttMs).toBeNull();
    expect(e.minMs).toBeNull();
    expect(e.snapshot()).toBeNull();
    expect(e.rto()).toBe(RTO_INITIAL_MS);
    e.addSample(100_000);
    expect(e.rto()).toBe(RTO_MAX_MS);
  });

  it('a constant RTT keeps SRTT exact and decays RTTVAR by 3/4 per sample', () => {
    const e = new RttEstimator();
    e.addSample(40);
    for (let i = 1; i <= 10; i++) {
      e.addSample(40);
      expect(e.srttMs).toBe(40);
      expect(e.rttvarMs).toBeCloseTo(20 * 0.75 ** i, 12);
    }
  });

  it('a step change converges geometrically with gain 1/8', () => {
    const e = new RttEstimator();
    e.addSample(0);
    for (let i = 1; i <= 20; i++) {
      e.addSample(800);
      expect(e.srttMs).toBeCloseTo(800 * (1 - (7 / 8) ** i), 9);
    }
  });

  it('rejects negative and non-finite samples without changing state', () => {
    const e = new RttEstimator();
    e.addSample(10);
    expect(e.addSample(-1)).toBe(false);
    expect(e.addSample(Number.NaN)).toBe(false);
    expect(e.addSample(Infinity)).toBe(false);
    expect(e.rejected).toBe(3);
    expect(e.samples).toBe(1);
    expect(e.srttMs).toBe(10);
  });

  it('SRTT stays within [min, max] of the samples, RTTVAR ≥ 0 (random sequences)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let run = 0; run < 40; run++) {
      const e = new RttEstimator();
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < 50; i++) {
        const r = Math.floor(rand() * 5000);
        e.addSample(r);
        lo = Math.min(lo, r);
        hi = Math.max(hi, r);
        expect(e.srttMs!).toBeGreaterThanOrEqual(lo - 1e-9);
        expect(e.srttMs!).toBeLessThanOrEqual(hi + 1e-9);
        expect(e.rttvarMs!).toBeGreaterThanOrEqual(0);
        expect(e.minMs).toBe(lo);
      }
    }
  });
});

describe('timeRequest', () => {
  it('measures the round trip on the injected clock', async () => {
    const clock = new ManualClock();
    const p = timeRequest(clock, () => new Promise<string>((r) => clock.setTimer(250, () => r('pong'))), { timeoutMs: 1000 });
    clock.advance(250);
    const res = await p;
    expect(res.value).toBe('pong');
    expect(res.rttMs).toBe(250);
    expect(res.endedAt - res.startedAt).toBe(250);
    expect(clock.pending).toBe(0);
  });

  it('times out with a typed error and aborts the request signal', async () => {
    const clock = new ManualClock();
    let inner: AbortSignal | undefined;
    const p = timeRequest(
      clock,
      (signal) => {
        inner = signal;
        return new Promise<never>(() => {});
      },
      { timeoutMs: 500, what: 'ping' },
    );
    const caught = p.catch((e: unknown) => e);
    clock.advance(499);
    await flush();
    expect(inner!.aborted).toBe(false);
    clock.advance(1);
    const err = await caught;
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect((err as NodeFinderError).kind).toBe('timeout');
    expect(inner!.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('follows the caller signal, and ignores a late answer', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    let answer!: (v: number) => void;
    const p = timeRequest(clock, () => new Promise<number>((r) => (answer = r)), { timeoutMs: 1000, signal: ac.signal });
    const caught = p.catch((e: unknown) => e);
    ac.abort();
    answer(1);
    const err = await caught;
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect((err as NodeFinderError).kind).toBe('aborted');
    expect(clock.pending).toBe(0);
  });

  it('does not start when already aborted, and types synchronous throws', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    ac.abort();
    let called = false;
    await expect(
      timeRequest(clock, async () => void (called = true), { timeoutMs: 10, signal: ac.signal }),
    ).rejects.toBeInstanceOf(RequestAbortedError);
    expect(called).toBe(false);
    const err = await timeRequest(
      clock,
      () => {
        throw new TypeError('boom');
      },
      { timeoutMs: 10 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeFinderError);
    expect(clock.pending).toBe(0);
  });
});
