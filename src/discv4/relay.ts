/**
 * Which relayed endpoints are worth keeping: the rules geth applies to every NEIGHBORS entry
 * (go-ethereum p2p/discover/v4_udp.go nodeFromRPC: UDP port ≤ 1024 is errLowPort, then
 * p2p/netutil/net.go CheckRelayAddr, src/enode/relay-ip.ts) and to what it relays when answering
 * FINDNODE (handleFindnode only sends entries that pass CheckRelayAddr for the requester). Pure.
 */
import { checkRelayAddr, type RelayRejection } from '../enode/relay-ip.js';

/** Why an entry was dropped; the keys of Discv4Counters.neighborsDropped. */
export const DROP_REASONS = ['invalid', 'unspecified', 'special', 'loopback', 'lan', 'low_port', 'bad_key', 'self', 'malformed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
const exhaustive: RelayRejection extends DropReason ? true : never = true;
void exhaustive;

/** geth nodeFromRPC: `if rn.UDP <= 1024 { return nil, errLowPort }` — privileged ports are no discv4 node. */
export const MIN_RELAYED_UDP_PORT = 1025;

/** The port rule, then the relay rule, for one NEIGHBORS entry (geth nodeFromRPC order). */
export function checkRelayedEndpoint(sender: string, entry: { ip: string; udpPort: number }): RelayRejection | 'low_port' | undefined {
  if (entry.udpPort < MIN_RELAYED_UDP_PORT) return 'low_port';
  return checkRelayAddr(sender, entry.ip);
}
