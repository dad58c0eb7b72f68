/**
 * Fork schedules as data. Two inputs, both hostile until validated:
 *  - the built-in schedules (src/eth/fork-schedules.json), validated once at startup: a malformed
 *    entry is a bug in the data file and stops NodeFinder before it sends a wrong fork ID;
 *  - a geth-style chain config given with `crawl --fork-schedule <file>`: the `config` object of a
 *    genesis.json, or that object alone. Its fork TIMES replace the chosen network's (go-ethereum
 *    params/config.go ChainConfig JSON names; core/forkid gatherForks takes every *Time field).
 *    Unknown keys are ignored, as Go's encoding/json does.
 */
import type { BlockFork, NetworkDefinition, TimeFork } from './network-definition.js';

/** A schedule file or chain config is invalid; the message says where. */
export class ForkScheduleError extends Error {
  override readonly name = 'ForkScheduleError';
}

/** A genesis.json with its alloc can be several MB (Hoodi's is ~6 MB); refuse anything absurd. */
export const FORK_SCHEDULE_MAX_BYTES = 64 * 1024 * 1024;

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * go-ethereum's ChainConfig timestamp forks (params/config.go @ 02b73d4e, JSON tags), in
 * activation order. A key here is a fork NodeFinder can schedule from a chain config.
 */
export const GETH_TIME_FORK_KEYS = [
  'shanghaiTime',
  'cancunTime',
  'pragueTime',
  'osakaTime',
  'bpo1Time',
  'bpo2Time',
  'bpo3Time',
  'bpo4Time',
  'bpo5Time',
  'amsterdamTime',
  'bogotaTime',
  'ubtTime',
] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function uint(v: unknown, where: string, max = BigInt(Number.MAX_SAFE_INTEGER)): number {
  let b: bigint | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v)) b = BigInt(v);
  if (b === undefined || b < 0n || b > max || b > UINT64_MAX) throw new ForkScheduleError(`${where}: not an unsigned integer`);
  return Number(b);
}

function str(v: unknown, where: string, pattern: RegExp): string {
  if (typeof v !== 'string' || !pattern.test(v)) throw new ForkScheduleError(`${where}: invalid value`);
  return v;
}

const FORK_NAME = /^[a-z][a-z0-9_]{0,31}$/;

function forkList<T>(v: unknown, where: string, item: (x: Record<string, unknown>, w: string) => T): T[] {
  if (!Array.isArray(v) || v.length > 64) throw new ForkScheduleError(`${where}: not a list of ≤ 64 forks`);
  return v.map((x, i) => {
    if (!isObject(x)) throw new ForkScheduleError(`${where}[${i}]: not an object`);
    return item(x, `${where}[${i}]`);
  });
}

function ascending(values: number[], where: string): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[i - 1]!) throw new ForkScheduleError(`${where}: forks not in activation order`);
  }
}

/** Validate one network entry of the built-in data file. */
export function parseNetworkEntry(name: NetworkDefinition['name'], v: unknown): NetworkDefinition {
  const w = `fork-schedules.json networks.${name}`;
  if (!isObject(v)) throw new ForkScheduleError(`${w}: missing`);
  const blockForks: BlockFork[] = forkList(v.blockForks, `${w}.blockForks`, (x, iw) => ({
    name: str(x.name, `${iw}.name`, FORK_NAME),
    block: uint(x.block, `${iw}.block`),
  }));
  const timeForks: TimeFork[] = forkList(v.timeForks, `${w}.timeForks`, (x, iw) => ({
    name: str(x.name, `${iw}.name`, FORK_NAME),
    time: uint(x.time, `${iw}.time`),
  }));
  ascending(blockForks.map((f) => f.block), `${w}.blockForks`);
  ascending(timeForks.map((f) => f.time), `${w}.timeForks`);
  let daoFork: NetworkDefinition['daoFork'] = null;
  if (v.daoFork !== null) {
    if (!isObject(v.daoFork)) throw new ForkScheduleError(`${w}.daoFork: not an object or null`);
    daoFork = { block: uint(v.daoFork.block, `${w}.daoFork.block`), extraData: str(v.daoFork.extraData, `${w}.daoFork.extraData`, /^.{1,32}$/) };
  }
  return {
    name,
    networkId: uint(v.networkId, `${w}.networkId`),
    chainId: uint(v.chainId, `${w}.chainId`),
    genesisHash: str(v.genesisHash, `${w}.genesisHash`, /^[0-9a-f]{64}$/),
    genesisTime: uint(v.genesisTime, `${w}.genesisTime`),
    genesisDifficulty: BigInt(uint(v.genesisDifficulty, `${w}.genesisDifficulty`)),
    blockForks,
    timeForks,
    daoFork,
  };
}

/** Validate the built-in data file: every network of `names`, nothing missing. */
export function parseScheduleData<N extends NetworkDefinition['name']>(data: unknown, names: readonly N[]): Record<N, NetworkDefinition> {
  if (!isObject(data) || !isObject(data.networks)) throw new ForkScheduleError('fork-schedules.json: no "networks" object');
  const networks = data.networks;
  const out = {} as Record<N, NetworkDefinition>;
  for (const name of names) out[name] = parseNetworkEntry(name, networks[name]);
  return out;
}

/**
 * Parse a geth-style chain config (the text of a genesis.json or of its `config` object) and return
 * its timestamp forks in activation order. Throws ForkScheduleError with a one-line reason.
 */
export function parseGethChainConfig(text: string, expectedChainId?: number): TimeFork[] {
  if (text.length > FORK_SCHEDULE_MAX_BYTES) throw new ForkScheduleError(`larger than ${FORK_SCHEDULE_MAX_BYTES} bytes`);
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    throw new ForkScheduleError(`not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isObject(doc)) throw new ForkScheduleError('not a JSON object');
  const config = isObject(doc.config) ? doc.config : doc;
  if (expectedChainId !== undefined && config.chainId !== undefined && config.chainId !== null) {
    const chainId = uint(config.chainId, 'chainId', UINT64_MAX);
    if (chainId !== expectedChainId) throw new ForkScheduleError(`chainId ${chainId} is not the crawled network's (${expectedChainId})`);
  }
  const forks: TimeFork[] = [];
  for (const key of GETH_TIME_FORK_KEYS) {
    const value = config[key];
    if (value === undefined || value === null) continue; // nil in geth: not scheduled
    forks.push({ name: key.slice(0, -'Time'.length).toLowerCase(), time: uint(value, key) });
  }
  if (forks.length === 0) throw new ForkScheduleError(`no fork time (${GETH_TIME_FORK_KEYS.slice(0, 3).join(', ')}, …) in the chain config`);
  // geth sorts the times (core/forkid gatherForks); a later fork with an earlier time is a typo.
  ascending(forks.map((f) => f.time), 'fork times');
  return forks;
}

/** The network with its fork times replaced by those of a chain config. */
export function withTimeForks(network: NetworkDefinition, timeForks: readonly TimeFork[]): NetworkDefinition {
  return { ...network, timeForks: [...timeForks] };
}
