import { describe, expect, it } from 'vitest';
import { HelloError, MessageTooLargeError } from '../../src/devp2p/errors.js';
import {
  HELLO_MAX_SIZE,
  MAX_HELLO_CAPABILITIES,
  MAX_RECORDED_CAPABILITY_NAME,
  capabilityNameText,
  isValidCapabilityName,
  P2P_VERSION,
  decodeHello,
  encodeHello,
  useSnappy,
  type Hello,
} from '../../src/devp2p/hello.js';
import { publicKeyFromPrivate } from '../../src/crypto/index.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { rlpEncode } from '../../src/util/rlp.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };
import { BASE_SEED, FUZZ_SCALE, Rng, fuzzDecoder, fuzzInputs } from './fuzz-helpers.js';

const v = vectors.devp2p_hello;

describe('HELLO official vector (EIP-8 forward compatibility)', () => {
  const hello = decodeHello(hexToBytes(v.hex));

  it('decodes every field and ignores the extra list elements', () => {
    // The vector's version is 0x37 = 55, not 22 as EIP-8's prose says (see the vector note).
    expect(hello.protocolVersion).toBe(55);
    expect(hello.protocolVersion).toBe(v.derived_decoded.protocolVersion);
    expect(hello.clientId).toBe('kneth/v0.91/plan9');
    expect(hello.capabilities).toEqual([
      { name: 'eth', version: 61 },
      { name: 'mork', version: 22 },
    ]);
    expect(hello.listenPort).toBe(9999);
    expect(bytesToHex(hello.nodeKey)).toBe(v.derived_decoded.nodeId);
  });

  it('its node key is the public key of RLPx static key A', () => {
    const pub = publicKeyFromPrivate(hexToBytes(vectors.rlpx_handshake.static_key_A));
    expect(bytesToHex(hello.nodeKey)).toBe(bytesToHex(pub));
  });

  it('re-encoding the five known fields gives the vector without its extra elements', () => {
    const raw = v.derived_decoded.raw;
    const expected = rlpEncode([
      hexToBytes(raw[0] as string),
      hexToBytes(raw[1] as string),
      (raw[2] as string[][]).map(([n, ver]) => [hexToBytes(n!), hexToBytes(ver!)]),
      hexToBytes(raw[3] as string),
      hexToBytes(raw[4] as string),
    ]);
    expect(bytesToHex(encodeHello(hello))).toBe(bytesToHex(expected));
  });

  it('snappy is used iff both sides announce p2p version ≥ 5 (EIP-706)', () => {
    expect(useSnappy(P2P_VERSION, hello.protocolVersion)).toBe(true);
    expect(useSnappy(5, 5)).toBe(true);
    expect(useSnappy(5, 4)).toBe(false);
    expect(useSnappy(4, 5)).toBe(false);
    expect(useSnappy(4, 4)).toBe(false);
  });
});

function randomHello(rng: Rng): Hello {
  const caps = Array.from({ length: rng.int(8) }, () => ({
    name: rng.pick(['eth', 'snap', 'les', 'wit', 'istanbul', 'bzz', 'x']),
    version: rng.int(100_000),
  }));
  return {
    protocolVersion: rng.pick([4, 5, 55, rng.int(1000)]),
    clientId: rng.pick(['Geth/v1.14.11-stable-f3c696fa/linux-amd64/go1.23.2', '', 'ünïcødé/✓', 'x'.repeat(rng.int(300))]),
    capabilities: caps,
    listenPort: rng.int(65536),
    nodeKey: rng.bytes(64),
  };
}

describe('HELLO round trip (property)', () => {
  it('decode(encode(h)) == h for random HELLOs', () => {
    const rng = new Rng(BASE_SEED + 10);
    for (let i = 0; i < 500 * FUZZ_SCALE; i++) {
      const h = randomHello(rng);
      expect(decodeHello(encodeHello(h))).toEqual(h);
    }
  });
});

describe('HELLO limits and malformed input', () => {
  const key = new Uint8Array(64).fill(7);
  const base = (over: Partial<Record<'version' | 'client' | 'caps' | 'port' | 'key', unknown>> = {}) =>
    rlpEncode([
      (over.version ?? 5) as number,
      (over.client ?? 'Geth') as string,
      (over.caps ?? [['eth', 68]]) as never,
      (over.port ?? 30303) as number,
      (over.key ?? key) as Uint8Array,
    ]);

  it('accepts the baseline', () => {
    expect(decodeHello(base()).capabilities).toEqual([{ name: 'eth', version: 68 }]);
  });

  it('rejects a HELLO above 2 KiB with too_large', () => {
    const big = base({ client: 'x'.repeat(HELLO_MAX_SIZE) });
    expect(() => decodeHello(big)).toThrow(MessageTooLargeError);
    try {
      decodeHello(big);
    } catch (err) {
      expect((err as MessageTooLargeError).kind).toBe('too_large');
    }
  });

  const cases: [string, Uint8Array][] = [
    ['too many capabilities', base({ caps: Array.from({ length: MAX_HELLO_CAPABILITIES + 1 }, () => ['eth', 1]) })],
    ['capability name a list', base({ caps: [[['eth'], 1]] })],
    ['capability entry not a list', base({ caps: ['eth'] })],
    ['capability version a list', base({ caps: [['eth', []]] })],
    ['capabilities not a list', base({ caps: 'eth' })],
    ['node key of 63 bytes', base({ key: new Uint8Array(63) })],
    ['node key of 65 bytes', base({ key: new Uint8Array(65) })],
    ['listen port above 65535', base({ port: 65536 })],
    ['version wider than 8 bytes', base({ version: new Uint8Array(9).fill(1) as never })],
    ['four elements', rlpEncode([5, 'Geth', [], 30303])],
    ['not a list', rlpEncode('hello')],
    ['truncated', base().subarray(0, 20)],
  ];
  for (const [name, payload] of cases) {
    it(`${name} → HelloError (bad_hello)`, () => {
      expect(() => decodeHello(payload)).toThrow(HelloError);
    });
  }

  it('records odd capability names instead of losing the HELLO (geth: any string; reth: any UTF-8)', () => {
    const odd = base({
      caps: [
        ['eth', 68],
        ['ethereum1', 1],
        ['', 2],
        [Uint8Array.from([0xc3, 0xa9]), 3],
        ['e h', 4],
        ['a\\b\x00', 5],
        ['x'.repeat(300), 6],
        ['snap', 1],
      ],
    });
    const h = decodeHello(odd);
    expect(h.capabilities).toEqual([
      { name: 'eth', version: 68 },
      { name: 'ethereum1', version: 1, irregular: true },
      { name: '', version: 2, irregular: true },
      { name: '\\xc3\\xa9', version: 3, irregular: true },
      { name: 'e\\x20h', version: 4, irregular: true },
      { name: 'a\\x5cb\\x00', version: 5, irregular: true },
      { name: `${'x'.repeat(MAX_RECORDED_CAPABILITY_NAME - 3)}...`, version: 6, irregular: true },
      { name: 'snap', version: 1 },
    ]);
  });

  it('tolerates bytes after the list', () => {
    const withTail = Uint8Array.from([...base(), 0, 0, 0]);
    expect(decodeHello(withTail).listenPort).toBe(30303);
  });

  it('encodeHello refuses our own invalid HELLOs', () => {
    const h = decodeHello(base());
    expect(() => encodeHello({ ...h, nodeKey: new Uint8Array(10) })).toThrow(RangeError);
    expect(() => encodeHello({ ...h, capabilities: [{ name: 'toolongname', version: 1 }] })).toThrow(RangeError);
    expect(() => encodeHello({ ...h, clientId: 'x'.repeat(3000) })).toThrow(RangeError);
  });
});

describe('capability name text (property)', () => {
  it('never throws, stays bounded, flags exactly the names that break the 1–8 printable ASCII rule', () => {
    const rng = new Rng(BASE_SEED + 12);
    for (let i = 0; i < 5_000 * FUZZ_SCALE; i++) {
      const len = rng.pick([0, 1, 3, 8, 9, 20, 39, 40, 41, 200]);
      const bytes = rng.bool() ? rng.bytes(len) : Uint8Array.from({ length: len }, () => 0x21 + rng.int(94));
      const { name, irregular } = capabilityNameText(bytes);
      expect(name.length).toBeLessThanOrEqual(MAX_RECORDED_CAPABILITY_NAME);
      const text = String.fromCharCode(...bytes);
      expect(irregular).toBe(!isValidCapabilityName(text));
      if (!irregular) expect(name).toBe(text);
      else if (bytes.length > 0 && name.endsWith('...') === false) {
        // Uncut: the escapes decode back to the bytes.
        const back = name.replace(/\\x([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
        expect(back).toBe(text);
      }
    }
  });
});

describe('HELLO fuzz', () => {
  it('random and mutated payloads raise only typed errors', () => {
    const rng = new Rng(BASE_SEED + 11);
    const seeds = [hexToBytes(v.hex), ...Array.from({ length: 20 }, () => encodeHello(randomHello(rng)))];
    const n = 20_000 * FUZZ_SCALE;
    const { ok } = fuzzDecoder(decodeHello, fuzzInputs(rng, seeds, n), [HelloError, MessageTooLargeError]);
    expect(ok).toBeGreaterThan(n / 100);
  });
});
