/**
 * The discv5 routing table (records by log distance, live entries answer FINDNODE) and the v5
 * lookup: geth's lookupDistances, and an iterative lookup over a network of our own endpoints on
 * the in-memory UDP network that finds its target from one seed.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { logDistance } from '../../src/enode/distance.js';
import { createEnr, type Enr } from '../../src/enode/enr.js';
import { systemClock } from '../../src/net/clock.js';
import { MemoryUdpNetwork } from '../../src/net/memory-udp.js';
import { Discv5Table } from '../../src/discv5/node-table.js';
import { lookupDistances, lookupV5 } from '../../src/discv5/lookup.js';
import { isKeyOnly, keyOnlyTarget } from '../../src/discv5/key-target.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { makeNode, type TestNode } from './helpers.js';

function record(seq = 1n, key = generatePrivateKey()): Enr {
  return createEnr({ privateKey: key, seq, ip: '127.0.0.1', udp: 30303 });
}

/** An ID whose log distance to `base` is d (flip bit 256−d, keep the higher bits, randomise none). */
function idAt(base: Uint8Array, d: number): Uint8Array {
  const id = Uint8Array.from(base);
  const bit = d - 1; // from the least significant end
  id[31 - Math.floor(bit / 8)]! ^= 1 << bit % 8;
  return id;
}

describe('lookupDistances (geth v5_udp.go)', () => {
  it('the target distance first, then its neighbours, three in all, within 1..256', () => {
    const a = new Uint8Array(32);
    expect(lookupDistances(idAt(a, 200), a)).toEqual([200, 201, 199]);
    expect(lookupDistances(idAt(a, 256), a)).toEqual([256, 255, 254]);
    expect(lookupDistances(idAt(a, 1), a)).toEqual([1, 2, 3]);
    expect(lookupDistances(a, a)).toEqual([1, 2, 3]);
  });
});

describe('Discv5Table', () => {
  it('keeps one record per node (the higher seq), answers FINDNODE from live entries only, never holds itself', () => {
    const selfKey = generatePrivateKey();
    const self = record(1n, selfKey);
    const t = new Discv5Table(self.nodeId);
    expect(t.add(self)).toBe('self');
    const key = generatePrivateKey();
    const v1 = record(1n, key);
    const v2 = record(2n, key);
    expect(t.add(v2)).toBe('added');
    expect(t.add(v1)).toBe('updated');
    expect(t.get(v1.nodeId)!.seq).toBe(2n);
    const d = logDistance(self.nodeId, v1.nodeId);
    expect(t.atDistance(d)).toEqual([]); // hearsay is not relayed
    t.add(v1, true);
    expect(t.atDistance(d).map((e) => e.seq)).toEqual([2n]);
    expect(t.isLive(v1.nodeId)).toBe(true);
    expect(t.atDistance(0)).toEqual([]);
    t.remove(v1.nodeId);
    expect(t.size).toBe(0);
  });

  it('a full bucket keeps its live entries and lets a newcomer replace the oldest hearsay', () => {
    const self = record();
    const t = new Discv5Table(self.nodeId, 2);
    // Records at distance 256 (half of all IDs): draw until three land there.
    const at256: Enr[] = [];
    while (at256.length < 4) {
      const r = record();
      if (logDistance(self.nodeId, r.nodeId) === 256) at256.push(r);
    }
    expect(t.add(at256[0]!, true)).toBe('added');
    expect(t.add(at256[1]!)).toBe('added');
    expect(t.add(at256[2]!)).toBe('added'); // replaces at256[1], unverified
    expect(t.get(at256[1]!.nodeId)).toBeUndefined();
    t.add(at256[2]!, true);
    expect(t.add(at256[3]!)).toBe('full');
    expect(t.size).toBe(2);
    expect(t.occupiedDistances()).toEqual([256]);
    expect(t.closest(at256[0]!.nodeId, 1)[0]).toBe(at256[0]);
  });

  it('a key-only target stands in for an unknown record and is recognisable as such', () => {
    const r = record();
    const t = keyOnlyTarget({ id: r.nodeId, publicKey: r.publicKey, ip: '127.0.0.1', udpPort: 1 });
    expect(bytesToHex(t.enr!.nodeId)).toBe(bytesToHex(r.nodeId));
    expect(isKeyOnly(t.enr!)).toBe(true);
    expect(isKeyOnly(r)).toBe(false);
  });
});

describe('lookupV5 over the in-memory network', () => {
  it('from one seed, a lookup for a node ID reaches that node, asking geth-style distances', async () => {
    const net = new MemoryUdpNetwork();
    const nodes: TestNode[] = Array.from({ length: 30 }, (_, i) => makeNode(net.bind(`127.0.2.${i + 1}`, 30303), systemClock));
    // Every node knows every other (a settled small network): the answer to the right distances
    // holds the target, so a lookup that asked wrong distances would miss it.
    for (const n of nodes) for (const m of nodes) n.table.add(m.enr);
    const us = makeNode(net.bind('127.0.0.1', 30303), systemClock);
    try {
      const asked: number[][] = [];
      const answered = new Set<string>();
      for (const target of [nodes[17]!, nodes[4]!]) {
        const r = await lookupV5({
          selfId: us.enr.nodeId,
          target: target.enr.nodeId,
          seeds: [nodes[0]!.enr],
          clock: systemClock,
          findNode: (node, distances, signal) => {
            asked.push(distances);
            return us.endpoint.findNode(node, distances, { signal });
          },
          onAnswer: (from) => answered.add(bytesToHex(from.nodeId)),
        });
        expect(bytesToHex(r.closest[0]!.nodeId)).toBe(bytesToHex(target.enr.nodeId));
        expect(r.failed).toBe(0);
      }
      expect(asked.every((ds) => ds.length === 3)).toBe(true);
      expect(answered.size).toBeGreaterThan(3);
    } finally {
      await Promise.all([...nodes, us].map((n) => n.endpoint.close()));
    }
  }, 30_000);
});
