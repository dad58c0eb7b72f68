/**
 * RLPx framing: geth's golden frame (test/vectors "rlpx_frame"), round trips of random payloads of many
 * sizes through arbitrary chunking, MAC failures, the frame-size cap, and msg-id decoding.
 */
import { describe, expect, it } from 'vitest';
import { createKeccak256, keccak256, randomBytes } from '../../src/crypto/index.js';
import { isNodeFinderError } from '../../src/errors.js';
import { MAX_FRAME_SIZE } from '../../src/rlpx/constants.js';
import { FrameReader, FrameWriter, decodeFrameData, type FrameSecrets, type MacHash, type RlpxMessage } from '../../src/rlpx/frame.js';
import { bytesToHex, hexToBytes } from '../../src/util/bytes.js';
import vectors from '../vectors/devp2p-test-vectors.json' with { type: 'json' };

const fv = vectors.rlpx_frame;

/** geth's fakeHash: writes ignored, Sum always 32 × 0x01. */
const fakeHash = (): MacHash => {
  const h: MacHash = { update: () => h, clone: () => h, digest: () => new Uint8Array(32).fill(1) };
  return h;
};

/** Matching egress/ingress secrets for a writer → reader pair with real keccak MACs. */
function pairSecrets(): { out: FrameSecrets; in: FrameSecrets } {
  const aesSecret = randomBytes(32);
  const macSecret = randomBytes(32);
  const seed = randomBytes(48);
  const mac = () => createKeccak256().update(seed);
  return {
    out: { aesSecret, macSecret, egressMac: mac(), ingressMac: createKeccak256() },
    in: { aesSecret, macSecret, egressMac: createKeccak256(), ingressMac: mac() },
  };
}

/** A tiny deterministic PRNG for chunk sizes. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function readAll(reader: FrameReader): RlpxMessage[] {
  const out: RlpxMessage[] = [];
  for (let m = reader.read(); m; m = reader.read()) out.push(m);
  return out;
}

describe('RLPx frame vector (geth TestFrameReadWrite)', () => {
  const secrets = (): FrameSecrets => ({
    aesSecret: hexToBytes(fv.setup.aes_secret),
    macSecret: hexToBytes(fv.setup.mac_secret),
    egressMac: fakeHash(),
    ingressMac: fakeHash(),
  });

  it('the setup secret is keccak256 of nothing', () => {
    expect(bytesToHex(keccak256(new Uint8Array()))).toBe(fv.setup.aes_secret);
  });

  it('writing msg 8 with rlp([1,2,3,4]) gives the golden frame', () => {
    const frame = new FrameWriter(secrets()).encode(fv.setup.msg_code, hexToBytes('c401020304'));
    expect(bytesToHex(frame)).toBe(fv.golden_frame_hex);
  });

  it('reading the golden frame, whole or byte by byte, gives the expected content', () => {
    const golden = hexToBytes(fv.golden_frame_hex);
    const expected = hexToBytes(fv.expected_read_content);
    for (const step of [golden.length, 1, 7, 16, 33]) {
      const reader = new FrameReader(secrets());
      const got: RlpxMessage[] = [];
      for (let i = 0; i < golden.length; i += step) {
        reader.push(golden.subarray(i, i + step));
        got.push(...readAll(reader));
      }
      expect(got).toHaveLength(1);
      expect(got[0]!.code).toBe(expected[0]);
      expect(bytesToHex(got[0]!.data)).toBe(bytesToHex(expected.subarray(1)));
      expect(reader.midFrame).toBe(false);
    }
  });
});

describe('RLPx frame round trips', () => {
  const sizes = [0, 1, 14, 15, 16, 17, 31, 32, 33, 100, 255, 1024, 4095, 65_536, 300_000];
  const codes = [0, 1, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x1234, 0xffffff];

  it('random payloads of many sizes and codes survive random chunking, in order', () => {
    const { out, in: inn } = pairSecrets();
    const writer = new FrameWriter(out);
    const reader = new FrameReader(inn);
    const sent: RlpxMessage[] = [];
    const wire: Uint8Array[] = [];
    for (const size of sizes) {
      for (const code of codes) {
        const data = randomBytes(size);
        sent.push({ code, data });
        wire.push(writer.encode(code, data));
      }
    }
    const stream = Buffer.concat(wire);
    const rnd = prng(7);
    const got: RlpxMessage[] = [];
    for (let i = 0; i < stream.length; ) {
      const n = 1 + rnd(rnd(2) === 0 ? 40 : 5000);
      reader.push(stream.subarray(i, i + n));
      i += n;
      got.push(...readAll(reader));
    }
    expect(got.length).toBe(sent.length);
    for (let i = 0; i < sent.length; i++) {
      expect(got[i]!.code).toBe(sent[i]!.code);
      expect(Buffer.compare(got[i]!.data, sent[i]!.data)).toBe(0);
    }
    expect(reader.buffered).toBe(0);
  });

  it('property: 300 random messages (random code, size 0..2000) round trip when coalesced into one chunk', () => {
    const { out, in: inn } = pairSecrets();
    const writer = new FrameWriter(out);
    const reader = new FrameReader(inn);
    const rnd = prng(99);
    const sent = Array.from({ length: 300 }, () => ({ code: rnd(0x200), data: randomBytes(rnd(2001)) }));
    reader.push(Buffer.concat(sent.map((m) => writer.encode(m.code, m.data))));
    const got = readAll(reader);
    expect(got.map((m) => m.code)).toEqual(sent.map((m) => m.code));
    expect(got.map((m) => bytesToHex(m.data))).toEqual(sent.map((m) => bytesToHex(m.data)));
  });

  it('frame length is header + MAC + body padded to 16 + MAC', () => {
    const writer = new FrameWriter(pairSecrets().out);
    for (const n of [0, 14, 15, 16, 31]) {
      const size = 1 + n; // msg-id 1 takes one byte
      expect(writer.encode(1, new Uint8Array(n)).length).toBe(32 + Math.ceil(size / 16) * 16 + 16);
    }
  });
});

describe('RLPx frame failures', () => {
  function oneFrame(size = 40) {
    const { out, in: inn } = pairSecrets();
    return { frame: new FrameWriter(out).encode(3, randomBytes(size)), reader: () => new FrameReader(inn) };
  }

  it('any flipped bit in header, header MAC, body or frame MAC → bad_mac, and the reader stays failed', () => {
    const { frame, reader } = oneFrame(40);
    for (const at of [0, 5, 15, 16, 31, 32, 50, frame.length - 17, frame.length - 16, frame.length - 1]) {
      const bad = Uint8Array.from(frame);
      bad[at]! ^= 0x01;
      const r = reader();
      r.push(bad);
      expect(() => r.read(), `byte ${at}`).toThrow(expect.objectContaining({ kind: 'bad_mac' }));
      expect(() => r.read()).toThrow(expect.objectContaining({ kind: 'bad_mac' }));
    }
  });

  it('a frame-size above the cap → too_large as soon as the 32 header bytes arrive', () => {
    const { out, in: inn } = pairSecrets();
    const frame = new FrameWriter(out).encode(1, new Uint8Array(5000));
    const r = new FrameReader(inn, { maxFrameSize: 4096 });
    r.push(frame.subarray(0, 32));
    expect(() => r.read()).toThrow(expect.objectContaining({ kind: 'too_large' }));
  });

  it('a 16 MiB frame announcement is refused from its header alone with the default cap', () => {
    const { out, in: inn } = pairSecrets();
    // The writer allows the 24-bit maximum; the reader's default cap (10 MiB) is lower.
    const frame = new FrameWriter(out).encode(1, new Uint8Array(MAX_FRAME_SIZE - 1));
    const r = new FrameReader(inn);
    r.push(frame.subarray(0, 32));
    expect(() => r.read()).toThrow(expect.objectContaining({ kind: 'too_large' }));
  });

  it('the writer refuses a payload beyond the 24-bit frame-size', () => {
    const w = new FrameWriter(pairSecrets().out);
    expect(() => w.encode(1, new Uint8Array(MAX_FRAME_SIZE))).toThrow(expect.objectContaining({ kind: 'too_large' }));
  });

  it('an incomplete frame is not an error, just not a message yet', () => {
    const { frame, reader } = oneFrame(100);
    const r = reader();
    r.push(frame.subarray(0, frame.length - 1));
    expect(r.read()).toBeUndefined();
    expect(r.midFrame).toBe(true);
    r.push(frame.subarray(frame.length - 1));
    expect(r.read()?.code).toBe(3);
    expect(r.midFrame).toBe(false);
  });

  it('maxFrameSize must be within the 24-bit field', () => {
    const s = pairSecrets().in;
    expect(() => new FrameReader(s, { maxFrameSize: MAX_FRAME_SIZE + 1 })).toThrow(RangeError);
    expect(() => new FrameReader(s, { maxFrameSize: 0 })).toThrow(RangeError);
  });
});

describe('frame-data msg-id', () => {
  it('decodes canonical RLP integers', () => {
    expect(decodeFrameData(hexToBytes('80aa')).code).toBe(0);
    expect(decodeFrameData(hexToBytes('10aa'))).toEqual({ code: 0x10, data: hexToBytes('aa') });
    expect(decodeFrameData(hexToBytes('8180')).code).toBe(0x80);
    expect(decodeFrameData(hexToBytes('820100ff'))).toEqual({ code: 0x100, data: hexToBytes('ff') });
  });

  it('rejects non-canonical, truncated, list or oversized msg-ids with protocol_breach', () => {
    for (const hex of ['', '8105', '820001', '82ff', 'c0', 'b8', '8501020304050607']) {
      let err: unknown;
      try {
        decodeFrameData(hexToBytes(hex));
      } catch (e) {
        err = e;
      }
      expect(isNodeFinderError(err), hex).toBe(true);
      expect((err as { kind: string }).kind).toBe('protocol_breach');
    }
  });
});
