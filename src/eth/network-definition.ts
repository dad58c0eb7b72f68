/**
 * The shape of a network definition (ids, genesis, fork schedule). Apart from networks.ts so the
 * schedule parser (fork-schedule-file.ts) and the built-in table (networks.ts) do not import each other.
 */
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
