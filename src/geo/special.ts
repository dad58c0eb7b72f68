/**
 * Special-purpose address blocks (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890):
 * addresses no geolocation database can place. Reports label them `private` (allocated for use
 * inside one organisation or carrier) or `reserved` (loopback, link-local, documentation,
 * multicast, future use…), never as a country.
 */
import { ipToBytes } from '../net/ip.js';

export type SpecialLabel = 'private' | 'reserved';

export interface SpecialRange {
  cidr: string;
  label: SpecialLabel;
  /** Short name, e.g. "loopback", "rfc1918". */
  name: string;
  /** Where it is defined. */
  rfc: string;
}

export const SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: '0.0.0.0/8', label: 'reserved', name: 'this-network', rfc: 'RFC 791' },
  { cidr: '10.0.0.0/8', label: 'private', name: 'rfc1918', rfc: 'RFC 1918' },
  { cidr: '100.64.0.0/10', label: 'private', name: 'cgnat', rfc: 'RFC 6598' },
  { cidr: '127.0.0.0/8', label: 'reserved', name: 'loopback', rfc: 'RFC 1122' },
  { cidr: '169.254.0.0/16', label: 'reserved', name: 'link-local', rfc: 'RFC 3927' },
  { cidr: '172.16.0.0/12', label: 'private', name: 'rfc1918', rfc: 'RFC 1918' },
  { cidr: '192.0.0.0/24', label: 'reserved', name: 'ietf-protocol', rfc: 'RFC 6890' },
  { cidr: '192.0.2.0/24', label: 'reserved', name: 'documentation', rfc: 'RFC 5737' },
  { cidr: '192.88.99.0/24', label: 'reserved', name: '6to4-relay', rfc: 'RFC 7526' },
  { cidr: '192.168.0.0/16', label: 'private', name: 'rfc1918', rfc: 'RFC 1918' },
  { cidr: '198.18.0.0/15', label: 'reserved', name: 'benchmarking', rfc: 'RFC 2544' },
  { cidr: '198.51.100.0/24', label: 'reserved', name: 'documentation', rfc: 'RFC 5737' },
  { cidr: '203.0.113.0/24', label: 'reserved', name: 'documentation', rfc: 'RFC 5737' },
  { cidr: '224.0.0.0/4', label: 'reserved', name: 'multicast', rfc: 'RFC 5771' },
  { cidr: '240.0.0.0/4', label: 'reserved', name: 'future-use', rfc: 'RFC 1112' },
  { cidr: '::/128', label: 'reserved', name: 'unspecified', rfc: 'RFC 4291' },
  { cidr: '::1/128', label: 'reserved', name: 'loopback', rfc: 'RFC 4291' },
  { cidr: '64:ff9b:1::/48', label: 'private', name: 'nat64-local', rfc: 'RFC 8215' },
  { cidr: '100::/64', label: 'reserved', name: 'discard', rfc: 'RFC 6666' },
  { cidr: '2001::/23', label: 'reserved', name: 'ietf-protocol', rfc: 'RFC 2928' },
  { cidr: '2001:db8::/32', label: 'reserved', name: 'documentation', rfc: 'RFC 3849' },
  { cidr: '3fff::/20', label: 'reserved', name: 'documentation', rfc: 'RFC 9637' },
  { cidr: 'fc00::/7', label: 'private', name: 'unique-local', rfc: 'RFC 4193' },
  { cidr: 'fe80::/10', label: 'reserved', name: 'link-local', rfc: 'RFC 4291' },
  { cidr: 'fec0::/10', label: 'reserved', name: 'site-local', rfc: 'RFC 3879' },
  { cidr: 'ff00::/8', label: 'reserved', name: 'multicast', rfc: 'RFC 4291' },
];

interface Compiled {
  range: SpecialRange;
  bytes: Uint8Array;
  bits: number;
}

const COMPILED: readonly Compiled[] = SPECIAL_RANGES.map((range) => {
  const [addr, bits] = range.cidr.split('/') as [string, string];
  return { range, bytes: ipToBytes(addr)!, bits: Number(bits) };
})
  // Most specific first, so 2001:db8::/32 wins over 2001::/23.
  .sort((a, b) => b.bits - a.bits);

function matches(ip: Uint8Array, c: Compiled): boolean {
  if (ip.length !== c.bytes.length) return false;
  const full = c.bits >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== c.bytes[i]) return false;
  const rest = c.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full]! & mask) === (c.bytes[full]! & mask);
}

const V4: readonly { range: SpecialRange; base: number; bits: number }[] = COMPILED.filter((c) => c.bytes.length === 4).map((c) => ({
  range: c.range,
  base: ((c.bytes[0]! << 24) | (c.bytes[1]! << 16) | (c.bytes[2]! << 8) | c.bytes[3]!) >>> 0,
  bits: c.bits,
}));

/** The special-purpose block of an IPv4 address given as a 32-bit number. */
export function specialRangeOfV4(x: number): SpecialRange | null {
  for (const c of V4) if (c.bits === 0 || (x ^ c.base) >>> (32 - c.bits) === 0) return c.range;
  return null;
}

/** The special-purpose block an address (4 or 16 bytes; mapped IPv4 already unwrapped) is in. */
export function specialRangeOfBytes(ip: Uint8Array): SpecialRange | null {
  for (const c of COMPILED) if (matches(ip, c)) return c.range;
  return null;
}

/** The special-purpose block of an IP literal, or null (also for text that is no IP). */
export function specialRange(ip: string): SpecialRange | null {
  const bytes = ipToBytes(ip);
  return bytes ? specialRangeOfBytes(bytes) : null;
}

/** True for private and reserved addresses. */
export function isSpecialIp(ip: string): boolean {
  return specialRange(ip) !== null;
}
