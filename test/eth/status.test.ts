import { describe, expect, it } from 'vitest';
import { ForkMismatchError, NetworkMismatchError, StatusError } from '../../src/eth/errors.js';
import { NETWORKS } from '../../src/eth/networks.js';
import {
  ETH_MESSAGE_IDS,
  STATUS_MAX_SIZE,
  assertStatusCompatible,
  createStatusChecker,
  decodeStatus,
  encodeStatus,
  localStatus,
  statusHeadHash,
  statusShapeFor,
  type Status,
} from '../../src/eth/status.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { rlpEncode } from '../../src/util/rlp.js';
import { BASE_SEED, FUZZ_SCALE, Rng, fuzzDecoder, fuzzInputs } from '../devp2p/fuzz-helpers.js';

const GENESIS = NETWORKS.mainnet.genesisHash;
const BPO2 = 1_767_747_671;

// Assembled by hand from caps/eth.md, independent of our encoder:
// eth/68: f8 51 | 44 | 01 | 85 0400000000 (TD 2^34) | a0 genesis | a0 genesis | c6 84 07c9462e 80
const ETH68_MAINNET = `f851440185040000000` + `0a0${GENESIS}a0${GENESIS}c68407c9462e80`;
// eth/69: f8 4d | 45 | 01 | a0 genesis | c6 84 07c9462e 80 | 80 (earliest 0) | 80 (latest 0) | a0 genesis
const ETH69_MAINNET = `f84d4501a0${GENESIS}c68407c9462e808080a0${GENESIS}`;

describe('STATUS known encodings', () => {
  it('our eth/68 STATUS for mainnet after BPO2 is the hand-assembled bytes', () => {
    const s = localStatus(NETWORKS.mainnet, 68, BPO2);
    expect(bytesToHex(encodeStatus(s))).toBe(ETH68_MAINNET);
    expect(decodeStatus(hexToBytes(ETH68_MAINNET), 68)).toEqual(s);
  });

  it('our eth/69 STATUS for mainnet after BPO2 is the hand-assembled bytes', () => {
    const s = localStatus(NETWORKS.mainnet, 69, BPO2);
    expect(bytesToHex(encodeStatus(s))).toBe(ETH69_MAINNET);
    expect(decodeStatus(hexToBytes(ETH69_MAINNET), 69)).toEqual(s);
  });

  it('eth/70 keeps the eth/69 shape (EIP-7975)', () => {
    expect(statusShapeFor(66)).toBe('td');
    expect(statusShapeFor(68)).toBe('td');
    expect(statusShapeFor(69)).toBe('range');
    expect(statusShapeFor(70)).toBe('range');
    const s = localStatus(NETWORKS.mainnet, 70, BPO2);
    expect(bytesToHex(encodeStatus(s))).toBe(ETH69_MAINNET.replace(/^f84d45/, 'f84d46'));
  });

  it('message ids', () => {
    expect(ETH_MESSAGE_IDS.status).toBe(0);
    expect(ETH_MESSAGE_IDS.getBlockHeaders).toBe(3);
    expect(ETH_MESSAGE_IDS.blockHeaders).toBe(4);
    expect(ETH_MESSAGE_IDS.blockRangeUpdate).toBe(0x11);
  });
});

function randomStatus(rng: Rng, version: number): Status {
  const common = {
    version,
    networkId: rng.u64(),
    genesisHash: rng.bytes(32),
    forkId: { hash: rng.bytes(4), next: rng.u64() },
  };
  if (statusShapeFor(version) === 'td') {
    return { ...common, shape: 'td', td: BigInt(`0x${bytesToHex(rng.bytes(rng.int(33))) || '0'}`), bestHash: rng.bytes(32) };
  }
  return { ...common, shape: 'range', earliestBlock: rng.u64(), latestBlock: rng.u64(), latestBlockHash: rng.bytes(32) };
}

describe('STATUS round trip (property)', () => {
  it('decode(encode(s), s.version) == s for eth/66..70', () => {
    const rng = new Rng(BASE_SEED + 60);
    for (let i = 0; i < 1000 * FUZZ_SCALE; i++) {
      const s = randomStatus(rng, rng.pick([66, 67, 68, 69, 70]));
      expect(decodeStatus(encodeStatus(s), s.version)).toEqual(s);
    }
  });
});

describe('STATUS rejection', () => {
  const good68 = hexToBytes(ETH68_MAINNET);
  const g = hexToBytes(GENESIS);
  const fork = [hexToBytes('07c9462e'), 0];
  const cases: [string, Uint8Array, number][] = [
    ['version differs from negotiated', good68, 67],
    ['eth/69 payload on an eth/68 session', hexToBytes(ETH69_MAINNET), 68],
    ['eth/68 payload on an eth/69 session', good68, 69],
    ['too few fields for eth/68', rlpEncode([68, 1, 1, g, g]), 68],
    ['too few fields for eth/69', rlpEncode([69, 1, g, fork, 0, 0]), 69],
    ['31-byte genesis', rlpEncode([68, 1, 1, g, g.subarray(1), fork]), 68],
    ['fork hash of 5 bytes', rlpEncode([68, 1, 1, g, g, [new Uint8Array(5), 0]]), 68],
    ['fork id not a list', rlpEncode([68, 1, 1, g, g, 7]), 68],
    ['network id of 9 bytes', rlpEncode([68, new Uint8Array(9).fill(1), 1, g, g, fork]), 68],
    ['TD of 33 bytes', rlpEncode([68, 1, new Uint8Array(33).fill(1), g, g, fork]), 68],
    ['latestBlock of 9 bytes', rlpEncode([69, 1, g, fork, 0, new Uint8Array(9).fill(1), g]), 69],
    ['not a list', rlpEncode(68), 68],
    ['empty list', rlpEncode([]), 68],
    ['invalid RLP', hexToBytes('f851'), 68],
    ['larger than the limit', rlpEncode([68, 1, 1, g, g, fork, new Uint8Array(STATUS_MAX_SIZE)]), 68],
  ];
  for (const [name, payload, negotiated] of cases) {
    it(`${name} → StatusError (bad_status)`, () => {
      expect(() => decodeStatus(payload, negotiated)).toThrow(StatusError);
    });
  }

  it('tolerates EIP-8 extra elements and trailing bytes', () => {
    const extra = rlpEncode([68, 1, 17179869184n, g, g, fork, 'future', [1, 2]]);
    expect(decodeStatus(extra, 68).networkId).toBe(1n);
    expect(decodeStatus(Uint8Array.from([...hexToBytes(ETH69_MAINNET), 0, 0]), 69).shape).toBe('range');
  });

  it('encodeStatus refuses a shape that does not match the version', () => {
    const s = localStatus(NETWORKS.mainnet, 68, BPO2);
    expect(() => encodeStatus({ ...s, version: 69 })).toThrow(RangeError);
  });
});

describe('STATUS assessment', () => {
  const check = createStatusChecker(NETWORKS.mainnet);

  it('our own STATUS is compatible at any later time', () => {
    for (const version of [66, 68, 69, 70]) {
      const s = localStatus(NETWORKS.mainnet, version, BPO2);
      const a = check(s, BPO2 + 86_400);
      expect(a).toEqual({ networkIdMatches: true, genesisMatches: true, forkVerdict: 'compatible' });
      expect(() => assertStatusCompatible(s, a)).not.toThrow();
      expect(bytesToHex(statusHeadHash(s))).toBe(GENESIS);
    }
  });

  it('a peer before Osaka that knows about Osaka is compatible; one that does not is remote_stale', () => {
    const prague = { hash: hexToBytes('c376cf8b'), next: 1_764_798_551n };
    const s = { ...localStatus(NETWORKS.mainnet, 69, BPO2), forkId: prague };
    expect(check(s, BPO2).forkVerdict).toBe('compatible');
    const stale = { ...s, forkId: { hash: prague.hash, next: 0n } };
    const a = check(stale, BPO2);
    expect(a.forkVerdict).toBe('remote_stale');
    try {
      assertStatusCompatible(stale, a);
      expect.fail('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ForkMismatchError);
      expect((err as ForkMismatchError).kind).toBe('fork_mismatch');
      expect((err as ForkMismatchError).verdict).toBe('remote_stale');
    }
  });

  it('a Sepolia peer is a network mismatch', () => {
    const s = localStatus(NETWORKS.sepolia, 68, BPO2);
    const a = check(s, BPO2);
    expect(a.networkIdMatches).toBe(false);
    expect(a.genesisMatches).toBe(false);
    expect(() => assertStatusCompatible(s, a)).toThrow(NetworkMismatchError);
  });

  it('every network accepts its own STATUS', () => {
    for (const net of Object.values(NETWORKS)) {
      const s = localStatus(net, 69, BPO2);
      expect(createStatusChecker(net)(s, BPO2).forkVerdict).toBe('compatible');
    }
  });
});

describe('STATUS fuzz', () => {
  it('random and mutated payloads raise only StatusError', () => {
    const rng = new Rng(BASE_SEED + 61);
    const seeds = [
      hexToBytes(ETH68_MAINNET),
      hexToBytes(ETH69_MAINNET),
      ...Array.from({ length: 20 }, () => encodeStatus(randomStatus(rng, rng.pick([66, 68, 69, 70])))),
    ];
    const n = 20_000 * FUZZ_SCALE;
    let ok = 0;
    for (const version of [68, 69]) {
      ok += fuzzDecoder((x) => decodeStatus(x, version), fuzzInputs(rng, seeds, n / 2), [StatusError]).ok;
    }
    expect(ok).toBeGreaterThan(n / 200);
  });
});
