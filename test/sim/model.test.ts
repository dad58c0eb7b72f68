/**
 * The model-level simulation without a database: determinism, churn statistics, and the real dial
 * scheduler's redial, expiry and too_many_peers handling as the simulated network exercises them.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimCrawl } from '../../src/sim/driver.js';
import { HOUR_MS, SIM_DEFAULTS, steadyJoinRate, type SimOptions } from '../../src/sim/options.js';
import { Population } from '../../src/sim/population.js';

const START = Date.UTC(2026, 0, 1);

function options(over: Partial<SimOptions> = {}): SimOptions {
  const base = { ...SIM_DEFAULTS, nodes: 300, hours: 4, start: START, ...over };
  return { ...base, joinRatePerHour: over.joinRatePerHour ?? steadyJoinRate(base.nodes, base.sessionMs, base.downtimeMs, base.leaveShare) };
}

async function runCollect(o: SimOptions): Promise<{ sim: SimCrawl; events: CrawlerEvent[]; rows: string; digest: string }> {
  const events: CrawlerEvent[] = [];
  const sim = new SimCrawl(o, { sink: (e) => events.push(e) });
  const result = await sim.run();
  const digest = createHash('sha256')
    .update(JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('hex');
  return { sim, events, rows: JSON.stringify(result.rows), digest };
}

const dials = (events: CrawlerEvent[]) => events.filter((e): e is DialEvent => e.type === 'dial');

describe('simulate: determinism', () => {
  it('the same seed gives the same events and rows; another seed differs', async () => {
    const a = await runCollect(options({ seed: 7 }));
    const b = await runCollect(options({ seed: 7 }));
    const c = await runCollect(options({ seed: 8 }));
    expect(a.events.length).toBeGreaterThan(500);
    expect(b.digest).toBe(a.digest);
    expect(b.rows).toBe(a.rows);
    expect(c.digest).not.toBe(a.digest);
    expect(c.rows).not.toBe(a.rows);
  }, 120_000);
});

describe('simulate: churn', () => {
  it('session lengths, downtimes, permanent leaves and joins match the configured rates', () => {
    const o = options({ nodes: 4000, hours: 96, sessionMs: 2 * HOUR_MS, downtimeMs: HOUR_MS, leaveShare: 0.25, joinRatePerHour: 150 });
    const clock = new SimClock(START);
    const pop = new Population(clock, o);
    pop.populate();
    const onlineSamples: number[] = [];
    for (let h = 1; h <= o.hours; h++) {
      while (clock.fireNext(START + h * HOUR_MS));
      onlineSamples.push(pop.online);
    }
    const c = pop.churn;
    // Exponential sessions: the mean of completed ones within a window 48× the mean is ~2 % short.
    expect(c.sessionMsTotal / c.sessionsEnded / HOUR_MS).toBeGreaterThan(1.85);
    expect(c.sessionMsTotal / c.sessionsEnded / HOUR_MS).toBeLessThan(2.1);
    expect(c.downtimeMsTotal / c.downtimesEnded / HOUR_MS).toBeGreaterThan(0.92);
    expect(c.downtimeMsTotal / c.downtimesEnded / HOUR_MS).toBeLessThan(1.06);
    expect(c.permanentLeaves / c.sessionsEnded).toBeGreaterThan(0.23);
    expect(c.permanentLeaves / c.sessionsEnded).toBeLessThan(0.27);
    // Poisson joins: 14 400 expected, σ = 120.
    expect(Math.abs(c.joins - 150 * 96)).toBeLessThan(600);
    // At the start, online ≈ nodes · session/(session + downtime).
    expect(Math.abs(onlineSamples[0]! - (4000 * 2) / 3)).toBeLessThan(150);
  });

  it('the default join rate keeps the population steady', () => {
    const o = options({ nodes: 3000, hours: 48 });
    const clock = new SimClock(START);
    const pop = new Population(clock, o);
    pop.populate();
    const expected = (3000 * o.sessionMs) / (o.sessionMs + o.downtimeMs);
    for (let h = 1; h <= o.hours; h++) {
      while (clock.fireNext(START + h * HOUR_MS));
      expect(Math.abs(pop.online - expected) / expected).toBeLessThan(0.1);
    }
  });
});

describe('simulate: the crawler policy', () => {
  it('redials every node in the static set once per --redial-interval, from the start of the last dial', async () => {
    const redial = 20 * 60_000;
    const { sim, events } = await runCollect(options({ nodes: 200, hours: 3, redialIntervalMs: redial, sessionMs: 100 * HOUR_MS, leaveShare: 0 }));
    const byNode = new Map<string, DialEvent[]>();
    for (const d of dials(events)) byNode.set(d.nodeId!, [...(byNode.get(d.nodeId!) ?? []), d]);
    let checked = 0;
    for (const [id, list] of byNode) {
      const node = sim.population.byHex.get(id)!;
      if (!node.online || node.onlineSince > START || node.reach === 'unreachable') continue;
      // Online throughout: one dynamic dial, then static dials exactly one interval apart.
      expect(list[0]!.kind).toBe('dynamic');
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.kind).toBe('static');
        expect(list[i]!.startedAt - list[i - 1]!.startedAt).toBe(redial);
      }
      expect(list.length).toBeGreaterThanOrEqual(Math.floor((3 * HOUR_MS - (list[0]!.startedAt - START)) / redial));
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  }, 120_000);

  it('expires a node that left after --expire-after, and only then', async () => {
    const expire = 2 * HOUR_MS;
    const { sim, events } = await runCollect(options({ nodes: 300, hours: 10, expireAfterMs: expire, sessionMs: 3 * HOUR_MS, downtimeMs: 6 * HOUR_MS, leaveShare: 0.5 }));
    const expired = events.filter((e) => e.type === 'node_expired');
    expect(expired.length).toBeGreaterThan(10);
    const lastOk = new Map<string, number>();
    let checkedLeft = 0;
    for (const e of events) {
      if (e.type === 'dial' && e.outcome !== 'error') lastOk.set(e.nodeId!, Math.max(lastOk.get(e.nodeId!) ?? 0, e.endedAt));
      if (e.type !== 'node_expired') continue;
      // The scheduler expires a node exactly --expire-after after it was last seen, which is never
      // before its last successful dial so far…
      const lastSeen = e.at - expire;
      expect(lastSeen).toBeGreaterThanOrEqual(lastOk.get(e.nodeId) ?? 0);
      // …and, for a node that left and stayed away, never after it left (it is only learned while online).
      const node = sim.population.byHex.get(e.nodeId)!;
      if (!node.online && node.leftAt <= e.at) {
        expect(lastSeen).toBeLessThanOrEqual(node.leftAt);
        checkedLeft++;
      }
    }
    expect(checkedLeft).toBeGreaterThan(5);
    // Every static node gone for good long before the end was expired.
    const expiredIds = new Set(expired.map((e) => (e as { nodeId: string }).nodeId));
    const end = START + 10 * HOUR_MS;
    const shouldExpire = sim.population.nodes.filter((n) => n.gone && lastOk.has(n.idHex) && n.leftAt + expire + HOUR_MS < end);
    expect(shouldExpire.length).toBeGreaterThan(5);
    for (const n of shouldExpire) expect(expiredIds.has(n.idHex)).toBe(true);
  }, 120_000);

  it('records a full node with DISCONNECT too_many_peers and keeps redialing it', async () => {
    const { sim, events } = await runCollect(options({ nodes: 200, hours: 2, fullShare: 0.5, sessionMs: 100 * HOUR_MS, leaveShare: 0 }));
    const full = dials(events).filter((d) => sim.population.byHex.get(d.nodeId!)!.reach === 'full' && d.outcome !== 'error');
    expect(full.length).toBeGreaterThan(20);
    for (const d of full) {
      expect(d.outcome).toBe('hello');
      expect(d.hello?.clientId).toBeTruthy();
      expect(d.disconnects).toEqual([{ direction: 'received', reason: 'too_many_peers', at: d.endedAt }]);
    }
    expect(full.some((d) => d.kind === 'static')).toBe(true);
  }, 120_000);

  it('more instances discover at least as many nodes with lookups only', async () => {
    const one = new SimCrawl(options({ nodes: 1500, hours: 1, discovery: 'lookups', instances: 1, lookupIntervalMs: 5 * 60_000 }));
    const eight = new SimCrawl(options({ nodes: 1500, hours: 1, discovery: 'lookups', instances: 8, lookupIntervalMs: 5 * 60_000 }));
    const [a, b] = [await one.run(), await eight.run()];
    expect(b.rows.at(-1)!.discovered).toBeGreaterThan(a.rows.at(-1)!.discovered);
  }, 120_000);
});
