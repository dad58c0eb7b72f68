import { describe, expect, it } from 'vitest';
import { compareVersions, parseClientId, parseVersion, type ClientIdInfo } from '../../src/devp2p/client-id.js';
import { BASE_SEED, FUZZ_SCALE, Rng } from './fuzz-helpers.js';

type Expect = Omit<ClientIdInfo, 'identity'> & { identity?: string | null };

const table: [string, Expect][] = [
  ['Geth/v1.14.11-stable-f3c696fa/linux-amd64/go1.23.2', { name: 'Geth', version: 'v1.14.11-stable-f3c696fa', os: 'linux', arch: 'amd64', runtime: 'go1.23.2' }],
  ['Geth/mynode/v1.10.26-stable/linux-amd64/go1.18.5', { name: 'Geth', identity: 'mynode', version: 'v1.10.26-stable', os: 'linux', arch: 'amd64', runtime: 'go1.18.5' }],
  ['Geth/v1.13.5-stable/windows-amd64/go1.21.4', { name: 'Geth', version: 'v1.13.5-stable', os: 'windows', arch: 'amd64', runtime: 'go1.21.4' }],
  ['Geth/v1.15.0-unstable-1a2b3c4d/darwin-arm64/go1.23.4', { name: 'Geth', version: 'v1.15.0-unstable-1a2b3c4d', os: 'darwin', arch: 'arm64', runtime: 'go1.23.4' }],
  ['Nethermind/v1.29.1+dfea5240/linux-x64/dotnet8.0.10', { name: 'Nethermind', version: 'v1.29.1+dfea5240', os: 'linux', arch: 'x64', runtime: 'dotnet8.0.10' }],
  ['erigon/v2.60.10-a0c8a8fd/linux-amd64/go1.22.7', { name: 'erigon', version: 'v2.60.10-a0c8a8fd', os: 'linux', arch: 'amd64', runtime: 'go1.22.7' }],
  ['besu/v24.10.0/linux-x86_64/openjdk-java-21', { name: 'besu', version: 'v24.10.0', os: 'linux', arch: 'x86_64', runtime: 'openjdk-java-21' }],
  ['besu/v24.1.0/linux-aarch_64/openjdk-java-17', { name: 'besu', version: 'v24.1.0', os: 'linux', arch: 'aarch_64', runtime: 'openjdk-java-17' }],
  ['reth/v1.1.0-1ba631b/x86_64-unknown-linux-gnu', { name: 'reth', version: 'v1.1.0-1ba631b', os: 'linux', arch: 'x86_64', runtime: null }],
  ['reth/v1.3.12-6f8e725/aarch64-apple-darwin', { name: 'reth', version: 'v1.3.12-6f8e725', os: 'darwin', arch: 'aarch64', runtime: null }],
  ['Parity-Ethereum/v2.7.2-stable-2662d19-20200206/x86_64-unknown-linux-gnu/rustc1.41.0', { name: 'Parity-Ethereum', version: 'v2.7.2-stable-2662d19-20200206', os: 'linux', arch: 'x86_64', runtime: 'rustc1.41.0' }],
  ['Parity/v1.10.6-stable-bc0d134-20180605/x86_64-linux-gnu/rustc1.26.1', { name: 'Parity', version: 'v1.10.6-stable-bc0d134-20180605', os: 'linux', arch: 'x86_64', runtime: 'rustc1.26.1' }],
  ['OpenEthereum/v3.3.5-stable/x86_64-linux-gnu/rustc1.58.1', { name: 'OpenEthereum', version: 'v3.3.5-stable', os: 'linux', arch: 'x86_64', runtime: 'rustc1.58.1' }],
  ['ethereumjs-devp2p/linux-x64/nodejs', { name: 'ethereumjs-devp2p', version: null, os: 'linux', arch: 'x64', runtime: 'nodejs' }],
  ['EthereumJS/0.6.0/linux-x64/node20.11.0', { name: 'EthereumJS', version: '0.6.0', os: 'linux', arch: 'x64', runtime: 'node20.11.0' }],
  ['nimbus-eth1/v0.1.0-abcdef/linux-amd64/Nim-2.0.8', { name: 'nimbus-eth1', version: 'v0.1.0-abcdef', os: 'linux', arch: 'amd64', runtime: 'Nim-2.0.8' }],
  ['kneth/v0.91/plan9', { name: 'kneth', version: 'v0.91', os: null, arch: null, runtime: null }],
  ['Geth', { name: 'Geth', version: null, os: null, arch: null, runtime: null }],
  ['', { name: '', version: null, os: null, arch: null, runtime: null }],
  ['////', { name: '', version: null, os: null, arch: null, runtime: null }],
  ['Geth/\u0000v1.0.0\u0007/linux-amd64', { name: 'Geth', version: 'v1.0.0', os: 'linux', arch: 'amd64', runtime: null }],
  ['garbage without slashes and ünïcødé', { name: 'garbage without slashes and ünïcødé', version: null, os: null, arch: null, runtime: null }],
];

describe('parseClientId', () => {
  for (const [id, want] of table) {
    it(JSON.stringify(id), () => {
      expect(parseClientId(id)).toEqual({ identity: null, ...want });
    });
  }

  it('never throws and returns strings or null for any input (fuzz)', () => {
    const rng = new Rng(BASE_SEED + 40);
    const alphabet = ['/', '-', '.', 'v', '1', '9', 'linux', 'amd64', 'go', ' ', '\u0000', 'é', '\ud800', 'x86_64', '+'];
    for (let i = 0; i < 5000 * FUZZ_SCALE; i++) {
      const s =
        i % 3 === 0
          ? new TextDecoder().decode(rng.bytes(rng.int(80)))
          : Array.from({ length: rng.int(20) }, () => rng.pick(alphabet)).join('');
      const info = parseClientId(s);
      expect(typeof info.name).toBe('string');
      for (const k of ['identity', 'version', 'os', 'arch', 'runtime'] as const) {
        expect(info[k] === null || typeof info[k] === 'string').toBe(true);
      }
    }
    expect(parseClientId('x'.repeat(5000)).name.length).toBeLessThanOrEqual(256);
  });
});

describe('versions', () => {
  it('parseVersion reads the leading numbers', () => {
    expect(parseVersion('v1.14.11-stable-f3c696fa')).toEqual({ major: 1, minor: 14, patch: 11 });
    expect(parseVersion('v1.29.1+dfea5240')).toEqual({ major: 1, minor: 29, patch: 1 });
    expect(parseVersion('24.10')).toEqual({ major: 24, minor: 10, patch: 0 });
    expect(parseVersion('stable')).toBeNull();
    expect(parseVersion(null)).toBeNull();
  });

  it('compareVersions orders numerically, ignoring suffixes', () => {
    expect(compareVersions('v1.14.11', 'v1.14.9')).toBe(1);
    expect(compareVersions('v1.9.0', 'v1.10.0')).toBe(-1);
    expect(compareVersions('v1.14.11-stable-abc', 'v1.14.11-unstable-def')).toBe(0);
    expect(compareVersions('v2.0.0', 'v10.0.0')).toBe(-1);
    expect(compareVersions('garbage', 'v0.0.1')).toBe(-1);
    expect(compareVersions('v0.0.1', null)).toBe(1);
    expect(compareVersions(null, 'junk')).toBe(0);
    const sorted = ['v1.10.0', 'junk', 'v1.9.25', 'v1.14.11', 'v1.14.2'].sort(compareVersions);
    expect(sorted).toEqual(['junk', 'v1.9.25', 'v1.10.0', 'v1.14.2', 'v1.14.11']);
  });

  it('is antisymmetric and transitive on random versions (property)', () => {
    const rng = new Rng(BASE_SEED + 41);
    const gen = () => rng.pick(['v', '', 'x']) + [rng.int(3), rng.int(12), rng.int(12)].slice(0, 1 + rng.int(3)).join('.');
    for (let i = 0; i < 2000; i++) {
      const [a, b, c] = [gen(), gen(), gen()];
      expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
      if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
    }
  });
});
