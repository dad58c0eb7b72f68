import { describe, expect, it } from 'vitest';
import {
  ADVERTISED_ETH_VERSIONS,
  BASE_PROTOCOL_LENGTH,
  ethCapabilities,
  formatCapability,
  negotiateCapabilities,
  protocolLength,
  requireSharedEth,
  resolveMessageId,
  wireMessageId,
  type Capability,
  type LocalCapability,
} from '../../src/devp2p/capabilities.js';
import { NoSharedCapabilityError, UnknownMessageError } from '../../src/devp2p/errors.js';
import { BASE_SEED, Rng } from './fuzz-helpers.js';

const snap1: LocalCapability = { name: 'snap', version: 1, length: 8 };
const local = [...ethCapabilities(), snap1];

describe('message counts', () => {
  it('match caps/eth.md and the eth/69–71 EIPs', () => {
    expect([66, 67, 68, 69, 70, 71].map((v) => protocolLength('eth', v))).toEqual([17, 17, 17, 18, 18, 20]);
    expect(protocolLength('snap', 1)).toBe(8);
    expect(protocolLength('eth', 65)).toBeUndefined();
  });
  it('we advertise eth/66 through eth/70', () => {
    expect(ethCapabilities().map(formatCapability)).toEqual(['eth/66', 'eth/67', 'eth/68', 'eth/69', 'eth/70']);
    expect(ADVERTISED_ETH_VERSIONS).toContain(69);
    expect(() => ethCapabilities([65])).toThrow(RangeError);
  });
});

describe('negotiation (rlpx.md "Message ID-based Multiplexing")', () => {
  it('eth/68 peer with snap: eth at 0x10 (17 ids), snap at 0x21', () => {
    const remote: Capability[] = [
      { name: 'snap', version: 1 },
      { name: 'eth', version: 67 },
      { name: 'eth', version: 68 },
      { name: 'les', version: 4 },
    ];
    expect(negotiateCapabilities(local, remote)).toEqual([
      { name: 'eth', version: 68, offset: 0x10, length: 17 },
      { name: 'snap', version: 1, offset: 0x21, length: 8 },
    ]);
  });

  it('eth/69+ peer (geth ≥ 1.16 style, no eth/68): snap moves to 0x22', () => {
    const remote: Capability[] = [
      { name: 'eth', version: 71 },
      { name: 'eth', version: 70 },
      { name: 'eth', version: 69 },
      { name: 'snap', version: 1 },
    ];
    const n = negotiateCapabilities(local, remote);
    expect(n).toEqual([
      { name: 'eth', version: 70, offset: 0x10, length: 18 },
      { name: 'snap', version: 1, offset: 0x22, length: 8 },
    ]);
    expect(resolveMessageId(n, 0x10)).toEqual({ capability: n[0], id: 0 });
    expect(resolveMessageId(n, 0x21)).toEqual({ capability: n[0], id: 0x11 }); // BlockRangeUpdate
    expect(resolveMessageId(n, 0x22)).toEqual({ capability: n[1], id: 0 });
    expect(resolveMessageId(n, 0x29)).toEqual({ capability: n[1], id: 7 });
    expect(() => resolveMessageId(n, 0x2a)).toThrow(UnknownMessageError);
    expect(() => resolveMessageId(n, 0x03)).toThrow(UnknownMessageError);
    expect(wireMessageId(n, 'eth', 0x03)).toBe(0x13);
    expect(() => wireMessageId(n, 'eth', 18)).toThrow(RangeError);
  });

  it('sorts by name byte-wise, not by offer order', () => {
    const mine: LocalCapability[] = [
      { name: 'zzz', version: 1, length: 2 },
      { name: 'eth', version: 68, length: 17 },
      { name: 'Abc', version: 1, length: 3 },
    ];
    const n = negotiateCapabilities(mine, [
      { name: 'zzz', version: 1 },
      { name: 'eth', version: 68 },
      { name: 'Abc', version: 1 },
    ]);
    expect(n.map((c) => [c.name, c.offset])).toEqual([
      ['Abc', 0x10],
      ['eth', 0x13],
      ['zzz', 0x24],
    ]);
  });

  it('an irregular (recorded, escaped) name never negotiates, even if its text matches ours', () => {
    const n = negotiateCapabilities(local, [
      { name: 'eth', version: 68, irregular: true },
      { name: 'snap', version: 1 },
    ]);
    expect(n.map((c) => c.name)).toEqual(['snap']);
  });

  it('no common version: empty result and NoSharedCapabilityError from requireSharedEth', () => {
    const n = negotiateCapabilities(local, [
      { name: 'eth', version: 65 },
      { name: 'les', version: 2 },
    ]);
    expect(n).toEqual([]);
    expect(() => requireSharedEth(n)).toThrow(NoSharedCapabilityError);
  });

  it('property: highest common version per name, contiguous ranges in name order', () => {
    const rng = new Rng(BASE_SEED + 30);
    const names = ['eth', 'snap', 'les', 'wit', 'bzz'];
    for (let iter = 0; iter < 500; iter++) {
      const mine: LocalCapability[] = [];
      const theirs: Capability[] = [];
      for (const name of names) {
        for (let v = 1; v <= 6; v++) {
          if (rng.int(3) === 0) mine.push({ name, version: v, length: 1 + rng.int(30) });
          if (rng.int(3) === 0) theirs.push({ name, version: v });
        }
      }
      // Duplicates in the remote list must not matter.
      if (theirs.length) theirs.push(rng.pick(theirs));
      const n = negotiateCapabilities(mine, theirs);
      let offset = BASE_PROTOCOL_LENGTH;
      for (const c of n) {
        expect(c.offset).toBe(offset);
        offset += c.length;
        const common = mine.filter((m) => m.name === c.name && theirs.some((t) => t.name === m.name && t.version === m.version));
        expect(c.version).toBe(Math.max(...common.map((m) => m.version)));
      }
      expect(n.map((c) => c.name)).toEqual([...n.map((c) => c.name)].sort());
      const expectedNames = names.filter((name) => mine.some((m) => m.name === name && theirs.some((t) => t.name === name && t.version === m.version)));
      expect(n.map((c) => c.name).sort()).toEqual(expectedNames.sort());
    }
  });
});
