/**
 * Judging a node record's `eth` entry (devp2p enr-entries/eth.md: [[forkHash, forkNext], …]) without
 * a connection: against one network's schedule at a given time, or by finding the network it fits.
 * The local head is taken as synced past every block fork (all these networks are post-merge).
 */
import type { ForkIdEntry } from '../enode/enr.js';
import { createForkClassifier, createForkFilter, lastBlockFork, type ForkIdVerdict, type ForkSchedule } from './fork-id.js';
import { NETWORK_NAMES, forkSchedule, getNetwork, type NetworkDefinition } from './networks.js';

/**
 * Our verdict for a record said to be on `network`. A record names no genesis, so a hash that fits
 * another known network is `incompatible`; only a hash no schedule knows, seen after our last fork,
 * is `local_stale` (fork-id.ts createForkClassifier).
 */
export function judgeForkEntry(entry: ForkIdEntry, network: NetworkDefinition, atSeconds: number): ForkIdVerdict {
  const verdict = judge(createForkClassifier, forkSchedule(network), entry, atSeconds);
  if (verdict === 'local_stale' && judge(createForkFilter, forkSchedule(network), entry, atSeconds) === 'incompatible') {
    return networkOfForkEntry(entry, atSeconds) ? 'incompatible' : 'local_stale';
  }
  return verdict;
}

/**
 * The first known network whose EIP-2124 filter accepts the entry (compatible or stale), if any.
 * A record does not name its genesis, so an unknown hash fits no network here.
 */
export function networkOfForkEntry(entry: ForkIdEntry, atSeconds: number): { network: NetworkDefinition; verdict: ForkIdVerdict } | undefined {
  for (const name of NETWORK_NAMES) {
    const network = getNetwork(name);
    const verdict = judge(createForkFilter, forkSchedule(network), entry, atSeconds);
    if (verdict !== 'incompatible') return { network, verdict };
  }
  return undefined;
}

function judge(make: typeof createForkFilter, schedule: ForkSchedule, entry: ForkIdEntry, atSeconds: number): ForkIdVerdict {
  return make(schedule)({ hash: entry.forkHash, next: entry.forkNext }, lastBlockFork(schedule), Math.floor(atSeconds));
}
