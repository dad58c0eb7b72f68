/**
 * Network definitions: ids, genesis, and fork schedules for the fork ID (EIP-2124/6122).
 *
 * The schedules are data: src/eth/fork-schedules.json, whose `sources` cite where each value comes
 * from (go-ethereum params/config.go and the fork-scheduling PRs of the clients). When a fork is
 * scheduled, add it there (and a fork-ID vector in test/eth); until a release carries it, `crawl
 * --fork-schedule <genesis.json>` overrides the fork times. A stale schedule no longer makes peers
 * leave (we answer their own STATUS, src/crawler/status-exchange.ts) and shows as `local_stale`.
 */
import { hexToBytes } from '../util/bytes.js';
import { currentForkId, type ForkId, type ForkSchedule } from './fork-id.js';
import { parseScheduleData } from './fork-schedule-file.js';
import { NETWORK_NAMES, type NetworkDefinition, type NetworkName } from './network-definition.js';
import scheduleData from './fork-schedules.json' with { type: 'json' };

export { NETWORK_NAMES, type BlockFork, type NetworkDefinition, type NetworkName, type TimeFork } from './network-definition.js';

/**
 * The built-in schedules, validated at startup (a malformed data file stops NodeFinder before it
 * could announce or judge a wrong fork ID).
 */
export const NETWORKS: Readonly<Record<NetworkName, NetworkDefinition>> = parseScheduleData(scheduleData, NETWORK_NAMES);

/** The data file's `updated` date and sources (shown by tests and the README). */
export const SCHEDULE_SOURCES: { updated: string; sources: readonly string[] } = {
  updated: String((scheduleData as { updated?: unknown }).updated ?? ''),
  sources: ((scheduleData as { sources?: unknown }).sources as string[] | undefined) ?? [],
};

export function isNetworkName(name: string): name is NetworkName {
  return (NETWORK_NAMES as readonly string[]).includes(name);
}

export function getNetwork(name: NetworkName): NetworkDefinition {
  return NETWORKS[name];
}

/** The network whose genesis hash is `genesisHashHex` (no 0x), if we know it. */
export function networkByGenesis(genesisHashHex: string): NetworkDefinition | undefined {
  const h = genesisHashHex.toLowerCase().replace(/^0x/, '');
  return NETWORK_NAMES.map((n) => NETWORKS[n]).find((n) => n.genesisHash === h);
}

export function forkSchedule(network: NetworkDefinition): ForkSchedule {
  return {
    genesisHash: hexToBytes(network.genesisHash),
    genesisTime: network.genesisTime,
    blockForks: network.blockForks.map((f) => f.block),
    timeForks: network.timeForks.map((f) => f.time),
  };
}

/**
 * The fork ID a synced node of `network` announces at Unix time `nowSeconds` (EIP-2124/6122): what
 * our STATUS to a silent peer and our ENR `eth` entry carry. Stable signature for other modules.
 */
export function networkForkId(network: NetworkDefinition, nowSeconds: number): ForkId {
  return currentForkId(forkSchedule(network), Math.floor(nowSeconds));
}
