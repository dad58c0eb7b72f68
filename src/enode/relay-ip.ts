/**
 * Whether an address one node relays about another (a NEIGHBORS entry, the IP of an ENR in an
 * ENRRESPONSE) is a connection target, as go-ethereum p2p/netutil/net.go CheckRelayAddr decides:
 *
 *   - unspecified and special-purpose addresses (RFC 5735/5156, IANA special registries) never are;
 *   - loopback only when relayed by a loopback host;
 *   - LAN (private, loopback, link-local) only when relayed by a LAN host;
 *   - every other address is.
 */
import { Netrestrict } from '../net/netrestrict.js';
import { normalizeIp } from '../net/ip.js';

export type RelayRejection = 'invalid' | 'unspecified' | 'special' | 'loopback' | 'lan';

/** geth p2p/netutil/net.go special4/special6 (multicast is checked separately). */
const SPECIAL = new Netrestrict([
  '0.0.0.0/8', '192.0.0.0/29', '192.0.0.9/32', '192.0.0.170/32', '192.0.0.171/32', '192.0.2.0/24',
  '192.31.196.0/24', '192.52.193.0/24', '192.88.99.0/24', '192.175.48.0/24', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '255.255.255.255/32',
  '100::/64', '2001::/32', '2001:1::1/128', '2001:2::/48', '2001:3::/32', '2001:4:112::/48', '2001:5::/32',
  '2001:10::/28', '2001:20::/28', '2001:db8::/32', '2002::/16',
]);
const MULTICAST = new Netrestrict(['224.0.0.0/4', 'ff00::/8']);
const LOOPBACK = new Netrestrict(['127.0.0.0/8', '::1/128']);
/** Go's net.IP IsPrivate (RFC 1918, RFC 4193) and IsLinkLocalUnicast. */
const LAN = new Netrestrict(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', '169.254.0.0/16', 'fe80::/10']);

export function isLoopbackIp(ip: string): boolean {
  const n = normalizeIp(ip);
  return n !== undefined && LOOPBACK.allows(n);
}

/** geth AddrIsLAN: loopback, private or link-local. */
export function isLanIp(ip: string): boolean {
  const n = normalizeIp(ip);
  return n !== undefined && (LOOPBACK.allows(n) || LAN.allows(n));
}

/** geth AddrIsSpecialNetwork: multicast, broadcast, documentation and other special-use ranges. */
export function isSpecialNetworkIp(ip: string): boolean {
  const n = normalizeIp(ip);
  return n !== undefined && (MULTICAST.allows(n) || SPECIAL.allows(n));
}

/** Why `addr`, relayed by `sender`, is not a connection target; undefined when it is. */
export function checkRelayAddr(sender: string, addr: string | undefined): RelayRejection | undefined {
  const a = addr === undefined ? undefined : normalizeIp(addr);
  if (a === undefined) return 'invalid';
  if (a === '0.0.0.0' || a === '::') return 'unspecified';
  if (isSpecialNetworkIp(a)) return 'special';
  if (isLoopbackIp(a) && !isLoopbackIp(sender)) return 'loopback';
  if (isLanIp(a) && !isLanIp(sender)) return 'lan';
  return undefined;
}
