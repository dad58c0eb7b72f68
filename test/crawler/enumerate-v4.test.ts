/**
 * discv4 enumeration targets: keccak256(target) lies in the asked bucket of the remote (property
 * test over seeded random IDs and every supported distance), the exact stop rule, and the adapter
 * against a Table that answers as geth does (16 closest to keccak256(target)).
 */
import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/crypto/index.js';
import { logDistance } from '../../src/enode/distance.js';
import { ManualClock } from '../../src/net/clock.js';
import { Table } from '../../src/discv4/table.js';
import { V4TargetPool, V4_MIN_DISTANCE, V4_STEPS, v4EnumerationAdapter, v4TableRead } from '../../src/crawler/enumerate-v4.js';
import { Enumerator } from '../../src/crawler/enumerate.js';
import { flush, hex, idAtDistance, makeNode, prng, randomBytesFrom } from '../discv4/table-helpers.js';
import type { NodeRecord } from '../../src/enode/node-record.js';

describe('V4TargetPool', () => {
  it('every target hashes to the asked log distance from the remote (property, 400 random cases)', () => {
    const pool = new V4TargetPool();
    const rand = prng(11);
    for (let i = 0; i < 400; i++) {
      const remote = randomBytesFrom(rand, 32);
      const d = V4_MIN_DISTANCE + Math.floor(rand() * (257 - V4_MIN_DISTANCE));
      const target = pool.targetFor(remote, d, rand);
      expect(target).toHaveLength(64);
      expect(logDistance(remote, keccak256(target))).toBe(d);
    }
    // Hashes are kept: the pool learned prefixes along the way.
    expect(pool.size).toBeGreaterThan(0);
  });

  it('reuses what it found: the same bucket of the same remote costs no new search', () => {
    const pool = new V4TargetPool();
    const remote = randomBytesFrom(prng(3), 32);
    pool.targetFor(remote, 242);
    const before = pool.hashes;
    for (let i = 0; i < 20; i++) expect(logDistance(remote, keccak256(pool.targetFor(remote, 242)))).toBe(242);
    expect(pool.hashes).toBe(before);
  });

  it('refuses distances it cannot target (deeper than 16 bits of prefix)', () => {
    const pool = new V4TargetPool();
    const remote = new Uint8Array(32);
    expect(() => pool.targetFor(remote, V4_MIN_DISTANCE - 1)).toThrow(RangeError);
    expect(() => pool.targetFor(remote, 257)).toThrow(RangeError);
    expect(V4_STEPS).toBe(16);
  });
});

describe('v4 stop rule', () => {
  const rand = prng(5);
  const remote = randomBytesFrom(rand, 32);
  const at = (d: number) => makeNode(idAtDistance(remote, d, rand), '127.0.0.1');
  it('a full answer from within the bucket leaves lower buckets to read', () => {
    const answer = [...Array.from({ length: 10 }, () => at(250)), ...Array.from({ length: 6 }, () => at(249))];
    expect(v4TableRead(remote, 250, answer, 16)).toBe(false);
  });
  it('an entry farther than the asked distance means everything at or below it was returned', () => {
    const answer = [...Array.from({ length: 15 }, () => at(249)), at(251)];
    expect(v4TableRead(remote, 250, answer, 16)).toBe(true);
  });
  it('a short answer reads a small table at once', () => {
    expect(v4TableRead(remote, 256, [at(256), at(255)], 2)).toBe(true);
  });
});

describe('v4 adapter against a geth-like table', () => {
  it('reads every live entry of a remote table of ~150 nodes in a handful of requests', async () => {
    const clock = new ManualClock();
    const rand = prng(9);
    const remote = makeNode(randomBytesFrom(rand, 32), '127.0.0.1', 30303, rand);
    const table = new Table({ selfId: remote.id, clock, ping: async () => undefined });
    // 2 000 random nodes offered: the table keeps 16 per bucket, as a converged geth table would.
    for (let i = 0; i < 2_000; i++) table.addVerified(makeNode(randomBytesFrom(rand, 32), '127.0.0.1', 30303 + (i % 30_000), rand));
    const inTable = new Set(table.nodes().map((n) => hex(n.id)));
    const learned = new Set<string>();
    const asked: number[] = [];
    const adapter = v4EnumerationAdapter({
      targets: new V4TargetPool(),
      random: rand,
      // As geth handleFindnode: the 16 closest to keccak256(target).
      findNode: async (_node, target) => {
        asked.push(logDistance(remote.id, keccak256(target)));
        return table.closest(keccak256(target), 16, 'live');
      },
      learn: (_from, nodes: readonly NodeRecord[]) => {
        let added = 0;
        for (const n of nodes) if (!learned.has(hex(n.id)) && learned.add(hex(n.id))) added++;
        return added;
      },
    });
    const e = new Enumerator(clock, adapter, { staleAfter: 16 });
    e.offer(remote);
    for (let i = 0; i < 50 && (e.stats().waiting > 0 || e.stats().inFlight > 0); i++) await flush();
    expect(learned).toEqual(inTable);
    // Distances asked from the farthest down, stopping where the table ran out.
    expect(asked).toEqual(Array.from({ length: asked.length }, (_, i) => 256 - i));
    expect(asked.length).toBeLessThanOrEqual(12);
    expect(e.stats().completed).toBe(1);
  });
});
