import { describe, expect, it } from 'vitest';
import { computeForkId, createForkClassifier, createForkFilter, forkHashHex } from '../../src/eth/fork-id.js';
import {
  ForkScheduleError,
  GETH_TIME_FORK_KEYS,
  parseGethChainConfig,
  parseScheduleData,
  withTimeForks,
} from '../../src/eth/fork-schedule-file.js';
import { NETWORKS, NETWORK_NAMES, SCHEDULE_SOURCES, forkSchedule, networkForkId } from '../../src/eth/networks.js';
import scheduleData from '../../src/eth/fork-schedules.json' with { type: 'json' };
import { Rng } from '../devp2p/fuzz-helpers.js';

const SEPOLIA_AMSTERDAM = 1_791_294_816; // geth #35734
const hash = (hex: string) => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));

describe('built-in schedules (src/eth/fork-schedules.json)', () => {
  it('load, validate and cite their sources', () => {
    expect(Object.keys(NETWORKS)).toEqual([...NETWORK_NAMES]);
    expect(SCHEDULE_SOURCES.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(SCHEDULE_SOURCES.sources.some((s) => s.includes('#35734'))).toBe(true);
  });

  it('Sepolia: Amsterdam at 2026-10-06 13:53:36 UTC, fork ID 0x6c1d9423 next 0 after it', () => {
    expect(NETWORKS.sepolia.timeForks.at(-1)).toEqual({ name: 'amsterdam', time: SEPOLIA_AMSTERDAM });
    expect(new Date(SEPOLIA_AMSTERDAM * 1000).toISOString()).toBe('2026-10-06T13:53:36.000Z');
    const s = forkSchedule(NETWORKS.sepolia);
    const after = computeForkId(s, 1_735_372, SEPOLIA_AMSTERDAM);
    expect([forkHashHex(after.hash), after.next]).toEqual(['0x6c1d9423', 0n]);
    expect(forkHashHex(networkForkId(NETWORKS.sepolia, SEPOLIA_AMSTERDAM + 0.5).hash)).toBe('0x6c1d9423');
    expect(networkForkId(NETWORKS.sepolia, SEPOLIA_AMSTERDAM - 1).next).toBe(BigInt(SEPOLIA_AMSTERDAM));
    const before = computeForkId(s, 1_735_372, SEPOLIA_AMSTERDAM - 1);
    expect([forkHashHex(before.hash), before.next]).toEqual(['0x268956b6', BigInt(SEPOLIA_AMSTERDAM)]);
  });

  it('mainnet, holesky and hoodi end at BPO2 (no Amsterdam date in go-ethereum yet)', () => {
    for (const n of ['mainnet', 'holesky', 'hoodi'] as const) expect(NETWORKS[n].timeForks.at(-1)?.name).toBe('bpo2');
  });

  it('a malformed data file is refused with the place named', () => {
    const bad = structuredClone(scheduleData) as { networks: Record<string, Record<string, unknown>> };
    bad.networks.sepolia!.timeForks = [{ name: 'shanghai', time: 2 }, { name: 'cancun', time: 1 }];
    expect(() => parseScheduleData(bad, NETWORK_NAMES)).toThrow(/sepolia\.timeForks: forks not in activation order/);
    const bad2 = structuredClone(scheduleData) as { networks: Record<string, Record<string, unknown>> };
    bad2.networks.hoodi!.genesisHash = 'zz';
    expect(() => parseScheduleData(bad2, NETWORK_NAMES)).toThrow(ForkScheduleError);
    expect(() => parseScheduleData({ networks: {} }, NETWORK_NAMES)).toThrow(/mainnet: missing/);
    expect(() => parseScheduleData(null, NETWORK_NAMES)).toThrow(ForkScheduleError);
  });
});

describe('geth-style chain config (--fork-schedule)', () => {
  it('reads the config object of a genesis.json, or the object alone; unknown keys ignored', () => {
    const config = { chainId: 1, shanghaiTime: 1_681_338_455, cancunTime: 1_710_338_135, pragueTime: 1_746_612_311, osakaTime: 1_764_798_551, bpo1Time: 1_765_290_071, londonBlock: 12_965_000, blobSchedule: { x: 1 }, fooTime: 5 };
    const alone = parseGethChainConfig(JSON.stringify(config), 1);
    expect(alone.map((f) => f.name)).toEqual(['shanghai', 'cancun', 'prague', 'osaka', 'bpo1']);
    expect(parseGethChainConfig(JSON.stringify({ config, alloc: {}, timestamp: '0x0' }), 1)).toEqual(alone);
  });

  it('accepts every geth time key, null as unscheduled, numbers and hex strings', () => {
    const config = Object.fromEntries(GETH_TIME_FORK_KEYS.map((k, i) => [k, i === 1 ? null : i === 2 ? `0x${(2000 + i).toString(16)}` : 2000 + i]));
    const forks = parseGethChainConfig(JSON.stringify(config));
    expect(forks).toHaveLength(GETH_TIME_FORK_KEYS.length - 1);
    expect(forks.find((f) => f.name === 'amsterdam')?.time).toBe(2009);
    expect(forks.find((f) => f.name === 'prague')?.time).toBe(2002);
  });

  it('malformed input: one-line ForkScheduleError', () => {
    const cases: [string, RegExp][] = [
      ['{', /not JSON/],
      ['[1]', /not a JSON object/],
      ['{"chainId": 1}', /no fork time/],
      ['{"shanghaiTime": -1}', /shanghaiTime: not an unsigned integer/],
      ['{"shanghaiTime": "soon"}', /shanghaiTime/],
      ['{"shanghaiTime": 1.5}', /shanghaiTime/],
      ['{"shanghaiTime": 5, "cancunTime": 4}', /activation order/],
      ['{"config": {"chainId": 11155111, "shanghaiTime": 5}}', /chainId 11155111 is not the crawled network's \(1\)/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        parseGethChainConfig(text, 1);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(ForkScheduleError);
      expect((err as Error).message, text).toMatch(re);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('fuzz: mutated chain configs either parse or throw ForkScheduleError, nothing else', () => {
    const rng = new Rng(0x5eed);
    const base = JSON.stringify({ config: { chainId: 1, shanghaiTime: 1_681_338_455, cancunTime: 1_710_338_135, pragueTime: '0x681b3057', blobSchedule: { cancun: { target: 3 } } }, alloc: {} });
    const alphabet = '{}[]",:0123456789-.xeE tnulfasr\\';
    for (let i = 0; i < 3_000; i++) {
      const chars = [...base];
      for (let k = 1 + rng.int(4); k > 0; k--) {
        const at = rng.int(chars.length);
        const op = rng.int(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rng.int(alphabet.length)]!);
        else chars[at] = alphabet[rng.int(alphabet.length)]!;
      }
      try {
        const forks = parseGethChainConfig(chars.join(''), 1);
        for (const f of forks) expect(Number.isSafeInteger(f.time) && f.time >= 0).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(ForkScheduleError);
      }
    }
  });

  it('replaces only the fork times', () => {
    const net = withTimeForks(NETWORKS.mainnet, [{ name: 'shanghai', time: 1_681_338_455 }]);
    expect(net.blockForks).toBe(NETWORKS.mainnet.blockForks);
    expect(net.timeForks).toEqual([{ name: 'shanghai', time: 1_681_338_455 }]);
    expect(NETWORKS.mainnet.timeForks).toHaveLength(6);
  });
});

describe('fork verdicts: when we are the stale side', () => {
  const mainnet = NETWORKS.mainnet;
  const withoutBpo2 = forkSchedule(withTimeForks(mainnet, mainnet.timeForks.filter((f) => f.name !== 'bpo2')));
  const now = 1_780_000_000; // 2026-05-28: BPO2 long passed
  const head = 15_050_000;
  const bpo2 = computeForkId(forkSchedule(mainnet), head, now);

  it('the full schedule gives 0x07c9462e (BPO2) next 0', () => {
    expect([forkHashHex(bpo2.hash), bpo2.next]).toEqual(['0x07c9462e', 0n]);
  });

  it('an unknown hash announced after our last known fork is local_stale; EIP-2124 alone says incompatible', () => {
    expect(createForkFilter(withoutBpo2)(bpo2, head, now)).toBe('incompatible');
    expect(createForkClassifier(withoutBpo2)(bpo2, head, now)).toBe('local_stale');
  });

  it('an unknown hash while we still await a fork of ours stays incompatible; known verdicts are unchanged', () => {
    const classify = createForkClassifier(forkSchedule(mainnet));
    const stranger = { hash: hash('0xdeadbeef'), next: 0n };
    expect(classify(stranger, head, mainnet.timeForks.at(-1)!.time - 1)).toBe('incompatible');
    expect(classify(stranger, head, now)).toBe('local_stale');
    expect(classify(bpo2, head, now)).toBe('compatible');
    const bpo1 = computeForkId(withoutBpo2, head, now);
    expect(classify(bpo1, head, now)).toBe('remote_stale');
  });
});
