/**
 * The record layer rule (src/eth/record-layer.ts) on hand-built records of each kind and on the real
 * corpus (test/vectors/corpus: records from the public discv4 DNS lists, all execution clients).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { decodeEnr, decodeEnrText, encodeEnr } from '../../src/enode/enr.js';
import { classifyRawRecord, classifyRecord, decodeEth2, recordLayer } from '../../src/eth/record-layer.js';
import { clRecord, elRecord, eth2Bytes, otherRecord } from './records.js';

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

describe('recordLayer', () => {
  it('eth makes execution whatever else; eth2/attnets/syncnets consensus; else other', () => {
    const m = (...keys: string[]) => new Map(keys.map((k) => [k, new Uint8Array()]));
    expect(recordLayer(m('eth'))).toBe('execution');
    expect(recordLayer(m('eth', 'eth2'))).toBe('execution');
    expect(recordLayer(m('snap'))).toBe('other');
    expect(recordLayer(m('eth2'))).toBe('consensus');
    expect(recordLayer(m('attnets'))).toBe('consensus');
    expect(recordLayer(m('syncnets'))).toBe('consensus');
    expect(recordLayer(m('c', 'ip', 'udp'))).toBe('other');
    expect(recordLayer(m())).toBe('other');
  });

  it('decodes the eth2 ENRForkID (SSZ: digest, version, little-endian epoch) and refuses other sizes', () => {
    expect(decodeEth2(eth2Bytes('6a95a1a9', '06000000', 2n ** 64n - 1n))).toEqual({ forkDigest: '6a95a1a9', nextForkVersion: '06000000', nextForkEpoch: 2n ** 64n - 1n });
    expect(decodeEth2(eth2Bytes('01020304', '05060708', 0x0102n))?.nextForkEpoch).toBe(258n);
    expect(decodeEth2(new Uint8Array(15))).toBeNull();
    expect(decodeEth2(new Uint8Array(17))).toBeNull();
    expect(decodeEth2([new Uint8Array(16)])).toBeNull();
    expect(decodeEth2(undefined)).toBeNull();
  });

  it('classifies an execution, a consensus and an other record, from entries and from raw bytes alike', () => {
    const el = elRecord(generatePrivateKey(), { client: ['Geth', 'v1.16.1'] });
    const cl = clRecord(generatePrivateKey());
    const other = otherRecord(generatePrivateKey());
    expect(classifyRecord(el.entries)).toEqual({ layer: 'execution', ethForkHash: 'fc64ec04', ethForkNext: 1150000n, eth2: null, snap: true, client: 'Geth/v1.16.1' });
    expect(classifyRecord(cl.entries)).toEqual({
      layer: 'consensus',
      ethForkHash: null,
      ethForkNext: null,
      eth2: { forkDigest: '6a95a1a9', nextForkVersion: '06000000', nextForkEpoch: 2n ** 64n - 1n },
      snap: false,
      client: null,
    });
    expect(classifyRecord(other.entries)).toMatchObject({ layer: 'other', ethForkHash: null, eth2: null, snap: false });
    for (const r of [el, cl, other]) expect(classifyRawRecord(r.raw)).toEqual(classifyRecord(r.entries));
  });

  it('a malformed eth or eth2 value still decides the layer but yields no fork fields; odd client text is dropped', () => {
    const key = generatePrivateKey();
    const bad = decodeEnr(encodeEnr(key, 1n, { eth: [[new Uint8Array(3), 1]], client: [Uint8Array.of(0x47, 0x0a)] }).raw);
    expect(classifyRecord(bad.entries)).toEqual({ layer: 'execution', ethForkHash: null, ethForkNext: null, eth2: null, snap: false, client: null });
    const badCl = encodeEnr(key, 2n, { eth2: new Uint8Array(5) });
    expect(classifyRecord(badCl.entries)).toMatchObject({ layer: 'consensus', eth2: null });
  });

  it('never throws on bytes that are not a record', () => {
    expect(classifyRawRecord(new Uint8Array())).toBeNull();
    expect(classifyRawRecord(Uint8Array.of(0xc1, 0x80))).toBeNull(); // odd length list
    expect(classifyRawRecord(Uint8Array.of(0x83, 1, 2, 3))).toBeNull(); // not a list
    expect(classifyRawRecord(Uint8Array.of(0xc4, 0x80, 0x80, 0xc0, 0x80))).toBeNull(); // list as a key
    for (let i = 0; i < 300; i++) {
      const junk = Uint8Array.from({ length: 1 + (i % 60) }, (_v, j) => (i * 31 + j * 17) & 0xff);
      expect(() => classifyRawRecord(junk)).not.toThrow();
    }
  });
});

describe('classification of the real corpus', () => {
  const load = (name: string) =>
    readFileSync(new URL(`../vectors/corpus/${name}.tsv`, import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => decodeEnrText(l.split('\t')[2]!));

  // Counted by hand from the files (every record has eth; snap = records with a "snap" key).
  const expected = {
    hoodi: { execution: 486, consensus: 0, other: 0, snap: 309, client: 0, eth2: 0, ethFork: 486 },
    sepolia: { execution: 250, consensus: 0, other: 0, snap: 196, client: 0, eth2: 0, ethFork: 250 },
  };
  for (const name of ['hoodi', 'sepolia'] as const) {
    it(`${name}: layers, snap and client hints`, () => {
      const records = load(name);
      const counts = { execution: 0, consensus: 0, other: 0, snap: 0, client: 0, eth2: 0, ethFork: 0 };
      for (const r of records) {
        const c = classifyRecord(r.entries);
        expect(JSON.stringify(classifyRawRecord(r.raw), big)).toBe(JSON.stringify(c, big));
        counts[c.layer]++;
        if (c.snap) counts.snap++;
        if (c.client) counts.client++;
        if (c.eth2) counts.eth2++;
        if (c.ethForkHash) counts.ethFork++;
      }
      expect(counts).toEqual(expected[name]);
    });
  }
});
