/**
 * Network definitions: ids, genesis, and fork schedules for the fork ID (EIP-2124/6122).
 *
 * Source: go-ethereum params/config.go @ 02b73d4ea7181464175e0a6cbecc0a3a2655a562 (the snapshot the
 * test vectors were taken from), cross-checked in tests against @ethereumjs/common's chain files.
 *
 * HEAD OF THE SCHEDULE (dated 2026-01-07): the last scheduled fork on every network is BPO2
 * (mainnet 2026-01-07 01:01:11 UTC); Amsterdam has no date yet.
 * When a new fork is scheduled, append it to `timeForks` of each network (and add a fork-ID vector
 * to test/eth): a crawler with a stale schedule sees up-to-date peers as `incompatible`.
 */
import { hexToBytes } from '../util/bytes.js';
import type { ForkSchedule } from './fork-id.js';

export const NETWORK_NAMES = ['mainnet', 'sepolia', 'holesky', 'hoodi'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

export interface BlockFork {
  name: string;
  block: number;
}

export interface TimeFork {
  name: string;
  /** Unix seconds. */
  time: number;
}

export interface NetworkDefinition {
  name: NetworkName;
  /** eth STATUS network id. */
  networkId: number;
  /** EIP-155 chain id (equal to the network id on these networks). */
  chainId: number;
  /** Lowercase hex, no 0x. */
  genesisHash: string;
  /** Genesis block timestamp (Unix seconds). */
  genesisTime: number;
  /** Genesis difficulty: the total difficulty we claim in eth/66–68 STATUS (we have no chain). */
  genesisDifficulty: bigint;
  /** Block-number forks in activation order (forks at 0 are listed for completeness). */
  blockForks: readonly BlockFork[];
  /** Timestamp forks in activation order (EIP-6122). */
  timeForks: readonly TimeFork[];
  /** DAO fork (mainnet only): that block's header carries this extraData on the pro-fork chain. */
  daoFork: { block: number; extraData: string } | null;
}

/** Frontier-era forks that every post-merge testnet activates at genesis. */
const GENESIS_FORKS_TO_LONDON: readonly BlockFork[] = [
  'homestead', 'tangerine_whistle', 'spurious_dragon', 'byzantium', 'constantinople', 'petersburg',
  'istanbul', 'berlin', 'london',
].map((name) => ({ name, block: 0 }));

export const NETWORKS: Readonly<Record<NetworkName, NetworkDefinition>> = {
  mainnet: {
    name: 'mainnet',
    networkId: 1,
    chainId: 1,
    genesisHash: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3',
    genesisTime: 0,
    genesisDifficulty: 17_179_869_184n,
    blockForks: [
      { name: 'homestead', block: 1_150_000 },
      { name: 'dao', block: 1_920_000 },
      { name: 'tangerine_whistle', block: 2_463_000 },
      { name: 'spurious_dragon', block: 2_675_000 },
      { name: 'byzantium', block: 4_370_000 },
      { name: 'constantinople', block: 7_280_000 },
      { name: 'petersburg', block: 7_280_000 },
      { name: 'istanbul', block: 9_069_000 },
      { name: 'muir_glacier', block: 9_200_000 },
      { name: 'berlin', block: 12_244_000 },
      { name: 'london', block: 12_965_000 },
      { name: 'arrow_glacier', block: 13_773_000 },
      { name: 'gray_glacier', block: 15_050_000 },
      // The merge (Paris) was triggered by total difficulty and is not a fork-ID fork on mainnet.
    ],
    timeForks: [
      { name: 'shanghai', time: 1_681_338_455 }, // 2023-04-12
      { name: 'cancun', time: 1_710_338_135 }, // 2024-03-13
      { name: 'prague', time: 1_746_612_311 }, // 2025-05-07
      { name: 'osaka', time: 1_764_798_551 }, // 2025-12-03 (Fusaka)
      { name: 'bpo1', time: 1_765_290_071 }, // 2025-12-09
      { name: 'bpo2', time: 1_767_747_671 }, // 2026-01-07
    ],
    daoFork: { block: 1_920_000, extraData: 'dao-hard-fork' },
  },
  sepolia: {
    name: 'sepolia',
    networkId: 11_155_111,
    chainId: 11_155_111,
    genesisHash: '25a5cc106eea7138acab33231d7160d69cb777ee0c2c553fcddf5138993e6dd9',
    genesisTime: 1_633_267_481,
    genesisDifficulty: 0x20000n,
    blockForks: [...GENESIS_FORKS_TO_LONDON, { name: 'merge_netsplit', block: 1_735_371 }],
    timeForks: [
      { name: 'shanghai', time: 1_677_557_088 },
      { name: 'cancun', time: 1_706_655_072 },
      { name: 'prague', time: 1_741_159_776 },
      { name: 'osaka', time: 1_760_427_360 },
      { name: 'bpo1', time: 1_761_017_184 },
      { name: 'bpo2', time: 1_761_607_008 }, // 2025-10-27
    ],
    daoFork: null,
  },
  holesky: {
    name: 'holesky',
    networkId: 17_000,
    chainId: 17_000,
    genesisHash: 'b5f7f912443c940f21fd611f12828d75b534364ed9e95ca4e307729a4661bde4',
    genesisTime: 1_695_902_100,
    genesisDifficulty: 1n,
    blockForks: [...GENESIS_FORKS_TO_LONDON, { name: 'merge_netsplit', block: 0 }],
    timeForks: [
      { name: 'shanghai', time: 1_696_000_704 },
      { name: 'cancun', time: 1_707_305_664 },
      { name: 'prague', time: 1_740_434_112 },
      { name: 'osaka', time: 1_759_308_480 },
      { name: 'bpo1', time: 1_759_800_000 },
      { name: 'bpo2', time: 1_760_389_824 }, // 2025-10-13
    ],
    daoFork: null,
  },
  hoodi: {
    name: 'hoodi',
    networkId: 560_048,
    chainId: 560_048,
    genesisHash: 'bbe312868b376a3001692a646dd2d7d1e4406380dfd86b98aa8a34d1557c971b',
    genesisTime: 1_742_212_800,
    genesisDifficulty: 1n,
    blockForks: [...GENESIS_FORKS_TO_LONDON, { name: 'merge_netsplit', block: 0 }],
    timeForks: [
      // Active at genesis (time 0 ≤ genesis time): they do not enter the fork hash.
      { name: 'shanghai', time: 0 },
      { name: 'cancun', time: 0 },
      { name: 'prague', time: 1_742_999_832 },
      { name: 'osaka', time: 1_761_677_592 },
      { name: 'bpo1', time: 1_762_365_720 },
      { name: 'bpo2', time: 1_762_955_544 }, // 2025-11-12
    ],
    daoFork: null,
  },
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
