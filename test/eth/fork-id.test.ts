import { describe, expect, it } from 'vitest';
import { Holesky, Hoodi, Mainnet, Sepolia } from '@ethereumjs/common';
import {
  computeForkId,
  crc32Update,
  createForkFilter,
  currentForkId,
  decodeForkId,
  encodeForkId,
  forkHashHex,
  gatherForks,
  lastBlockFork,
  validateForkId,
  type ForkId,
  type ForkIdVerdict,
  type ForkSchedule,
} from '../../src/eth/fork-id.js';
import { NETWORKS, NETWORK_NAMES, forkSchedule } from '../../src/eth/networks.js';
import { NodeFinderError } from '../../src/errors.js';
import { hexToBytes } from '../../src/util/bytes.js';
import { RlpError } from '../../src/util/rlp.js';
import { vectors } from './vectors.js';
import { BASE_SEED, FUZZ_SCALE, Rng, fuzzDecoder, fuzzInputs } from '../devp2p/fuzz-helpers.js';

const F = vectors.forkid;
const hash = (hex: string) => hexToBytes(hex.replace(/^0x/, ''));
const hex = (id: ForkId) => forkHashHex(id.hash);

const mainnet = forkSchedule(NETWORKS.mainnet);
/** EIP-2124 (2019) test setup: mainnet known up to Petersburg. */
const mainnetPetersburg: ForkSchedule = {
  ...mainnet,
  blockForks: mainnet.blockForks.filter((b) => Number(b) <= 7_280_000),
  timeForks: [],
};
/** geth TestValidation's "mainnet_without_time_forks" (ShanghaiTime..BPO2Time = nil). */
const mainnetNoTime: ForkSchedule = { ...mainnet, timeForks: [] };

/** geth's two rejections; we split ErrLocalIncompatibleOrStale into local_stale and incompatible. */
function verdictMatches(expected: string, got: ForkIdVerdict): boolean {
  if (expected === 'accept') return got === 'compatible';
  if (expected === 'ErrRemoteStale') return got === 'remote_stale';
  if (expected === 'ErrLocalIncompatibleOrStale') return got === 'local_stale' || got === 'incompatible';
  throw new Error(`unknown expectation ${expected}`);
}

describe('CRC32', () => {
  it('matches the IEEE check value and the mainnet genesis checksum', () => {
    expect(crc32Update(0, new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32Update(0, hexToBytes(F.genesis_hashes.mainnet))).toBe(0xfc64ec04);
  });
});

describe('EIP-2124 vectors', () => {
  it('creation (mainnet as of Petersburg)', () => {
    for (const c of F.eip2124_mainnet_creation.cases) {
      const id = computeForkId(mainnetPetersburg, c.head, 0);
      expect([c.comment, hex(id), id.next]).toEqual([c.comment, c.fork_hash, BigInt(c.fork_next)]);
    }
  });

  it('validation (mainnet as of Petersburg)', () => {
    const filter = createForkFilter(mainnetPetersburg);
    for (const c of F.eip2124_mainnet_validation.cases) {
      const got = filter({ hash: hash(c.remote_fork_hash), next: BigInt(c.remote_fork_next) }, c.local_head, 0);
      expect([c.comment, verdictMatches(c.expected, got)]).toEqual([c.comment, true]);
    }
  });

  it('RLP encoding', () => {
    expect(F.eip2124_rlp_encoding.cases[2]!.fork_next).toBe((1n << 64n) - 1n); // read exactly, not as a double
    for (const c of F.eip2124_rlp_encoding.cases) {
      const id = { hash: hash(c.fork_hash), next: BigInt(c.fork_next) };
      expect(Buffer.from(encodeForkId(id)).toString('hex')).toBe(c.rlp);
      expect(decodeForkId(hexToBytes(c.rlp))).toEqual(id);
    }
  });
});

describe('EIP-6122 example', () => {
  it('homestead + a time fork at 1668000000 hashes to 0xcb37b2ee', () => {
    const s: ForkSchedule = { ...mainnet, blockForks: [1_150_000], timeForks: [1_668_000_000] };
    const id = computeForkId(s, 1_150_000, 1_668_000_000);
    expect(hex(id)).toBe(F.eip6122_example.fork_hash);
    expect(id.next).toBe(0n);
    const before = computeForkId(s, 1_150_000, 1_667_999_999);
    expect([hex(before), before.next]).toEqual(['0x97c2c34c', 1_668_000_000n]);
  });
});

type GethCase = { head: number; time: number; fork_hash: string; fork_next: number; comment: string };

/**
 * The vectors are go-ethereum's core/forkid TestCreation at 02b73d4e (2026-08-20). Since then geth
 * #35734 scheduled Amsterdam on Sepolia at 1791294816: BPO2's rows announce it as FORK_NEXT, and a
 * head at or past it has fork hash 0x6c1d9423 with next 0 (the values of that PR's test and of
 * Besu #11333 / Nethermind #13455).
 */
function sinceSnapshot(name: string, cases: GethCase[]): GethCase[] {
  if (name !== 'sepolia') return cases;
  const amsterdam = 1_791_294_816;
  return [
    ...cases.map((c) =>
      c.fork_hash !== '0x268956b6' ? c : c.time >= amsterdam ? { ...c, fork_hash: '0x6c1d9423', fork_next: 0 } : { ...c, fork_next: amsterdam },
    ),
    { head: 1_735_372, time: amsterdam - 1, fork_hash: '0x268956b6', fork_next: amsterdam, comment: 'Last BPO2 block (geth #35734)' },
    { head: 1_735_372, time: amsterdam, fork_hash: '0x6c1d9423', fork_next: 0, comment: 'First Amsterdam block (geth #35734)' },
  ];
}

describe('go-ethereum TestCreation vectors, every network', () => {
  for (const name of NETWORK_NAMES) {
    it(name, () => {
      const cases = sinceSnapshot(name, (F.geth_creation.networks as Record<string, GethCase[]>)[name]!);
      expect(cases.length).toBeGreaterThan(0);
      const s = forkSchedule(NETWORKS[name]);
      for (const c of cases!) {
        const id = computeForkId(s, c.head, c.time);
        expect([c.comment, hex(id), id.next]).toEqual([c.comment, c.fork_hash, BigInt(c.fork_next)]);
      }
    });
  }
});

describe('go-ethereum TestValidation vectors (mainnet)', () => {
  const filters = {
    mainnet: createForkFilter(mainnet),
    mainnet_without_time_forks: createForkFilter(mainnetNoTime),
  };
  it('all cases', () => {
    for (const c of F.geth_validation_mainnet.cases) {
      const filter = c.config.startsWith('mainnet_without_time_forks') ? filters.mainnet_without_time_forks : filters.mainnet;
      const got = filter({ hash: hash(c.remote_fork_hash), next: BigInt(c.remote_fork_next) }, c.local_head, c.local_time);
      expect([c.comment, c.expected, verdictMatches(c.expected, got)]).toEqual([c.comment, c.expected, true]);
    }
    expect(F.geth_validation_mainnet.cases.length).toBe(45);
  });

  it('rule 1a is local_stale, rule 4 is incompatible', () => {
    const f = filters.mainnet;
    // Same fork state (Gray Glacier) but the remote announces a fork at a time we already passed.
    expect(f({ hash: hash('0xf0afd0e3'), next: 1_660_000_000n }, 888_888_888, 1_660_000_000)).toBe('local_stale');
    // Checksum not in our history or future (Rinkeby Petersburg).
    expect(f({ hash: hash('0xafec6b27'), next: 0n }, 7_987_396, 0)).toBe('incompatible');
    // Rule 2: remote stuck at Gray Glacier, unaware of Shanghai.
    expect(f({ hash: hash('0xf0afd0e3'), next: 0n }, 20_000_000, 1_681_338_455)).toBe('remote_stale');
  });
});

describe('fork gathering pitfalls', () => {
  it('skips duplicates, block 0, and timestamp forks at or before genesis', () => {
    const s: ForkSchedule = {
      genesisHash: new Uint8Array(32),
      genesisTime: 1_000,
      blockForks: [0, 5, 5, 0, 3],
      timeForks: [0, 1_000, 2_000, 2_000, 1_500],
    };
    expect(gatherForks(s)).toEqual({ byBlock: [3n, 5n], byTime: [1_500n, 2_000n] });
    expect(lastBlockFork(s)).toBe(5n);
    // Hoodi: Shanghai and Cancun at time 0 ≤ genesis time do not enter the hash.
    expect(gatherForks(forkSchedule(NETWORKS.hoodi)).byTime[0]).toBe(1_742_999_832n);
  });

  it('a first timestamp fork equal to genesis time is not a fork', () => {
    const base: ForkSchedule = { genesisHash: new Uint8Array(32).fill(1), genesisTime: 1_700_000_000, blockForks: [], timeForks: [] };
    const withGenesisFork = { ...base, timeForks: [1_700_000_000] };
    expect(computeForkId(withGenesisFork, 0, 1_700_000_000)).toEqual(computeForkId(base, 0, 1_700_000_000));
    expect(computeForkId(withGenesisFork, 0, 1_700_000_000).next).toBe(0n);
  });
});

describe('cross-check with @ethereumjs/common chain files', () => {
  const chains = { mainnet: Mainnet, sepolia: Sepolia, holesky: Holesky, hoodi: Hoodi } as const;
  for (const name of NETWORK_NAMES) {
    it(`${name}: ids, genesis time, schedule and every published fork hash`, () => {
      const chain = chains[name] as unknown as {
        chainId: number;
        genesis: { timestamp?: string };
        hardforks: { name: string; block: number | null; timestamp?: string; forkHash?: string | null }[];
      };
      const net = NETWORKS[name];
      expect(net.chainId).toBe(chain.chainId);
      expect(net.genesisTime).toBe(Number(chain.genesis.timestamp ?? 0));
      const s = forkSchedule(net);
      const theirTimes = chain.hardforks.filter((h) => h.timestamp !== undefined).map((h) => Number(h.timestamp)).sort();
      // @ethereumjs/common (installed release) ends at BPO2; Sepolia's Amsterdam came later (geth #35734).
      const ours = net.timeForks.filter((f) => !(name === 'sepolia' && f.name === 'amsterdam'));
      expect(ours.map((f) => f.time).sort()).toEqual(theirTimes);
      const theirBlocks = new Set(
        chain.hardforks.filter((h) => h.name !== 'paris' && typeof h.block === 'number' && h.block > 0).map((h) => h.block),
      );
      expect(new Set(net.blockForks.filter((f) => f.block > 0).map((f) => f.block))).toEqual(theirBlocks);
      let checked = 0;
      for (const h of chain.hardforks) {
        if (!h.forkHash) continue;
        const head = h.block ?? lastBlockFork(s);
        const time = h.timestamp !== undefined ? Number(h.timestamp) : 0;
        expect([h.name, hex(computeForkId(s, head, time))]).toEqual([h.name, h.forkHash]);
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
    });
  }
});

describe('fork ID properties', () => {
  const rng = new Rng(BASE_SEED + 50);

  it('a node accepts its own fork ID and that of any earlier synced state on the same chain', () => {
    for (const name of NETWORK_NAMES) {
      const s = forkSchedule(NETWORKS[name]);
      const filter = createForkFilter(s);
      const { byBlock, byTime } = gatherForks(s);
      const points = [0n, ...byBlock, ...byTime];
      for (let i = 0; i < 200; i++) {
        const head = BigInt(rng.int(30_000_000));
        const time = BigInt(NETWORKS[name].genesisTime + rng.int(200_000_000));
        const mine = computeForkId(s, head, time);
        expect(filter(mine, head, time)).toBe('compatible');
        // A remote that is behind but knows the next fork (rule 2) or ahead of us (rule 3).
        const otherHead = BigInt(rng.int(30_000_000));
        const otherTime = BigInt(NETWORKS[name].genesisTime + rng.int(200_000_000));
        const other = computeForkId(s, otherHead, otherTime);
        expect(filter(other, head, time)).toBe('compatible');
        expect(points.length).toBeGreaterThan(1);
      }
    }
  });

  it('currentForkId is the tip state: mainnet after BPO2 is 0x07c9462e with no next fork', () => {
    expect(hex(currentForkId(mainnet, 1_767_747_671))).toBe('0x07c9462e');
    expect(currentForkId(mainnet, 1_767_747_671).next).toBe(0n);
    expect(currentForkId(mainnet, 1_765_290_071)).toEqual({ hash: hash('0xcba2a1c0'), next: 1_767_747_671n });
  });

  it('validateForkId equals the precomputed filter', () => {
    const filter = createForkFilter(mainnet);
    for (let i = 0; i < 200; i++) {
      const remote = { hash: rng.bytes(4), next: rng.u64() };
      const head = rng.int(30_000_000);
      const time = rng.int(2_000_000_000);
      expect(validateForkId(mainnet, remote, head, time)).toBe(filter(remote, head, time));
    }
  });

  it('encode/decode round trip and fuzz', () => {
    for (let i = 0; i < 500; i++) {
      const id = { hash: rng.bytes(4), next: rng.u64() };
      expect(decodeForkId(encodeForkId(id))).toEqual(id);
    }
    const seeds = F.eip2124_rlp_encoding.cases.map((c) => hexToBytes(c.rlp));
    const { ok } = fuzzDecoder(decodeForkId, fuzzInputs(rng, seeds, 5000 * FUZZ_SCALE), [RlpError]);
    expect(ok).toBeGreaterThan(0);
    expect(() => decodeForkId(hexToBytes('c58300000080'))).toThrow(RlpError); // 3-byte hash
    expect(() => decodeForkId(hexToBytes('cf840000000089010000000000000000'))).toThrow(RlpError); // 9-byte next
    expect(() => decodeForkId(hexToBytes('c4840000000080'))).toThrow(NodeFinderError); // bad list length
  });
});
