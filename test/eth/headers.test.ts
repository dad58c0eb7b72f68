import { describe, expect, it } from 'vitest';
import { EthTooLargeError } from '../../src/eth/errors.js';
import {
  MAX_HEADER_SIZE,
  daoForkRequest,
  daoForkVerdict,
  decodeBlockHeaders,
  decodeGetBlockHeaders,
  encodeBlockHeaders,
  encodeGetBlockHeaders,
  encodeHeader,
  type GetBlockHeaders,
  type HeaderFields,
} from '../../src/eth/headers.js';
import { NETWORKS } from '../../src/eth/networks.js';
import { keccak256 } from '../../src/crypto/index.js';
import { bytesToHex, fromUtf8, hexToBytes } from '../../src/util/bytes.js';
import { RlpError, rlpEncode } from '../../src/util/rlp.js';
import { BASE_SEED, FUZZ_SCALE, Rng, fuzzDecoder, fuzzInputs } from '../devp2p/fuzz-helpers.js';

const EMPTY_TRIE = hexToBytes('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421');
const EMPTY_OMMERS = hexToBytes('1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347');

/** Mainnet's genesis header (block 0), field by field. */
const MAINNET_GENESIS: HeaderFields = {
  parentHash: new Uint8Array(32),
  ommersHash: EMPTY_OMMERS,
  coinbase: new Uint8Array(20),
  stateRoot: hexToBytes('d7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544'),
  txRoot: EMPTY_TRIE,
  receiptsRoot: EMPTY_TRIE,
  bloom: new Uint8Array(256),
  difficulty: 17_179_869_184n,
  number: 0n,
  gasLimit: 5000n,
  gasUsed: 0n,
  time: 0n,
  extraData: hexToBytes('11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa'),
  mixHash: new Uint8Array(32),
  nonce: hexToBytes('0000000000000042'),
};

/** Sepolia's genesis header: London rules from block 0, so it carries baseFee (EIP-1559 initial 1 gwei). */
const SEPOLIA_GENESIS: HeaderFields = {
  ...MAINNET_GENESIS,
  stateRoot: hexToBytes('5eb6e371a698b8d68f665192350ffcecbbbf322916f4b51bd79bb6887da3f494'),
  difficulty: 0x20000n,
  gasLimit: 30_000_000n,
  time: 1_633_267_481n,
  extraData: fromUtf8('Sepolia, Athens, Attica, Greece!'),
  nonce: new Uint8Array(8),
  extra: [1_000_000_000n],
};

describe('header hashing (known answers)', () => {
  it('mainnet genesis header hashes to the mainnet genesis hash', () => {
    const rlp = encodeHeader(MAINNET_GENESIS);
    expect(bytesToHex(keccak256(rlp))).toBe(NETWORKS.mainnet.genesisHash);
    const [h] = decodeBlockHeaders(encodeBlockHeaders(7n, [rlp])).headers;
    expect(bytesToHex(h!.hash)).toBe(NETWORKS.mainnet.genesisHash);
    expect(h!.number).toBe(0n);
    expect(h!.difficulty).toBe(17_179_869_184n);
    expect(h!.fieldCount).toBe(15);
  });

  it('sepolia genesis header hashes to the sepolia genesis hash', () => {
    expect(bytesToHex(keccak256(encodeHeader(SEPOLIA_GENESIS)))).toBe(NETWORKS.sepolia.genesisHash);
  });

  it('headers with post-London fields hash over all fields', () => {
    const fields = { ...MAINNET_GENESIS, number: 20_000_000n, extra: [7n, new Uint8Array(32).fill(9)] };
    const rlp = encodeHeader(fields);
    const [h] = decodeBlockHeaders(encodeBlockHeaders(1n, [rlp])).headers;
    expect(h!.fieldCount).toBe(17);
    expect(bytesToHex(h!.hash)).toBe(bytesToHex(keccak256(rlp)));
    expect(h!.number).toBe(20_000_000n);
  });
});

describe('GetBlockHeaders', () => {
  it('by number: hand-assembled bytes (caps/eth.md, eth/66 form)', () => {
    // [1, [1920000, 1, 0, 0]] = c9 01 c7 83 1d4c00 01 80 80
    const req: GetBlockHeaders = { requestId: 1n, origin: { number: 1_920_000n }, limit: 1, skip: 0, reverse: false };
    expect(bytesToHex(encodeGetBlockHeaders(req))).toBe('c901c7831d4c00018080');
    expect(decodeGetBlockHeaders(hexToBytes('c901c7831d4c00018080'))).toEqual(req);
  });

  it('by hash round trip, and the DAO request', () => {
    const rng = new Rng(BASE_SEED + 70);
    for (let i = 0; i < 300; i++) {
      const req: GetBlockHeaders = {
        requestId: rng.u64(),
        origin: rng.bool() ? { hash: rng.bytes(32) } : { number: rng.u64() },
        limit: rng.int(1025),
        skip: rng.int(100),
        reverse: rng.bool(),
      };
      expect(decodeGetBlockHeaders(encodeGetBlockHeaders(req))).toEqual(req);
    }
    expect(daoForkRequest(NETWORKS.mainnet, 5n)).toEqual({ requestId: 5n, origin: { number: 1_920_000n }, limit: 1, skip: 0, reverse: false });
    expect(daoForkRequest(NETWORKS.sepolia, 5n)).toBeNull();
  });

  it('rejects an origin that is neither hash nor number, and reverse > 1', () => {
    expect(() => decodeGetBlockHeaders(rlpEncode([1, [new Uint8Array(20), 1, 0, 0]]))).toThrow(RlpError);
    expect(() => decodeGetBlockHeaders(rlpEncode([1, [5, 1, 0, 2]]))).toThrow(RlpError);
    expect(() => decodeGetBlockHeaders(rlpEncode([1, [5, 1, 0]]))).toThrow(RlpError);
  });
});

/** An RLP list of already-encoded items, assembled by hand (so items may be non-canonical). */
function rawList(items: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(items);
  if (body.length < 56) return Uint8Array.from([0xc0 + body.length, ...body]);
  const len = Buffer.from(body.length.toString(16).padStart(body.length > 0xff ? 4 : 2, '0'), 'hex');
  return Uint8Array.from([0xf7 + len.length, ...len, ...body]);
}

describe('BlockHeaders limits and shapes', () => {
  const genesis = encodeHeader(MAINNET_GENESIS);

  it('rawList reproduces canonical encodings (so the non-canonical case differs only in 0x8100)', () => {
    const f = [1n, 'abc', new Uint8Array(300)];
    expect(bytesToHex(rawList(f.map((x) => rlpEncode(x))))).toBe(bytesToHex(rlpEncode(f)));
    const canonical = rawList([rlpEncode(1), rawList([rawList(fields.map((x) => rlpEncode(x)))])]);
    expect(bytesToHex(canonical)).toBe(bytesToHex(encodeBlockHeaders(1n, [genesis])));
    expect(decodeBlockHeaders(canonical).headers).toHaveLength(1);
  });

  it('refuses more headers than asked', () => {
    const payload = encodeBlockHeaders(1n, [genesis, genesis, genesis]);
    expect(decodeBlockHeaders(payload, 3).headers).toHaveLength(3);
    expect(() => decodeBlockHeaders(payload, 2)).toThrow(EthTooLargeError);
  });

  it('refuses a header above the size limit', () => {
    const big = encodeHeader({ ...MAINNET_GENESIS, extraData: new Uint8Array(MAX_HEADER_SIZE) });
    expect(() => decodeBlockHeaders(encodeBlockHeaders(1n, [big]))).toThrow(EthTooLargeError);
  });

  const g = MAINNET_GENESIS;
  const fields = [g.parentHash, g.ommersHash, g.coinbase, g.stateRoot, g.txRoot, g.receiptsRoot, g.bloom, g.difficulty, g.number, g.gasLimit, g.gasUsed, g.time, g.extraData, g.mixHash, g.nonce];
  const bad: [string, Uint8Array][] = [
    ['14 fields', rlpEncode([1, [fields.slice(0, 14)]])],
    ['a field that is a list', rlpEncode([1, [[...fields.slice(0, 14), [1]]]])],
    ['number of 9 bytes', rlpEncode([1, [[...fields.slice(0, 8), new Uint8Array(9).fill(1), ...fields.slice(9)]]])],
    ['parentHash of 31 bytes', rlpEncode([1, [[new Uint8Array(31), ...fields.slice(1)]]])],
    ['header list not a list', rlpEncode([1, 5])],
    ['header not a list', rlpEncode([1, [5]])],
    ['missing request id', rlpEncode([[fields]])],
    // gasUsed written as 0x8100 (a one-byte string below 0x80 must not be prefixed): re-encoding
    // it would change the bytes, hence the hash, so it must be refused.
    ['non-canonical integer (0x8100) in a header', rawList([rlpEncode(1), rawList([rawList([...fields.slice(0, 10).map((f) => rlpEncode(f)), hexToBytes('8100'), ...fields.slice(11).map((f) => rlpEncode(f))])])])],
  ];
  for (const [name, payload] of bad) {
    it(`${name} → typed error`, () => {
      expect(() => decodeBlockHeaders(payload)).toThrow(RlpError);
    });
  }
});

describe('DAO fork check', () => {
  const at = (extraData: Uint8Array, number = 1_920_000n) =>
    decodeBlockHeaders(encodeBlockHeaders(1n, [encodeHeader({ ...MAINNET_GENESIS, number, extraData })])).headers;

  it('"dao-hard-fork" at block 1 920 000 supports the fork; anything else opposes it', () => {
    expect(daoForkVerdict(NETWORKS.mainnet, at(fromUtf8('dao-hard-fork')))).toBe('supports_fork');
    expect(daoForkVerdict(NETWORKS.mainnet, at(new Uint8Array()))).toBe('opposes_fork');
    expect(daoForkVerdict(NETWORKS.mainnet, at(fromUtf8('dao-hard-fork!')))).toBe('opposes_fork');
  });

  it('no header, the wrong block, or a network without the DAO fork → unknown', () => {
    expect(daoForkVerdict(NETWORKS.mainnet, [])).toBe('unknown');
    expect(daoForkVerdict(NETWORKS.mainnet, at(fromUtf8('dao-hard-fork'), 1_919_999n))).toBe('unknown');
    expect(daoForkVerdict(NETWORKS.sepolia, at(fromUtf8('dao-hard-fork')))).toBe('unknown');
  });
});

describe('headers fuzz', () => {
  it('random and mutated payloads raise only typed errors', () => {
    const rng = new Rng(BASE_SEED + 71);
    const genesis = encodeHeader(MAINNET_GENESIS);
    const seeds = [
      encodeBlockHeaders(1n, [genesis]),
      encodeBlockHeaders(2n, []),
      encodeBlockHeaders(3n, [encodeHeader({ ...MAINNET_GENESIS, extra: [1n, new Uint8Array(32)] })]),
      encodeGetBlockHeaders({ requestId: 9n, origin: { number: 1_920_000n }, limit: 1, skip: 0, reverse: false }),
      encodeGetBlockHeaders({ requestId: 9n, origin: { hash: rng.bytes(32) }, limit: 1, skip: 0, reverse: true }),
    ];
    const n = 10_000 * FUZZ_SCALE;
    const inputs = [...fuzzInputs(rng, seeds, n)];
    const a = fuzzDecoder((x) => decodeBlockHeaders(x, 4), inputs);
    const b = fuzzDecoder(decodeGetBlockHeaders, inputs);
    expect(a.ok + b.ok).toBeGreaterThan(n / 100);
  });
});
