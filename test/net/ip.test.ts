import { describe, expect, it } from 'vitest';
import { ipFromBytes, ipToBytes, normalizeIp } from '../../src/net/ip.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { Rng } from '../enode/random.js';

describe('IP literals', () => {
  it('formats IPv6 per RFC 5952 (longest zero run, first on tie, lowercase)', () => {
    const cases: [string, string][] = [
      ['00000000000000000000000000000001', '::1'],
      ['00000000000000000000000000000000', '::'],
      ['20010db83c4d001500000000abcdef12', '2001:db8:3c4d:15::abcd:ef12'],
      ['20010db885a308d313198a2e03707348', '2001:db8:85a3:8d3:1319:8a2e:370:7348'],
      ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
      ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
      ['20010000000100000000000000000000', '2001:0:1::'],
      ['00000000000000000000ffff01020304', '1.2.3.4'],
    ];
    for (const [hex, text] of cases) {
      expect(ipFromBytes(hexToBytes(hex))).toBe(text);
      const back = ipToBytes(text)!;
      expect(bytesToHex(back)).toBe(text.includes('.') ? hex.slice(24) : hex);
    }
  });

  it('rejects non-literals and odd byte lengths', () => {
    for (const s of ['localhost', '1.2.3', '01.2.3.4', '[::1]', 'fe80::1%eth0', '', '1::2::3']) expect(ipToBytes(s)).toBeUndefined();
    for (const n of [0, 3, 5, 15, 17]) expect(ipFromBytes(new Uint8Array(n))).toBeUndefined();
  });

  it('property: random bytes → text → bytes is the identity (Node agrees the text is valid)', () => {
    const rng = new Rng(5952);
    for (let i = 0; i < 2000; i++) {
      const v6 = rng.bool();
      const text = v6 ? rng.ipv6() : rng.ipv4();
      expect(normalizeIp(text)).toBe(text);
      const url = new URL(`http://${v6 ? `[${text}]` : text}/`);
      expect(url.hostname.replace(/^\[|\]$/g, '')).toBe(text);
    }
  });
});
