/**
 * The per-minute discovery counters of an instance (src/crawler/discovery-counters.ts): discv4's
 * and discv5's deltas on the same UTC minute boundaries of the injected clock, the partial minute
 * at stop, and no v5 event when the instance runs without discv5.
 */
import { describe, expect, it } from 'vitest';
import { DiscoveryCounterReporter } from '../../src/crawler/discovery-counters.js';
import { V5_COUNTER_FIELDS } from '../../src/events.js';
import { zeroV5Counters } from '../../src/crawler/discovery-v5.js';
import type { V5Sample } from '../../src/crawler/discovery-v5-counters.js';
import { counters } from './crawl-gauges.js';
import type { CrawlerEvent } from '../../src/events.js';
import { ManualClock } from '../../src/net/clock.js';

function reporter(clock: ManualClock, v5: (() => V5Sample | undefined) | undefined) {
  const events: CrawlerEvent[] = [];
  const r = new DiscoveryCounterReporter({ clock, instance: 'aa'.repeat(32), counters: () => counters({}), tableSize: () => 3, ...(v5 ? { v5 } : {}), emit: (e) => events.push(e) });
  return { r, events };
}

describe('DiscoveryCounterReporter with discv5', () => {
  it('emits v5 deltas on the minutes of the v4 counters, and the partial minute at stop', () => {
    const start = Date.UTC(2026, 0, 1, 0, 0, 30);
    const clock = new ManualClock(start);
    const c = { ...zeroV5Counters(), lookups: 2, findnodeSent: 5 }; // before the reporter: not counted
    const { r, events } = reporter(clock, () => ({ counters: { ...c }, tableSize: c.recordsLearned }));
    r.start();
    c.lookups += 3;
    c.recordsLearned += 7;
    clock.advance(30_000); // 00:01:00: minute 00:00 closes
    c.findnodeSent += 4;
    clock.advance(60_000); // 00:02:00
    c.dropped += 1;
    clock.advance(10_000);
    r.stop(); // 00:02:10: the partial minute 00:02
    const minute = (m: number) => Date.UTC(2026, 0, 1, 0, m);
    const of = (type: string) => events.filter((e) => e.type === type).map((e) => (e as { minute: number }).minute);
    expect(of('discovery_counters')).toEqual([minute(0), minute(1), minute(2)]);
    expect(of('discovery_v5_counters')).toEqual([minute(0), minute(1), minute(2)]);
    const v5 = events.filter((e) => e.type === 'discovery_v5_counters');
    expect(v5.map((e) => [e.lookups, e.findnodeSent, e.recordsLearned, e.dropped, e.tableSize])).toEqual([
      [3, 0, 7, 0, 7],
      [0, 4, 0, 0, 7],
      [0, 0, 0, 1, 7],
    ]);
    // The rows sum to the counters' growth since the reporter started.
    for (const k of V5_COUNTER_FIELDS) expect(v5.reduce((s, e) => s + e[k], 0), k).toBe(c[k] - (k === 'lookups' ? 2 : k === 'findnodeSent' ? 5 : 0));
  });

  it('without discv5 (or before its node exists) emits discv4 counters only', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const off = reporter(clock, undefined);
    off.r.start();
    clock.advance(60_000);
    off.r.stop();
    const absent = reporter(clock, () => undefined);
    absent.r.start();
    clock.advance(60_000);
    absent.r.stop();
    for (const { events } of [off, absent]) {
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.type === 'discovery_counters')).toBe(true);
    }
  });
});
