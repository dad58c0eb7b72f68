import { describe, expect, it } from 'vitest';
import {
  NETWORKS,
  NETWORK_NAMES,
  forkSchedule,
  getNetwork,
  isNetworkName,
  networkByGenesis,
} from '../../src/eth/networks.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { vectors } from './vectors.js';

describe('network definitions', () => {
  it('ids and genesis hashes (genesis hashes as in the vectors file, from geth params/config.go)', () => {
    expect(NETWORK_NAMES).toEqual(['mainnet', 'sepolia', 'holesky', 'hoodi']);
    expect(NETWORK_NAMES.map((n) => NETWORKS[n].networkId)).toEqual([1, 11_155_111, 17_000, 560_048]);
    for (const name of NETWORK_NAMES) {
      expect(NETWORKS[name].name).toBe(name);
      expect(NETWORKS[name].genesisHash).toBe((vectors.forkid.genesis_hashes as Record<string, string>)[name]);
    }
  });

  it('mainnet schedule equals the vectors file (block and time forks)', () => {
    const blocks = Object.values(vectors.forkid.mainnet_fork_schedule.blocks).map(Number);
    const times = Object.values(vectors.forkid.mainnet_fork_schedule.times).map(Number);
    expect([...new Set(NETWORKS.mainnet.blockForks.map((f) => f.block))]).toEqual(blocks);
    expect(NETWORKS.mainnet.timeForks.map((f) => f.time)).toEqual(times);
  });

  it('forks are listed in activation order and timestamps are after 2015', () => {
    for (const name of NETWORK_NAMES) {
      const { blockForks, timeForks } = NETWORKS[name];
      expect(blockForks.map((f) => f.block)).toEqual([...blockForks.map((f) => f.block)].sort((a, b) => a - b));
      expect(timeForks.map((f) => f.time)).toEqual([...timeForks.map((f) => f.time)].sort((a, b) => a - b));
    }
  });

  it('lookup helpers', () => {
    expect(isNetworkName('hoodi')).toBe(true);
    expect(isNetworkName('goerli')).toBe(false);
    expect(getNetwork('sepolia').networkId).toBe(11_155_111);
    expect(networkByGenesis(`0x${NETWORKS.holesky.genesisHash.toUpperCase()}`)?.name).toBe('holesky');
    expect(networkByGenesis('00'.repeat(32))).toBeUndefined();
    expect(bytesToHex(forkSchedule(NETWORKS.mainnet).genesisHash)).toBe(NETWORKS.mainnet.genesisHash);
  });

  it('the DAO fork is configured on mainnet only', () => {
    expect(NETWORKS.mainnet.daoFork).toEqual({ block: 1_920_000, extraData: 'dao-hard-fork' });
    expect(NETWORK_NAMES.filter((n) => NETWORKS[n].daoFork)).toEqual(['mainnet']);
  });
});
