import { describe, expect, it } from 'vitest';
import { IPTRACK_MIN_STATEMENTS, IPTRACK_WINDOW_MS, IpTracker } from '../../src/discv4/ip-tracker.js';
import { ManualClock } from '../../src/net/clock.js';

const PUBLIC = { ip: '198.51.7.10', port: 30303 };
const OTHER = { ip: '198.51.7.99', port: 30303 };

function tracker(min = 3) {
  const clock = new ManualClock();
  return { clock, t: new IpTracker({ clock, minStatements: min, windowMs: 60_000, contactWindowMs: 120_000 }) };
}

describe('IpTracker (geth p2p/netutil/iptrack.go)', () => {
  it('predicts the endpoint most hosts state', () => {
    const { t } = tracker(3);
    for (let i = 1; i <= 4; i++) t.addStatement(`10.1.0.${i}`, PUBLIC);
    for (let i = 1; i <= 3; i++) t.addStatement(`10.2.0.${i}`, OTHER);
    expect(t.predictEndpoint()).toEqual(PUBLIC);
  });

  it('predicts nothing with fewer than minStatements for any endpoint', () => {
    const { t } = tracker(3);
    t.addStatement('10.1.0.1', PUBLIC);
    t.addStatement('10.1.0.2', PUBLIC);
    t.addStatement('10.1.0.3', OTHER);
    expect(t.predictEndpoint()).toBeUndefined();
    t.addStatement('10.1.0.4', PUBLIC);
    expect(t.predictEndpoint()).toEqual(PUBLIC);
  });

  it('counts one statement per host: a host repeating itself, or changing its mind, is one vote', () => {
    const { t } = tracker(3);
    for (let i = 0; i < 20; i++) t.addStatement('10.9.9.9', OTHER);
    t.addStatement('10.1.0.1', PUBLIC);
    t.addStatement('10.1.0.2', PUBLIC);
    expect(t.predictEndpoint()).toBeUndefined();
    t.addStatement('10.9.9.9', PUBLIC); // the liar's vote now goes to PUBLIC, replacing its earlier one
    expect(t.predictEndpoint()).toEqual(PUBLIC);
    expect(t.statementCount).toBe(3);
  });

  it('forgets statements older than the window', () => {
    const { t, clock } = tracker(3);
    for (let i = 1; i <= 3; i++) t.addStatement(`10.1.0.${i}`, PUBLIC);
    expect(t.predictEndpoint()).toEqual(PUBLIC);
    clock.advance(30_000);
    t.addStatement('10.1.0.4', OTHER);
    clock.advance(30_001); // the three PUBLIC statements are now 60 001 ms old
    expect(t.predictEndpoint()).toBeUndefined();
    expect(t.statementCount).toBe(1);
    for (let i = 5; i <= 6; i++) t.addStatement(`10.1.0.${i}`, OTHER);
    expect(t.predictEndpoint()).toEqual(OTHER);
  });

  it('ignores statements that are not IP literals or valid ports; normalises spellings', () => {
    const { t } = tracker(2);
    t.addStatement('not-an-ip', PUBLIC);
    t.addStatement('10.1.0.1', { ip: 'example.org', port: 1 });
    t.addStatement('10.1.0.2', { ip: PUBLIC.ip, port: 0 });
    expect(t.statementCount).toBe(0);
    t.addStatement('::ffff:10.1.0.3', { ip: `::ffff:${PUBLIC.ip}`, port: PUBLIC.port });
    t.addStatement('10.1.0.3', PUBLIC); // same host as above, IPv4-mapped spelling
    t.addStatement('10.1.0.4', PUBLIC);
    expect(t.statementCount).toBe(2);
    expect(t.predictEndpoint()).toEqual(PUBLIC);
  });

  it('tells a full-cone NAT from statements of hosts never contacted before they spoke', () => {
    const { t, clock } = tracker(1);
    t.addContact('10.1.0.1');
    clock.advance(10);
    t.addStatement('10.1.0.1', PUBLIC);
    expect(t.predictFullConeNat()).toBe(false);
    t.addStatement('10.1.0.2', PUBLIC); // never contacted
    expect(t.predictFullConeNat()).toBe(true);
  });

  it('a contact made after the statement does not explain it', () => {
    const { t, clock } = tracker(1);
    t.addStatement('10.1.0.1', PUBLIC);
    clock.advance(10);
    t.addContact('10.1.0.1');
    expect(t.predictFullConeNat()).toBe(true);
  });

  it('bounds the hosts it remembers', () => {
    const clock = new ManualClock();
    const t = new IpTracker({ clock, maxHosts: 5, minStatements: 1 });
    for (let i = 0; i < 50; i++) t.addStatement(`10.3.0.${i}`, PUBLIC);
    expect(t.statementCount).toBe(5);
  });

  it("defaults to geth's parameters", () => {
    expect(IPTRACK_MIN_STATEMENTS).toBe(10);
    expect(IPTRACK_WINDOW_MS).toBe(300_000);
  });

  it('agrees with a plain recount (geth\'s way) over random statements, replacements and expiry', () => {
    const clock = new ManualClock();
    const t = new IpTracker({ clock, minStatements: 3, windowMs: 1_000 });
    const model = new Map<string, { key: string; at: number }>();
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let step = 0; step < 3_000; step++) {
      clock.advance(rand(40));
      const host = `10.0.${rand(4)}.${rand(20)}`;
      const ep = { ip: `198.51.7.${rand(3)}`, port: 30303 + rand(2) };
      t.addStatement(host, ep);
      model.set(host, { key: `${ep.port}/${ep.ip}`, at: clock.now() });
      if (step % 50 === 0) {
        const now = clock.now();
        const counts = new Map<string, number>();
        for (const s of model.values()) if (s.at >= now - 1_000) counts.set(s.key, (counts.get(s.key) ?? 0) + 1);
        let best: string | undefined;
        for (const [k, c] of counts) if (c >= 3 && (best === undefined || c > counts.get(best)! || (c === counts.get(best)! && k < best))) best = k;
        const got = t.predictEndpoint();
        expect(got ? `${got.port}/${got.ip}` : undefined).toBe(best);
        expect(t.statementCount).toBe([...model.values()].filter((s) => s.at >= now - 1_000).length);
      }
    }
  });
});
