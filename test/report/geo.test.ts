/**
 * Offline IP → country / AS lookup: special-purpose blocks, the nested-range table against a brute
 * force, the 128-bit decimal parser against BigInt, the CSV reader, and the packaged data itself.
 */
import { describe, expect, it } from 'vitest';
import { GeoDatabase, packagedGeo, specialRange } from '../../src/geo/index.js';
import { decimalWords, parseNumCsv, RangeTable, countryValue, unquoteCsv } from '../../src/geo/range-table.js';
import { Rng } from '../store/fixtures.js';

describe('special-purpose addresses', () => {
  it.each([
    ['10.1.2.3', 'private', 'rfc1918'],
    ['172.31.255.255', 'private', 'rfc1918'],
    ['192.168.0.1', 'private', 'rfc1918'],
    ['100.64.0.1', 'private', 'cgnat'],
    ['127.0.0.1', 'reserved', 'loopback'],
    ['169.254.1.1', 'reserved', 'link-local'],
    ['192.0.2.7', 'reserved', 'documentation'],
    ['198.51.100.1', 'reserved', 'documentation'],
    ['203.0.113.9', 'reserved', 'documentation'],
    ['224.0.0.251', 'reserved', 'multicast'],
    ['255.255.255.255', 'reserved', 'future-use'],
    ['0.1.2.3', 'reserved', 'this-network'],
    ['::1', 'reserved', 'loopback'],
    ['::', 'reserved', 'unspecified'],
    ['fd12:3456::1', 'private', 'unique-local'],
    ['fe80::1', 'reserved', 'link-local'],
    ['2001:db8::1', 'reserved', 'documentation'], // more specific than 2001::/23
    ['2001:0:1::1', 'reserved', 'ietf-protocol'],
    ['::ffff:10.0.0.1', 'private', 'rfc1918'], // mapped IPv4 is IPv4
  ])('%s is %s (%s)', (ip, label, name) => {
    expect(specialRange(ip)).toMatchObject({ label, name });
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2a01:4f8::1', 'not an ip', ''])('%s is not special', (ip) => {
    expect(specialRange(ip)).toBeNull();
  });
});

describe('decimalWords', () => {
  it('parses 128-bit decimals exactly (against BigInt)', () => {
    const rng = new Rng(7);
    const cases = [0n, 1n, (1n << 32n) - 1n, 1n << 32n, (1n << 128n) - 1n, ...Array.from({ length: 500 }, () => rng.bigint(1 + rng.int(128)))];
    for (const v of cases) {
      const out = new Array<number>(4);
      const text = v.toString();
      expect(decimalWords(text, 0, text.length, out)).toBe(true);
      expect(out.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n)).toBe(v);
    }
  });

  it('refuses overflow and non-digits', () => {
    const out = new Array<number>(1);
    expect(decimalWords('4294967296', 0, 10, out)).toBe(false);
    expect(decimalWords('4294967295', 0, 10, out)).toBe(true);
    expect(decimalWords('12a', 0, 3, out)).toBe(false);
    expect(decimalWords('', 0, 0, out)).toBe(false);
    const big = (1n << 128n).toString();
    expect(decimalWords(big, 0, big.length, new Array<number>(4))).toBe(false);
  });
});

describe('RangeTable', () => {
  /** Laminar (nested or disjoint) random ranges over [0, 2^20), as the data files hold. */
  function laminar(rng: Rng): { start: number; end: number; value: number }[] {
    const out: { start: number; end: number; value: number }[] = [];
    const carve = (lo: number, hi: number, depth: number) => {
      let at = lo;
      while (at < hi && out.length < 400) {
        const len = 1 + rng.int(Math.max(1, (hi - at) >> 1));
        const start = at + rng.int(Math.max(1, (hi - at - len) >> 2));
        const end = Math.min(hi, start + len) - 1;
        if (start > end) break;
        out.push({ start, end, value: out.length });
        if (depth < 3 && end - start > 4 && rng.int(2) === 0) carve(start, end + 1, depth + 1);
        at = end + 1 + rng.int(8);
      }
    };
    carve(0, 1 << 20, 0);
    return out;
  }

  function brute(ranges: { start: number; end: number; value: number }[], x: number): number | undefined {
    let best: { start: number; end: number; value: number } | undefined;
    for (const r of ranges) {
      if (r.start <= x && x <= r.end && (!best || r.start > best.start || (r.start === best.start && r.end < best.end))) best = r;
    }
    return best?.value;
  }

  it('finds the most specific containing range (property, against a brute force)', () => {
    const rng = new Rng(11);
    for (let round = 0; round < 20; round++) {
      const ranges = laminar(rng);
      // shuffled input: the table sorts what is not sorted
      const shuffled = round % 2 === 0 ? ranges : [...ranges].sort(() => rng.next() - 0.5);
      const table = new RangeTable({
        words: 1,
        starts: shuffled.map((r) => r.start),
        ends: shuffled.map((r) => r.end),
        values: shuffled.map((r) => r.value),
      });
      for (let i = 0; i < 300; i++) {
        const x = rng.int(1 << 20);
        expect(table.get([x])).toBe(brute(ranges, x));
      }
      for (const r of ranges.slice(0, 50)) {
        expect(table.get([r.start])).toBe(brute(ranges, r.start));
        expect(table.get([r.end])).toBe(brute(ranges, r.end));
        expect(table.get([r.end + 1])).toBe(brute(ranges, r.end + 1));
      }
    }
  });

  it('reads the CSV format: quotes, CRLF, malformed and reversed lines skipped', () => {
    const text = '16,31,US\r\n20,23,DE\nbad line\n40,30,FR\n50,x,FR\n64,127,gb\n';
    const rows = parseNumCsv(text, 1, countryValue);
    expect(rows.values.length).toBe(3);
    const t = new RangeTable(rows);
    expect(t.get([21])).toBe(('D'.charCodeAt(0) << 8) | 'E'.charCodeAt(0));
    expect(t.get([24])).toBe(('U'.charCodeAt(0) << 8) | 'S'.charCodeAt(0));
    expect(t.get([35])).toBeUndefined();
    expect(t.get([100])).toBe(('G'.charCodeAt(0) << 8) | 'B'.charCodeAt(0));
    expect(unquoteCsv('"LLC ""SPUTNIK"""')).toBe('LLC "SPUTNIK"');
    expect(unquoteCsv('Plain Org')).toBe('Plain Org');
  });
});

describe('GeoDatabase', () => {
  const v6 = (text: string) => {
    const b = Buffer.alloc(16);
    const parts = text.split(':');
    parts.forEach((p, i) => b.writeUInt16BE(parseInt(p, 16), i * 2));
    return BigInt(`0x${b.toString('hex')}`).toString();
  };
  const db = new GeoDatabase({
    countryV4: '134744064,134744319,US\n16777216,16777471,AU\n',
    countryV6: `${v6('2a01:4f8:0:0:0:0:0:0')},${v6('2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff')},DE\n`,
    asnV4: '134744064,134744319,15169,Google LLC\n16777216,16777471,13335,"Cloudflare, Inc."\n',
    asnV6: `${v6('2a01:4f8:0:0:0:0:0:0')},${v6('2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff')},24940,Hetzner Online GmbH\n`,
  });

  it('looks up IPv4, IPv6, mapped IPv4; labels special, unknown and invalid addresses', () => {
    expect(db.lookup('8.8.8.8')).toMatchObject({ country: 'US', asn: 15169, org: 'Google LLC', family: 4 });
    expect(db.lookup('::ffff:1.0.0.1')).toMatchObject({ country: 'AU', asn: 13335, org: 'Cloudflare, Inc.', family: 4 });
    expect(db.lookup('2a01:4f8::1')).toMatchObject({ country: 'DE', asn: 24940, family: 6 });
    expect(db.lookup('9.9.9.9')).toMatchObject({ country: 'unknown', asn: null, org: null });
    expect(db.lookup('127.0.0.1')).toMatchObject({ country: 'reserved', asn: null, org: 'loopback' });
    expect(db.lookup('10.0.0.1/32')).toMatchObject({ country: 'private', org: 'rfc1918' });
    expect(db.lookup('nonsense')).toMatchObject({ country: 'invalid', family: null });
  });
});

describe('packaged data (@ip-location-db)', () => {
  it('loads IPv4 and IPv6 tables and places long-stable addresses', () => {
    const geo = packagedGeo();
    const s = geo.stats();
    expect(s.countryV4).toBeGreaterThan(100_000);
    expect(s.countryV6).toBeGreaterThan(50_000);
    expect(s.asnV4).toBeGreaterThan(100_000);
    expect(s.asnV6).toBeGreaterThan(50_000);
    expect(geo.lookup('8.8.8.8')).toMatchObject({ country: 'US', asn: 15169 });
    expect(geo.lookup('2001:4860:4860::8888')).toMatchObject({ asn: 15169 });
    expect(geo.lookup('192.168.1.1').country).toBe('private');
    expect(packagedGeo()).toBe(geo); // loaded once
  }, 60_000);
});

describe('IPv4 fast path', () => {
  it('agrees with the general path on random and edge-case addresses (property)', async () => {
    const { dottedQuad } = await import('../../src/geo/geo.js');
    const { ipToBytes } = await import('../../src/net/ip.js');
    const rng = new Rng(17);
    const samples = ['0.0.0.0', '255.255.255.255', '1.2.3.4/32', '01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '', 'a.b.c.d', '1.2.3.4 '];
    for (let i = 0; i < 2000; i++) samples.push(`${rng.int(256)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`);
    for (const ip of samples) {
      const bytes = ipToBytes(ip.replace(/\/32$/, ''));
      const expected = bytes && bytes.length === 4 ? ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0 : -1;
      expect(dottedQuad(ip), ip).toBe(expected);
    }
    const geo = packagedGeo();
    for (const ip of samples.slice(11, 400)) {
      const slow = geo.lookup(`::ffff:${ip}`); // mapped form takes the general path
      expect(geo.lookup(ip), ip).toEqual(slow);
    }
  }, 60_000);
});
