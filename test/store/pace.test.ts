/**
 * Pacing (src/store/pace.ts): a pause between statements as long as the one before ran, on the
 * injected clock; none once the crawl stops. Pure: a scripted Queryable and a ManualClock.
 */
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/net/clock.js';
import type { Queryable, Row } from '../../src/store/database.js';
import { clockPauses, pacedQueryable } from '../../src/store/pace.js';

/** A Queryable whose statements take `ms` of wall time each and log what ran. */
function slowQueryable(ms: number, log: string[]): Queryable {
  const wait = () => new Promise((r) => setTimeout(r, ms));
  return {
    query: async <R extends Row = Row>(sql: string) => {
      await wait();
      log.push(sql);
      return [{ sql }] as unknown as R[];
    },
    exec: async (sql: string) => {
      await wait();
      log.push(sql);
    },
  };
}

describe('pacedQueryable', () => {
  it('pauses between statements as long as the one before ran, never after the last, and passes answers through', async () => {
    const log: string[] = [];
    const pauses: number[] = [];
    const tx = pacedQueryable(slowQueryable(20, log), async (ms) => {
      pauses.push(ms);
      log.push('pause');
    });
    expect(await tx.query('SELECT 1')).toEqual([{ sql: 'SELECT 1' }]);
    await tx.exec('SELECT 2');
    await tx.query('SELECT 3');
    expect(log).toEqual(['SELECT 1', 'pause', 'SELECT 2', 'pause', 'SELECT 3']);
    // setTimeout may fire a millisecond early; never much.
    for (const ms of pauses) expect(ms).toBeGreaterThanOrEqual(18);
  });

  it('is the Queryable itself without a pause or a listener', () => {
    const q = slowQueryable(0, []);
    expect(pacedQueryable(q, undefined)).toBe(q);
  });

  it('tells each statement its own time, the pause before it not included', async () => {
    const ran: number[] = [];
    const tx = pacedQueryable(slowQueryable(20, []), () => new Promise((r) => setTimeout(r, 1_000)), (ms) => ran.push(ms));
    await tx.query('SELECT 1');
    await tx.query('SELECT 2');
    expect(ran).toHaveLength(2);
    // 20 ms statements; the 1 s pause before the second must not count (generous for a loaded machine).
    for (const ms of ran) expect(ms).toBeLessThan(800);
  });

  it('does not pause after a failed statement (the transaction is over anyway)', async () => {
    let paused = 0;
    const failing: Queryable = { query: () => Promise.reject(new Error('boom')), exec: () => Promise.reject(new Error('boom')) };
    const tx = pacedQueryable(failing, async () => void paused++);
    await expect(tx.query('SELECT 1')).rejects.toThrow('boom');
    await expect(tx.exec('SELECT 2')).rejects.toThrow('boom');
    expect(paused).toBe(0);
  });
});

describe('clockPauses', () => {
  it('waits ratio × the statement time on the clock', async () => {
    const clock = new ManualClock(0);
    const pause = clockPauses(clock, 2, new AbortController().signal)!;
    let done = false;
    const p = pause(150).then(() => (done = true));
    clock.advance(299);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await p;
    expect(clock.pending).toBe(0);
  });

  it('a pause that ends leaves no listener on the stop signal', async () => {
    const clock = new ManualClock(0);
    const stop = new AbortController();
    const add = vi.spyOn(stop.signal, 'addEventListener');
    const remove = vi.spyOn(stop.signal, 'removeEventListener');
    const pause = clockPauses(clock, 1, stop.signal)!;
    for (let i = 0; i < 3; i++) {
      const p = pause(10);
      clock.advance(10);
      await p;
    }
    expect(add).toHaveBeenCalledTimes(3);
    expect(remove.mock.calls.map((c) => c[1])).toEqual(add.mock.calls.map((c) => c[1]));
  });

  it('no pauses with ratio 0; an abort ends a pause at once and leaves no timer', async () => {
    const clock = new ManualClock(0);
    expect(clockPauses(clock, 0, new AbortController().signal)).toBeUndefined();
    const stop = new AbortController();
    const pause = clockPauses(clock, 1, stop.signal)!;
    const p = pause(60_000);
    expect(clock.pending).toBe(1);
    stop.abort();
    await p;
    expect(clock.pending).toBe(0);
    await pause(60_000); // after the abort: no wait at all
    expect(clock.pending).toBe(0);
  });
});
