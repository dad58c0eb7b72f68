/**
 * The emulated peers' clients: kinds and their mainnet shares, eth-version sets, and client ids in
 * each client's own format (the strings a crawler really sees), drawn from a seeded Prng.
 */
import type { Prng } from '../analysis/prng.js';
import type { Capability } from '../devp2p/capabilities.js';

export const CLIENT_KINDS = ['geth', 'nethermind', 'erigon', 'besu', 'reth', 'parity-ethereum', 'parity'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** Clients that speak eth/66+ and so exchange STATUS with a present-day crawler. */
export const MODERN_CLIENTS: readonly ClientKind[] = ['geth', 'nethermind', 'erigon', 'besu', 'reth'];

/** Rough shares of execution clients on mainnet in 2025 (ethernodes.org, clientdiversity.org). */
export const CLIENT_WEIGHTS: Readonly<Record<Exclude<ClientKind, 'parity'>, number>> = {
  geth: 0.45,
  nethermind: 0.2,
  reth: 0.1,
  erigon: 0.1,
  besu: 0.1,
  'parity-ethereum': 0.05,
};

export const ETH_MODES = ['eth68', 'eth68+69', 'eth69'] as const;
export type EthMode = (typeof ETH_MODES)[number];
export const ETH_MODE_WEIGHTS: Readonly<Record<EthMode, number>> = { eth68: 0.45, 'eth68+69': 0.4, eth69: 0.15 };

export function pick<T>(prng: Prng, items: readonly T[]): T {
  return items[prng.nextBelow(items.length)]!;
}

export function weighted<K extends string>(prng: Prng, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = prng.nextFloat() * total;
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

function hexDigits(prng: Prng, n: number): string {
  let s = '';
  while (s.length < n) s += prng.nextU32().toString(16).padStart(8, '0');
  return s.slice(0, n);
}

function range(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
}

export const caps = (eth: readonly number[], extra: readonly Capability[] = []): Capability[] => [
  ...eth.map((version) => ({ name: 'eth', version })),
  ...extra,
];
export const SNAP: Capability = { name: 'snap', version: 1 };

function ethVersions(mode: EthMode, older: readonly number[] = []): number[] {
  if (mode === 'eth69') return [69];
  return mode === 'eth68' ? [...older, 68] : [...older, 68, 69];
}

/** geth's platform strings (runtime.GOOS-runtime.GOARCH), most nodes on linux-amd64. */
const GO_PLATFORMS = ['linux-amd64', 'linux-amd64', 'linux-amd64', 'linux-amd64', 'linux-arm64', 'darwin-arm64', 'windows-amd64'];

export interface ClientChoice {
  clientId: string;
  capabilities: Capability[];
}

/**
 * Client ids in each client's own format (the strings a crawler really sees), versions plausible
 * for the eth versions announced: geth added eth/69 in v1.16, Nethermind in 1.33, Reth in 1.4.
 */
export function chooseClient(kind: ClientKind, mode: EthMode, prng: Prng): ClientChoice {
  switch (kind) {
    case 'geth': {
      const version =
        mode === 'eth68'
          ? pick(prng, [...range('1.14.', 8, 13), ...range('1.15.', 0, 11)])
          : pick(prng, range('1.16.', 0, 7));
      const go = version.startsWith('1.14.') ? pick(prng, ['go1.22.8', 'go1.23.2', 'go1.23.4']) : pick(prng, ['go1.23.6', 'go1.24.2', 'go1.24.4', 'go1.24.6']);
      return {
        clientId: `Geth/v${version}-stable-${hexDigits(prng, 8)}/${pick(prng, GO_PLATFORMS)}/${go}`,
        capabilities: caps(ethVersions(mode), [SNAP]),
      };
    }
    case 'nethermind': {
      const version =
        mode === 'eth68'
          ? pick(prng, ['1.29.1', '1.30.3', '1.31.10', '1.31.11', '1.32.2', '1.32.4'])
          : pick(prng, ['1.33.1', '1.34.0', '1.34.1', '1.35.2']);
      const platform = pick(prng, ['linux-x64', 'linux-x64', 'linux-x64', 'linux-arm64', 'windows-x64']);
      return {
        clientId: `Nethermind/v${version}+${hexDigits(prng, 8)}/${platform}/dotnet${pick(prng, ['8.0.11', '9.0.2', '9.0.4'])}`,
        capabilities: caps(ethVersions(mode, [66, 67]), [SNAP]),
      };
    }
    case 'erigon': {
      const version = mode === 'eth68' ? pick(prng, ['2.60.10', '3.0.2', '3.0.4', '3.0.12']) : pick(prng, ['3.1.0', '3.2.1', '3.2.2']);
      const go = pick(prng, ['go1.22.12', 'go1.23.6', 'go1.24.1']);
      return {
        clientId: `erigon/v${version}-${hexDigits(prng, 8)}/${pick(prng, ['linux-amd64', 'linux-amd64', 'linux-arm64'])}/${go}`,
        capabilities: caps(ethVersions(mode, [67]), [SNAP]),
      };
    }
    case 'besu': {
      const version = mode === 'eth68' ? pick(prng, ['24.12.2', '25.2.0', '25.4.1', '25.5.0']) : pick(prng, ['25.7.0', '25.9.0', '25.10.0']);
      const java = pick(prng, ['openjdk-java-21', 'openjdk-java-21', 'openjdk-java-17']);
      return {
        clientId: `besu/v${version}/${pick(prng, ['linux-x86_64', 'linux-x86_64', 'linux-aarch_64'])}/${java}`,
        capabilities: caps(ethVersions(mode, [66, 67]), [SNAP]),
      };
    }
    case 'reth': {
      const version = mode === 'eth68' ? pick(prng, ['1.1.5', '1.2.2', '1.3.12']) : pick(prng, ['1.4.8', '1.5.1', '1.6.0', '1.8.2', '1.9.0']);
      const triple = pick(prng, ['x86_64-unknown-linux-gnu', 'x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu', 'aarch64-apple-darwin']);
      return { clientId: `reth/v${version}-${hexDigits(prng, 7)}/${triple}`, capabilities: caps(ethVersions(mode, [66, 67])) };
    }
    case 'parity-ethereum': {
      // Parity-Ethereum 2.x (2018–2020): eth/63, and eth/64 from 2.7. No eth/66+: never a STATUS with us.
      const [version, date, rustc, eth] = pick(prng, [
        ['2.5.13', '20190718', 'rustc1.36.0', [62, 63]],
        ['2.6.8', '20191231', 'rustc1.40.0', [62, 63]],
        ['2.7.2', '20200206', 'rustc1.41.0', [63, 64]],
      ] as const);
      const triple = pick(prng, ['x86_64-linux-gnu', 'x86_64-unknown-linux-gnu', 'x86_64-apple-darwin', 'x86_64-windows-msvc']);
      return { clientId: `Parity-Ethereum/v${version}-stable-${hexDigits(prng, 7)}-${date}/${triple}/${rustc}`, capabilities: caps(eth) };
    }
    case 'parity': {
      // Parity 1.x: before 2.0 fixed the distance function the IMC 2018 paper measured.
      const [version, date, rustc] = pick(prng, [
        ['1.9.7', '20180426', 'rustc1.25.0'],
        ['1.10.9', '20180711', 'rustc1.27.0'],
        ['1.11.11', '20180817', 'rustc1.28.0'],
      ] as const);
      const triple = pick(prng, ['x86_64-linux-gnu', 'x86_64-macos', 'x86_64-windows-msvc']);
      return { clientId: `Parity/v${version}-stable-${hexDigits(prng, 7)}-${date}/${triple}/${rustc}`, capabilities: caps([62, 63]) };
    }
  }
}

/**
 * geth releases last to lack each fork (approximate: the release before the one that scheduled it on
 * mainnet); a stale-fork peer shows one of these.
 */
export const GETH_BEFORE_FORK: Readonly<Record<string, string>> = {
  shanghai: '1.11.5',
  cancun: '1.13.11',
  prague: '1.14.13',
  osaka: '1.16.3',
  bpo1: '1.16.3',
  bpo2: '1.16.3',
};

/** A geth release after every fork we know (a newer-schedule peer shows it). */
export const GETH_NEWER_RELEASE = '1.99.0';
