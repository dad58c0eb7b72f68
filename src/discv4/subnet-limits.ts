/**
 * The discv4 table's per-subnet IP limits (geth table.go bucketIPLimit/tableIPLimit, netutil
 * DistinctNetSet): at most 2 addresses of one /24 per bucket and 10 in the table; IPv6 grouped by
 * /64; LAN addresses exempt by default (as geth). Also the usable-address rule for entries.
 */
import { ipToBytes } from '../net/ip.js';
import { bytesToHex } from '../util/bytes.js';
import type { Bucket, Entry } from './table-entry.js';

/** geth table.go bucketIPLimit, bucketSubnet: at most 2 addresses from one /24 per bucket. */
export const BUCKET_IP_LIMIT = 2;
/** geth table.go tableIPLimit, tableSubnet: at most 10 addresses from one /24 in the table. */
export const TABLE_IP_LIMIT = 10;
export const IPV4_SUBNET_BITS = 24;
/** Ours: IPv6 addresses are grouped by /64 (one end-site LAN), since /24 is meaningless for v6.
 *  Both subnet sizes must be whole bytes. */
export const IPV6_SUBNET_BITS = 64;

/**
 * geth netutil.IsLAN: loopback, private and link-local ranges (exempt from IP limits by default):
 * 0/8, 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, ::1, fe80::/10, fc00::/7.
 */
function isLan(b: Uint8Array): boolean {
  if (b.length === 4) {
    const [x, y] = [b[0]!, b[1]!];
    return x === 0 || x === 10 || x === 127 || (x === 169 && y === 254) || (x === 172 && (y & 0xf0) === 16) || (x === 192 && y === 168);
  }
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return true;
  if ((b[0]! & 0xfe) === 0xfc) return true;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

/**
 * Subnet key of an IP literal for the IP limits (IPv4-mapped IPv6 counts as IPv4), or undefined
 * when it is not a usable unicast address (unspecified, multicast, a zone id, not a literal).
 */
export function subnetOf(ip: string): { key: string; lan: boolean } | undefined {
  const b = ipToBytes(ip);
  if (!b || b.every((x) => x === 0)) return undefined;
  if (b.length === 4) {
    if (b[0]! >= 224) return undefined; // multicast, reserved, broadcast
  } else if (b[0] === 0xff) {
    return undefined; // ff00::/8 multicast
  }
  const bits = b.length === 4 ? IPV4_SUBNET_BITS : IPV6_SUBNET_BITS;
  return { key: `${b.length === 4 ? 4 : 6}:${bytesToHex(b.subarray(0, bits / 8))}`, lan: isLan(b) };
}

/** The table-wide counts; each bucket keeps its own in Bucket.ips. */
export class IpLimits {
  private readonly tableIps = new Map<string, number>();

  constructor(
    private readonly bucketIpLimit: number,
    private readonly tableIpLimit: number,
  ) {}

  claim(b: Bucket, subnet: string | null): boolean {
    if (subnet === null) return true;
    if ((this.tableIps.get(subnet) ?? 0) >= this.tableIpLimit) return false;
    if ((b.ips.get(subnet) ?? 0) >= this.bucketIpLimit) return false;
    this.tableIps.set(subnet, (this.tableIps.get(subnet) ?? 0) + 1);
    b.ips.set(subnet, (b.ips.get(subnet) ?? 0) + 1);
    return true;
  }

  release(b: Bucket, subnet: string | null): void {
    if (subnet === null) return;
    decrement(this.tableIps, subnet);
    decrement(b.ips, subnet);
  }

  /** Re-home an entry's IP accounting to a new subnet; false (and no change) when limits refuse. */
  move(b: Bucket, e: Entry, subnet: string | null): boolean {
    if (subnet === e.subnet) return true;
    this.release(b, e.subnet);
    if (!this.claim(b, subnet)) {
      this.claim(b, e.subnet);
      return false;
    }
    e.subnet = subnet;
    return true;
  }
}

function decrement(m: Map<string, number>, k: string): void {
  const v = (m.get(k) ?? 0) - 1;
  if (v <= 0) m.delete(k);
  else m.set(k, v);
}
