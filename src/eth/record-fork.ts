/**
 * Judging a node record's `eth` entry (devp2p enr-entries/eth.md: [[forkHash, forkNext], …]) without
 * a connection: against one network's schedule at a given time, or by finding the network it fits.
 * The local head is taken as synced past every block fork (all these networks are post-merge).
 */
import type { ForkIdEntry } from '../enode/enr.js';
import { createForkFilter, lastBlockFork, type ForkIdVerdict } from './fork-id.js';
import { NETWORK_NAMES, forkSchedule, getNetwork, type NetworkDefinition } from './networks.js';

export function judgeForkEntry(entry: ForkIdEntry, network: NetworkDefinition, atSeconds: number): ForkIdVerdict {
  const schedule = forkSchedule(network);
  return createForkFilter(schedule)({ hash: entry.forkHash, next: entry.forkNext }, lastBlockFork(schedule), Math.floor(atSeconds));
}

/** The first known network whose fork filter does not call the entry incompatible, if any. */
export function networkOfForkEntry(entry: ForkIdEntry, atSeconds: number): { network: NetworkDefinition; verdict: ForkIdVerdict } | undefined {
  for (const name of NETWORK_NAMES) {
    const network = getNetwork(name);
    const verdict = judgeForkEntry(entry, network, atSeconds);
    if (verdict !== 'incompatible') return { network, verdict };
  }
  return undefined;
}
