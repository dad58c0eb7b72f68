import { describe, expect, it } from 'vitest';
import { DISCONNECT_REASONS, DISCONNECT_REASON_NAMES } from '../../src/devp2p/disconnect-reasons.js';
import { MessageTooLargeError, SnappyError } from '../../src/devp2p/errors.js';
import {
  MAX_MESSAGE_SIZE,
  P2P_MESSAGE_IDS,
  PING_PAYLOAD,
  decodeDisconnect,
  decodeMessageData,
  decodePingPong,
  encodeDisconnect,
  encodeMessageData,
  encodePing,
  encodePong,
} from '../../src/devp2p/messages.js';
import { snappyCompress } from '../../src/devp2p/snappy.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import { RlpError } from '../../src/util/rlp.js';
import { BASE_SEED, FUZZ_SCALE, Rng, expectSameBytes, fuzzDecoder, fuzzInputs } from './fuzz-helpers.js';

describe('message ids', () => {
  it('match rlpx.md', () => {
    expect(P2P_MESSAGE_IDS).toEqual({ hello: 0, disconnect: 1, ping: 2, pong: 3 });
  });
});

describe('DISCONNECT', () => {
  const table: [string, string, string, number | null][] = [
    ['list form', 'c104', 'too_many_peers', 4],
    ['bare integer', '04', 'too_many_peers', 4],
    ['list with zero', 'c180', 'disconnect_requested', 0],
    ['bare zero', '80', 'disconnect_requested', 0],
    ['non-canonical zero byte', '00', 'disconnect_requested', 0],
    ['empty list', 'c0', 'disconnect_requested', null],
    ['empty payload', '', 'disconnect_requested', null],
    ['subprotocol error', 'c110', 'subprotocol_error', 0x10],
    ['useless peer', 'c103', 'useless_peer', 3],
    ['unknown code keeps the raw code', 'c10f', 'unknown', 0x0f],
    ['unknown large code', 'c281ff', 'unknown', 0xff],
    ['multi-byte code', 'c3820102', 'unknown', 0x0102],
    ['EIP-8 extra elements', 'c3040506', 'too_many_peers', 4],
    ['trailing bytes ignored', 'c1040000', 'too_many_peers', 4],
  ];
  for (const [name, hex, reason, code] of table) {
    it(`${name}: ${hex || '(empty)'} → ${reason}`, () => {
      expect(decodeDisconnect(hexToBytes(hex))).toEqual({ reason, code });
    });
  }

  it('every known reason round-trips through the list form', () => {
    for (const name of DISCONNECT_REASON_NAMES) {
      if (name === 'unknown') continue;
      const payload = encodeDisconnect(name);
      expect(decodeDisconnect(payload)).toEqual({ reason: name, code: DISCONNECT_REASONS[name] });
    }
    expect(bytesToHex(encodeDisconnect('too_many_peers'))).toBe('c104');
    expect(bytesToHex(encodeDisconnect('disconnect_requested'))).toBe('c180');
  });

  const bad: [string, string][] = [
    ['nested list', 'c2c104'],
    ['code wider than 4 bytes', 'c6850102030405'],
    ['invalid RLP', 'c5'],
  ];
  for (const [name, hex] of bad) {
    it(`${name} → RlpError`, () => {
      expect(() => decodeDisconnect(hexToBytes(hex))).toThrow(RlpError);
    });
  }
});

describe('PING / PONG', () => {
  it('are the empty list', () => {
    expect(bytesToHex(encodePing())).toBe('c0');
    expect(bytesToHex(encodePong())).toBe('c0');
    expect(bytesToHex(PING_PAYLOAD)).toBe('c0');
  });
  it('accept the empty list, extra elements and an empty payload', () => {
    for (const hex of ['c0', 'c3010203', '']) expect(() => decodePingPong(hexToBytes(hex))).not.toThrow();
  });
  it('reject a byte string', () => {
    expect(() => decodePingPong(hexToBytes('80'))).toThrow(RlpError);
    expect(() => decodePingPong(hexToBytes('05'))).toThrow(RlpError);
  });
});

describe('msg-data snappy layer', () => {
  it('HELLO is never compressed; PING with snappy is snappy(c0)', () => {
    expect(bytesToHex(encodeMessageData(0, hexToBytes('c0'), true))).toBe('c0');
    expect(bytesToHex(encodeMessageData(2, PING_PAYLOAD, true))).toBe('0100c0');
    expect(bytesToHex(encodeMessageData(2, PING_PAYLOAD, false))).toBe('c0');
  });

  it('round-trips random payloads with and without snappy', () => {
    const rng = new Rng(BASE_SEED + 20);
    for (let i = 0; i < 300; i++) {
      const id = rng.pick([0, 1, 2, 3, 0x10, 0x11, 0x21, 0x7f]);
      const payload = id === 0 ? rng.textured(rng.int(2000)) : rng.textured(rng.int(3000));
      for (const snappy of [false, true]) {
        expectSameBytes(decodeMessageData(id, encodeMessageData(id, payload, snappy), snappy), payload);
      }
    }
  });

  it('HELLO is never decompressed, and is capped at 2 KiB', () => {
    expect(bytesToHex(decodeMessageData(0, hexToBytes('c50102030405'), true))).toBe('c50102030405');
    expect(() => decodeMessageData(0, new Uint8Array(2049), false)).toThrow(MessageTooLargeError);
  });

  it('enforces the size limit on the frame and on the declared decompressed size', () => {
    expect(() => decodeMessageData(0x10, new Uint8Array(101), false, 100)).toThrow(MessageTooLargeError);
    const compressed = encodeMessageData(0x10, new Uint8Array(5000), true);
    expect(compressed.length).toBeLessThan(1000);
    expect(() => decodeMessageData(0x10, compressed, true, 1000)).toThrow(MessageTooLargeError);
    // Declared 16 MiB + 1 in a tiny frame: refused before any allocation.
    const n = MAX_MESSAGE_SIZE + 1;
    const varint = [(n & 0x7f) | 0x80, ((n >>> 7) & 0x7f) | 0x80, ((n >>> 14) & 0x7f) | 0x80, n >>> 21];
    expect(() => decodeMessageData(0x10, Uint8Array.from([...varint, 0]), true)).toThrow(MessageTooLargeError);
  });

  it('corrupt snappy data is a SnappyError', () => {
    const good = encodeMessageData(0x10, new TextEncoder().encode('abcabcabcabcabc'), true);
    const bad = Uint8Array.from(good);
    bad[0] = bad[0]! + 5; // declared length no longer matches
    expect(() => decodeMessageData(0x10, bad, true)).toThrow(SnappyError);
  });

  it('snappy payload sizes: compressing 16 KiB of zeros and reading it back', () => {
    const zeros = new Uint8Array(16 * 1024);
    const data = encodeMessageData(0x13, zeros, true);
    expect(data.length).toBe(snappyCompress(zeros).length);
    expectSameBytes(decodeMessageData(0x13, data, true), zeros);
  });
});

describe('base protocol fuzz', () => {
  it('DISCONNECT, PING/PONG and the message layer raise only typed errors', () => {
    const rng = new Rng(BASE_SEED + 21);
    const seeds = [
      hexToBytes('c104'),
      hexToBytes('04'),
      hexToBytes('c3040506'),
      encodeMessageData(2, PING_PAYLOAD, true),
      encodeMessageData(0x10, rng.textured(200), true),
      encodeMessageData(0x10, rng.textured(40), true),
      encodeMessageData(0x11, hexToBytes('c3040506'), true),
      hexToBytes('c50102030405'),
    ];
    const n = 10_000 * FUZZ_SCALE;
    const inputs = [...fuzzInputs(rng, seeds, n)];
    const d = fuzzDecoder(decodeDisconnect, inputs);
    fuzzDecoder(decodePingPong, inputs);
    const compressedSeeds = [PING_PAYLOAD, rng.textured(200), rng.textured(40), hexToBytes('c3040506')].map((p) =>
      encodeMessageData(0x10, p, true),
    );
    const m1 = fuzzDecoder((x) => decodeMessageData(0x10, x, true), [...fuzzInputs(rng, compressedSeeds, n)]);
    fuzzDecoder((x) => decodeMessageData(0, x, false), inputs);
    expect(d.ok).toBeGreaterThan(n / 20);
    expect(m1.ok).toBeGreaterThan(n / 20);
  });
});
