/**
 * Everything that can reach the writer from outside its control — events from the crawler, lines
 * read back from a journal file on disk — is checked: property tests for the journal encoding, fuzz
 * tests (random and mutated inputs) proving only typed errors ever escape.
 */
import { describe, expect, it } from 'vitest';
import type { CrawlerEvent } from '../../src/events.js';
import { NodeFinderError } from '../../src/errors.js';
import { InvalidEventError } from '../../src/store/errors.js';
import { decodeLine, encodeLine, parseEntry } from '../../src/store/journal.js';
import { cleanText, MAX_ENR_BYTES, validateEvent } from '../../src/store/validate.js';
import { buildStatements } from '../../src/store/batch.js';
import { countableStream, crawlStream, makeWorld, Rng, T0 } from './fixtures.js';

const JUNK: unknown[] = [null, undefined, 0, -1, 1.5, NaN, Infinity, 2 ** 60, '', 'x', 'zz'.repeat(32), {}, [], [null], [{}], true, 1n, -1n, 2n ** 70n, { $bigint: '1' }];

function mutate(rng: Rng, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 3) return rng.int(3) === 0 ? JUNK[rng.int(JUNK.length)] : value;
  if (Array.isArray(value)) {
    const copy = value.map((v) => mutate(rng, v, depth + 1));
    if (rng.int(4) === 0) copy.push(JUNK[rng.int(JUNK.length)]);
    return copy;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  const target = keys[rng.int(keys.length)];
  for (const k of keys) out[k] = k === target ? JUNK[rng.int(JUNK.length)] : rng.int(6) === 0 ? mutate(rng, (value as Record<string, unknown>)[k], depth + 1) : (value as Record<string, unknown>)[k];
  return out;
}

describe('event validation', () => {
  it('accepts what the crawler emits and changes nothing but text Postgres cannot hold', () => {
    const rng = new Rng(1);
    for (const ev of crawlStream(rng, makeWorld(rng), 2000)) expect(validateEvent(ev)).toEqual(ev);
    expect(cleanText('a\0b')).toBe('a\uFFFDb');
    expect(cleanText('x'.repeat(5000)).length).toBe(2048);
  });

  it('an RTT journaled before the rtt_network migration (no rtt/handshake/status fields) is read as such', () => {
    const rng = new Rng(4);
    const ev = [...crawlStream(rng, makeWorld(rng), 200)].find((e) => e.type === 'dial' && e.rtt) as Extract<CrawlerEvent, { type: 'dial' }>;
    const old = (rtt: Record<string, unknown>) => validateEvent({ ...ev, rtt: rtt as never }) as typeof ev;
    expect(old({ srttMs: 90, minMs: 1.5, samples: 5, tcpConnectMs: 2, discPingMs: 3 }).rtt).toEqual({
      srttMs: 90, minMs: 1.5, samples: 5, rttMs: 1.5, rttSource: 'p2p_ping', tcpConnectMs: 2, discPingMs: 3, handshakeMs: null, statusMs: null,
    });
    expect(old({ srttMs: 2, minMs: 2, samples: 0, tcpConnectMs: 2, discPingMs: 3 }).rtt).toMatchObject({ rttMs: 3, rttSource: 'disc_ping' });
    expect(old({ srttMs: 2, minMs: 2, samples: 0, tcpConnectMs: 2, discPingMs: null }).rtt).toMatchObject({ rttMs: null, rttSource: null });
    expect(() => old({ ...ev.rtt, rttMs: 4, rttSource: null })).toThrow(InvalidEventError);
    expect(() => old({ ...ev.rtt, rttMs: 4, rttSource: 'handshake' })).toThrow(InvalidEventError);
  });

  it("a dial carries the probe's verdict and liveness; without them it is refused, never re-derived", () => {
    const rng = new Rng(5);
    const ev = [...crawlStream(rng, makeWorld(rng), 200)].find((e) => e.type === 'dial') as Extract<CrawlerEvent, { type: 'dial' }>;
    const { verdict, alive, ...rest } = ev;
    expect(validateEvent(ev)).toMatchObject({ verdict, alive });
    expect(() => validateEvent({ ...rest, alive } as never)).toThrow(/verdict/);
    expect(() => validateEvent({ ...rest, verdict } as never)).toThrow(/alive/);
    expect(() => validateEvent({ ...ev, verdict: 'alive' as never })).toThrow(InvalidEventError);
  });

  it('fuzz: mutated and random events throw only InvalidEventError, never a TypeError', () => {
    const rng = new Rng(2);
    const world = makeWorld(rng);
    const base = [...crawlStream(rng, world, 500)];
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = i % 10 === 0 ? JUNK[rng.int(JUNK.length)] : mutate(rng, base[rng.int(base.length)]);
      try {
        const ok = validateEvent(input as CrawlerEvent);
        // whatever passes must build statements without throwing either
        buildStatements([ok]);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidEventError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(10_000);
  });

  it('rejects out-of-range values the database could not store', () => {
    const rng = new Rng(3);
    const ev = [...crawlStream(rng, makeWorld(rng), 50)].find((e) => e.type === 'node_seen')!;
    const dial = [...crawlStream(rng, makeWorld(rng), 400)].find((e) => e.type === 'dial' && e.status) as Extract<CrawlerEvent, { type: 'dial' }>;
    const bad: unknown[] = [
      { ...ev, at: -1 },
      { ...dial, dialId: 'not-a-uuid' },
      { ...dial, status: { ...dial.status!, networkId: 2n ** 64n } },
      { ...dial, status: { ...dial.status!, totalDifficulty: -1n } },
      { ...dial, errorKind: 'no_such_kind' },
      { ...dial, disconnects: [{ direction: 'sent', reason: 'bogus', at: T0 }] },
      { type: 'enr', instance: 'aa'.repeat(32), nodeId: 'bb'.repeat(32), seq: 1n, raw: 'cc'.repeat(MAX_ENR_BYTES + 1), at: T0 },
      { type: 'enr', instance: 'aa'.repeat(32), nodeId: 'bb'.repeat(32), seq: 1n, raw: 'abc', at: T0 },
    ];
    for (const b of bad) expect(() => validateEvent(b as CrawlerEvent), JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toThrow(InvalidEventError);
  });
});

describe('journal lines', () => {
  it('round-trip events with bigints exactly (property)', () => {
    const rng = new Rng(4);
    const events = [...countableStream(rng, makeWorld(rng), 3000)];
    const line = encodeLine({ v: 1, id: 'x', n: events.length, events });
    expect(line).not.toContain('\n');
    const entry = parseEntry(line);
    expect(entry).toEqual({ batch: { id: 'x', events } });
    expect(decodeLine(encodeLine({ a: 2n ** 200n, b: [-5n], c: { $bigint: 'not a number' } }))).toEqual({ a: 2n ** 200n, b: [-5n], c: { $bigint: 'not a number' } });
  });

  it('fuzz: torn, mutated and random lines are reported as corrupt, never thrown', () => {
    const rng = new Rng(5);
    const events = [...crawlStream(rng, makeWorld(rng), 50)];
    const good = encodeLine({ v: 1, id: 'batch-1', n: events.length, events });
    for (let i = 0; i < 5000; i++) {
      let line: string;
      const r = rng.int(3);
      if (r === 0) line = good.slice(0, rng.int(good.length)); // torn write
      else if (r === 1) {
        const chars = [...good];
        for (let k = 0; k < 1 + rng.int(5); k++) chars[rng.int(chars.length)] = String.fromCharCode(rng.int(128));
        line = chars.join('');
      } else line = Array.from({ length: rng.int(200) }, () => String.fromCharCode(rng.int(0x3000))).join('');
      const entry = parseEntry(line);
      if ('corrupt' in entry) {
        expect(entry.lostEvents).toBeGreaterThanOrEqual(0);
        expect(entry.lostEvents).toBeLessThan(1e9);
      } else {
        expect(Array.isArray(entry.batch.events)).toBe(true);
        // a line that still parses goes through validation on replay: typed errors only
        for (const ev of entry.batch.events) {
          try {
            validateEvent(ev);
          } catch (err) {
            expect(err).toBeInstanceOf(NodeFinderError);
          }
        }
      }
    }
    // a torn line still says how many events it carried
    expect(parseEntry(good.slice(0, 60))).toEqual({ corrupt: true, lostEvents: events.length });
  });
});
