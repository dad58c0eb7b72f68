/**
 * Which relayed endpoints are worth keeping: the rules geth applies to every NEIGHBORS entry
 * (go-ethereum p2p/discover/v4_udp.go nodeFromRPC: UDP port ≤ 1024 is errLowPort, then
 * p2p/netutil/net.go CheckRelayAddr) and to what it relays when answering FINDNODE (handleFindnode
 * only sends entries that pass CheckRelayAddr for the requester). Pure: IP literals in, a verdict out.
 *
 * CheckRelayAddr, in order: an unspecified or special-purpose address is never valid; a loopback
 * address only when the sender is loopback; a LAN address (loopback, RFC 1918 / fc00::/7,
 * link-local) only when the sender is on a LAN; anything else is fine.
 */
import { ipToBytes } from '../enode/ip.js';

/** Why an entry was dropped; the keys of Discv4Counters.neighborsDropped. */
export const DROP_REASONS = ['invalid_ip', 'unspecified', 'special', 'loopback', 'lan', 'low_port', 'bad_key', 'self', 'malformed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
export type RelayIpVerdict = Extract<DropReason, 'invalid_ip' | 'unspecified' | 'special' | 'loopback' | 'lan'>;

/** geth nodeFromRPC: `if rn.UDP <= 1024 { return nil, errLowPort }` — privileged ports are no discv4 node. */
export const MIN_RELAYED_UDP_PORT = 1025;

type Prefix = readonly [bytes: readonly number[], bits: number];

const p4 = (a: number, b: number, c: number, d: number, bits: number): Prefix => [[a, b, c, d], bits];
/** IPv6 prefix from its leading 16-bit groups. */
const p6 = (groups: readonly number[], bits: number): Prefix => [groups.flatMap((g) => [g >> 8, g & 0xff]), bits];

/** geth netutil special4 (RFC 5735, RFC 5156, IANA IPv4 special registry), multicast added below. */
const SPECIAL_V4: readonly Prefix[] = [
  p4(0, 0, 0, 0, 8),
  p4(192, 0, 0, 0, 29),
  p4(192, 0, 0, 9, 32),
  p4(192, 0, 0, 170, 32),
  p4(192, 0, 0, 171, 32),
  p4(192, 0, 2, 0, 24),
  p4(192, 31, 196, 0, 24),
  p4(192, 52, 193, 0, 24),
  p4(192, 88, 99, 0, 24),
  p4(192, 175, 48, 0, 24),
  p4(198, 18, 0, 0, 15),
  p4(198, 51, 100, 0, 24),
  p4(203, 0, 113, 0, 24),
  p4(255, 255, 255, 255, 32),
  p4(224, 0, 0, 0, 4), // multicast (netip IsMulticast)
];

/** geth netutil special6 (IANA IPv6 special registry), multicast added. */
const SPECIAL_V6: readonly Prefix[] = [
  p6([0x0100, 0, 0, 0], 64),
  p6([0x2001, 0], 32),
  p6([0x2001, 0x0001, 0, 0, 0, 0, 0, 1], 128),
  p6([0x2001, 0x0002, 0], 48),
  p6([0x2001, 0x0003], 32),
  p6([0x2001, 0x0004, 0x0112], 48),
  p6([0x2001, 0x0005], 32),
  p6([0x2001, 0x0010], 28),
  p6([0x2001, 0x0020], 28),
  p6([0x2001, 0x0db8], 32),
  p6([0x2002], 16),
  p6([0xff00], 8), // multicast
];

/** Go netip IsPrivate + IsLinkLocalUnicast (loopback is handled on its own). */
const LAN_V4: readonly Prefix[] = [p4(10, 0, 0, 0, 8), p4(172, 16, 0, 0, 12), p4(192, 168, 0, 0, 16), p4(169, 254, 0, 0, 16)];
const LAN_V6: readonly Prefix[] = [p6([0xfc00], 7), p6([0xfe80], 10)];

function inPrefix(b: Uint8Array, [prefix, bits]: Prefix): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (b[i] !== (prefix[i] ?? 0)) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (b[whole]! & mask) === ((prefix[whole] ?? 0) & mask);
}

const inAny = (b: Uint8Array, list: readonly Prefix[]) => list.some((p) => inPrefix(b, p));

function isLoopbackBytes(b: Uint8Array): boolean {
  if (b.length === 4) return b[0] === 127;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

const isUnspecifiedBytes = (b: Uint8Array) => b.every((x) => x === 0);

/** Loopback, private (RFC 1918, fc00::/7) or link-local: geth netutil AddrIsLAN. */
function isLanBytes(b: Uint8Array): boolean {
  return isLoopbackBytes(b) || inAny(b, b.length === 4 ? LAN_V4 : LAN_V6);
}

/** geth netutil AddrIsLAN for an IP literal (IPv4-mapped IPv6 counts as IPv4). */
export function isLanIp(ip: string): boolean {
  const b = ipToBytes(ip);
  return b !== undefined && isLanBytes(b);
}

/** 127.0.0.0/8 or ::1 (IPv4-mapped included). */
export function isLoopbackIp(ip: string): boolean {
  const b = ipToBytes(ip);
  return b !== undefined && isLoopbackBytes(b);
}

/**
 * geth CheckRelayAddr(sender, addr): undefined when `addr`, relayed by `sender`, is a valid
 * connection target; otherwise why not.
 */
export function checkRelayIp(sender: string, addr: string): RelayIpVerdict | undefined {
  const a = ipToBytes(addr);
  if (!a) return 'invalid_ip';
  if (isUnspecifiedBytes(a)) return 'unspecified';
  if (inAny(a, a.length === 4 ? SPECIAL_V4 : SPECIAL_V6)) return 'special';
  const s = ipToBytes(sender);
  if (isLoopbackBytes(a) && !(s && isLoopbackBytes(s))) return 'loopback';
  if (isLanBytes(a) && !(s && isLanBytes(s))) return 'lan';
  return undefined;
}

/** The port rule, then the relay rule, for one NEIGHBORS entry (geth nodeFromRPC order). */
export function checkRelayedEndpoint(sender: string, entry: { ip: string; udpPort: number }): RelayIpVerdict | 'low_port' | undefined {
  if (entry.udpPort < MIN_RELAYED_UDP_PORT) return 'low_port';
  return checkRelayIp(sender, entry.ip);
}
