/**
 * IP literals ↔ the 4/16-byte forms used on the wire (discv4 endpoints, ENR "ip"/"ip6").
 * Only literals: NodeFinder never resolves host names. IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated
 * as IPv4 everywhere, as geth does (net.IP.To4), so one node never appears under two spellings.
 */
import { isIP } from 'node:net';

/** 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; undefined for anything else. */
export function ipToBytes(ip: string): Uint8Array | undefined {
  if (ip.includes('%')) return undefined; // zone ids are meaningless off-host
  const family = isIP(ip);
  if (family === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (family !== 6) return undefined;
  const out = parseIpv6(ip);
  return isMappedV4(out) ? out.slice(12) : out;
}

/** Canonical text of a 4- or 16-byte address (RFC 5952 for IPv6); undefined for other lengths. */
export function ipFromBytes(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) return undefined;
  if (isMappedV4(bytes)) return ipFromBytes(bytes.subarray(12));
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952 §4.2: compress the longest run (≥2) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Canonical spelling of an IP literal, or undefined when it is not one. */
export function normalizeIp(ip: string): string | undefined {
  const bytes = ipToBytes(ip);
  return bytes && ipFromBytes(bytes);
}

/** True for 0.0.0.0 and :: — addresses nobody can be reached at. */
export function isUnspecifiedIp(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

function isMappedV4(b: Uint8Array): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Parse an address already validated by net.isIP (family 6). */
function parseIpv6(ip: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const toGroups = (s: string): number[] => {
    if (s === '') return [];
    const gs: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const p = part.split('.').map(Number);
        gs.push((p[0]! << 8) | p[1]!, (p[2]! << 8) | p[3]!);
      } else {
        gs.push(parseInt(part, 16));
      }
    }
    return gs;
  };
  const h = toGroups(head);
  const t = tail === undefined ? [] : toGroups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}
