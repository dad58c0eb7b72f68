/**
 * Lookups against a simulated network on the ManualClock: every simulated node holds a proper
 * Kademlia table (up to k random nodes per log distance), answers FINDNODE after a random latency
 * with its k closest to keccak256(target), and some nodes fail or never answer.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, type TimerHandle } from '../../src/net/clock.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import { keccak256 } from '../../src/crypto/index.js';
import { NodeFinderError } from '../../src/errors.js';
import { Table } from '../../src/discv4/table.js';
import { ALPHA, BUCKET_SIZE } from '../../src/discv4/constants.js';
import {
  REFRESH_INTERVAL_MS,
  LOW_TABLE_CHECK_MS,
  Refresher,
  lookup,
  type FindNodeFn,
  type LookupResult,
} from '../../src/discv4/lookup.js';
import { flush, hex, makeNode, prng, randomBytesFrom, xorLess } from './table-helpers.js';

function logDist(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x) return (31 - i) * 8 + (32 - Math.clz32(x));
  }
  return 0;
}

interface SimOptions {
  size: number;
  seed: number;
  failRate?: number;
  hangRate?: number;
}

/** A network of `size` nodes with Kademlia routing tables; findNode is the wire, simulated. */
function simNetwork({ size, seed, failRate = 0, hangRate = 0 }: SimOptions) {
  const rand = prng(seed);
  const clock = new ManualClock();
  const nodes: NodeRecord[] = Array.from({ length: size }, (_, i) =>
    makeNode(randomBytesFrom(rand, 32), `${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.1`, 30303, rand),
  );
  const byId = new Map(nodes.map((n) => [hex(n.id), n]));
  const tables = new Map<string, NodeRecord[]>();
  for (const n of nodes) {
    const buckets = new Map<number, NodeRecord[]>();
    for (const m of nodes) {
      if (m === n) continue;
      const d = logDist(n.id, m.id);
      const b = buckets.get(d) ?? [];
      b.push(m);
      buckets.set(d, b);
    }
    const known: NodeRecord[] = [];
    for (const b of buckets.values()) {
      // Random k of each distance (Fisher-Yates prefix).
      for (let i = 0; i < Math.min(BUCKET_SIZE, b.length); i++) {
        const j = i + Math.floor(rand() * (b.length - i));
        [b[i], b[j]] = [b[j]!, b[i]!];
        known.push(b[i]!);
      }
    }
    tables.set(hex(n.id), known);
  }
  const behaviour = new Map(nodes.map((n) => [hex(n.id), rand() < failRate ? 'fail' : rand() < hangRate ? 'hang' : 'ok']));

  const calls: { id: string; at: number }[] = [];
  let inflight = 0;
  let maxInflight = 0;
  const findNode: FindNodeFn = (node, target, signal) => {
    const id = hex(node.id);
    calls.push({ id, at: clock.now() });
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    const mode = behaviour.get(id) ?? 'fail';
    return new Promise<NodeRecord[]>((resolve, reject) => {
      const done = () => inflight--;
      let t: TimerHandle | undefined;
      signal.addEventListener('abort', () => {
        if (t) clock.clearTimer(t);
        done();
        reject(signal.reason);
      });
      if (mode === 'hang') return; // only the lookup's deadline ends this one
      t = clock.setTimer(20 + Math.floor(rand() * 300), () => {
        t = undefined;
        done();
        if (mode === 'fail') return reject(new Error('unreachable'));
        const tid = keccak256(target);
        resolve([...(tables.get(id) ?? [])].sort((a, b) => xorLess(tid, a.id, b.id)).slice(0, BUCKET_SIZE));
      });
    });
  };
  const truth = (targetId: Uint8Array, k = BUCKET_SIZE) =>
    nodes
      .filter((n) => behaviour.get(hex(n.id)) === 'ok')
      .sort((a, b) => xorLess(targetId, a.id, b.id))
      .slice(0, k);
  return { clock, nodes, byId, findNode, calls, truth, behaviour, maxInflight: () => maxInflight, inflight: () => inflight };
}

async function settle<T>(clock: ManualClock, p: Promise<T>, stepMs = 10, maxMs = 10 * 60_000): Promise<T> {
  let state: { v?: T; e?: unknown; done: boolean } = { done: false };
  p.then(
    (v) => (state = { v, done: true }),
    (e: unknown) => (state = { e, done: true }),
  );
  for (let t = 0; t < maxMs && !state.done; t += stepMs) {
    clock.advance(stepMs);
    await flush();
  }
  await flush();
  if (!state.done) throw new Error('did not settle');
  if ('e' in state && state.e !== undefined) throw state.e;
  return state.v as T;
}

const SELF_RAND = prng(99);

function selfTable(clock: ManualClock) {
  const selfKey = randomBytesFrom(SELF_RAND, 64);
  const table = new Table({ selfId: keccak256(selfKey), clock, random: prng(5) });
  return { table, selfKey };
}

describe('lookup', () => {
  it('finds exactly the k closest live nodes, asking nobody twice, ≤ α at a time', async () => {
    for (const seed of [1, 2, 3]) {
      const net = simNetwork({ size: 400, seed });
      const { table } = selfTable(net.clock);
      for (const n of net.nodes.slice(0, 3)) table.addSeen(n);
      const target = randomBytesFrom(prng(seed + 50), 64);
      const responses: number[] = [];
      const result = await settle(
        net.clock,
        lookup({ table, findNode: net.findNode, clock: net.clock, target, onResponse: (_f, ns) => responses.push(ns.length) }),
      );
      const want = net.truth(keccak256(target)).map((n) => hex(n.id));
      expect(result.closest.map((n) => hex(n.id))).toEqual(want);
      const ids = net.calls.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(net.maxInflight()).toBeLessThanOrEqual(ALPHA);
      expect(net.maxInflight()).toBe(ALPHA); // concurrency was actually used
      expect(result.queried).toBe(ids.length);
      expect(result.failed).toBe(0);
      // Every one of the k closest was asked (the stopping rule).
      for (const id of want) expect(ids).toContain(id);
      // Responses were offered to the table.
      expect(table.size).toBeGreaterThan(3);
      expect(responses.length).toBe(result.queried);
      expect(result.received).toBe(responses.reduce((a, b) => a + b, 0));
      expect(net.inflight()).toBe(0);
      expect(net.clock.pending).toBe(0);
    }
  });

  it('routes around failing and silent nodes, reporting them to the table', async () => {
    const net = simNetwork({ size: 400, seed: 7, failRate: 0.15, hangRate: 0.1 });
    const { table } = selfTable(net.clock);
    const starters = net.nodes.filter((n) => net.behaviour.get(hex(n.id)) === 'ok').slice(0, 3);
    for (const n of starters) table.addSeen(n);
    const reported: { id: string; ok: boolean }[] = [];
    const spyTable = {
      selfId: table.selfId,
      get size() {
        return table.size;
      },
      closest: (t: Uint8Array, n?: number) => table.closest(t, n),
      addSeen: (n: NodeRecord) => table.addSeen(n),
      recordFindnode: (id: Uint8Array, ok: boolean) => {
        reported.push({ id: hex(id), ok });
        table.recordFindnode(id, ok);
      },
    };
    const target = randomBytesFrom(prng(8), 64);
    const result = await settle(net.clock, lookup({ table: spyTable, findNode: net.findNode, clock: net.clock, target }), 100);
    const want = net.truth(keccak256(target)).map((n) => hex(n.id));
    // Failed and silent nodes are left out: only responsive nodes come back, closest first, and
    // (with a quarter of the network dead, some knowledge is lost) nearly all of the true k closest.
    const got = result.closest.map((n) => hex(n.id));
    expect(got).toHaveLength(BUCKET_SIZE);
    for (const id of got) expect(net.behaviour.get(id)).toBe('ok');
    expect(got.filter((id) => want.includes(id)).length).toBeGreaterThanOrEqual(14);
    const sorted = [...result.closest].sort((a, b) => xorLess(keccak256(target), a.id, b.id)).map((n) => hex(n.id));
    expect(got).toEqual(sorted);
    const failedIds = reported.filter((r) => !r.ok).map((r) => r.id);
    expect(failedIds.length).toBe(result.failed);
    expect(result.failed).toBeGreaterThan(0);
    for (const id of failedIds) expect(net.behaviour.get(id)).not.toBe('ok');
    for (const r of reported.filter((r) => r.ok)) expect(net.behaviour.get(r.id)).toBe('ok');
    expect(reported.length).toBe(result.queried);
    expect(net.clock.pending).toBe(0);
  });

  it('starts from seeds when the table is empty, and ends at once with nothing to ask', async () => {
    const net = simNetwork({ size: 200, seed: 11 });
    const { table } = selfTable(net.clock);
    const empty = await lookup({ table, findNode: net.findNode, clock: net.clock, target: randomBytesFrom(prng(1), 64) });
    expect(empty).toMatchObject({ closest: [], queried: 0, failed: 0 });
    const target = randomBytesFrom(prng(12), 64);
    const result = await settle(
      net.clock,
      lookup({ table, findNode: net.findNode, clock: net.clock, target, seeds: [net.nodes[0]!] }),
    );
    expect(result.closest.map((n) => hex(n.id))).toEqual(net.truth(keccak256(target)).map((n) => hex(n.id)));
  });

  it('treats answers as hostile: truncates to k, drops bad IDs and self, tolerates non-arrays', async () => {
    const clock = new ManualClock();
    const { table } = selfTable(clock);
    const rand = prng(21);
    const seedNode = makeNode(randomBytesFrom(rand, 32), '20.0.0.1', 30303, rand);
    const junk = makeNode(randomBytesFrom(rand, 32), '20.0.0.2', 30303, rand);
    table.addSeen(seedNode);
    table.addSeen(junk);
    const flood = Array.from({ length: 1000 }, (_, i) => makeNode(randomBytesFrom(rand, 32), `21.${i >> 8}.${i & 255}.1`, 30303, rand));
    const asked: string[] = [];
    const findNode: FindNodeFn = async (node) => {
      asked.push(hex(node.id));
      if (hex(node.id) === hex(seedNode.id)) {
        return [
          { ...flood[0]!, id: new Uint8Array(31) },
          { ...flood[1]!, id: table.selfId },
          ...flood.slice(2),
        ];
      }
      if (hex(node.id) === hex(junk.id)) return 'not a list' as unknown as NodeRecord[];
      return [];
    };
    const result = await lookup({ table, findNode, clock, target: randomBytesFrom(rand, 64) });
    // From the seed's answer only the first k entries were considered, two of them invalid.
    expect(result.received).toBe(BUCKET_SIZE - 2);
    expect(asked).not.toContain(hex(table.selfId));
    expect(result.failed).toBe(1); // the non-array answer
    expect(table.size).toBeLessThanOrEqual(2 + BUCKET_SIZE - 2);
  });

  it('stops at maxQueries when peers keep inventing closer IDs', async () => {
    const clock = new ManualClock();
    const { table } = selfTable(clock);
    const rand = prng(31);
    const target = randomBytesFrom(rand, 64);
    const tid = keccak256(target);
    table.addSeen(makeNode(randomBytesFrom(rand, 32), '30.0.0.1', 30303, rand));
    let counter = 0;
    // Each answer: k fresh IDs sharing ever more leading bits with the target.
    const findNode: FindNodeFn = async () =>
      Array.from({ length: BUCKET_SIZE }, () => {
        const id = randomBytesFrom(rand, 32);
        const share = Math.min(31, 1 + (counter++ >> 4));
        id.set(tid.subarray(0, share), 0);
        return makeNode(id, `31.${counter >> 8 & 255}.${counter & 255}.1`, 30303, rand);
      });
    const result = await lookup({ table, findNode, clock, target, maxQueries: 40 });
    expect(result.queried).toBe(40);
  });

  it('aborts: rejects with kind "aborted", aborts requests in flight, asks nobody after', async () => {
    const net = simNetwork({ size: 300, seed: 41 });
    const { table } = selfTable(net.clock);
    for (const n of net.nodes.slice(0, 3)) table.addSeen(n);
    const ac = new AbortController();
    const p = lookup({ table, findNode: net.findNode, clock: net.clock, target: randomBytesFrom(prng(42), 64), signal: ac.signal });
    const caught = p.catch((e: unknown) => e);
    net.clock.advance(400);
    await flush();
    expect(net.calls.length).toBeGreaterThan(0);
    ac.abort();
    const err = await caught;
    expect(err).toBeInstanceOf(NodeFinderError);
    expect((err as NodeFinderError).kind).toBe('aborted');
    const asked = net.calls.length;
    await flush();
    net.clock.advance(5000);
    await flush();
    expect(net.calls.length).toBe(asked);
    expect(net.inflight()).toBe(0);
    expect(net.clock.pending).toBe(0);
  });

  it('rejects a target that is not 64 bytes', async () => {
    const clock = new ManualClock();
    const { table } = selfTable(clock);
    await expect(lookup({ table, findNode: async () => [], clock, target: new Uint8Array(32) })).rejects.toThrow(RangeError);
  });
});

describe('Refresher', () => {
  it('self + 3 random lookups at start, again every 30 min, bootnodes when empty', async () => {
    const net = simNetwork({ size: 200, seed: 51 });
    const { table, selfKey } = selfTable(net.clock);
    const kinds: string[] = [];
    const results: LookupResult[] = [];
    const refresher = new Refresher({
      table,
      findNode: net.findNode,
      clock: net.clock,
      selfPublicKey: selfKey,
      bootnodes: net.nodes.slice(0, 2),
      randomTarget: () => randomBytesFrom(prng(kinds.length + 1), 64),
      lowTableSize: 0,
      onLookup: (kind, r) => {
        kinds.push(kind);
        results.push(r);
      },
    });
    refresher.start();
    for (let i = 0; i < 600 && refresher.refreshing; i++) {
      net.clock.advance(50);
      await flush();
    }
    expect(kinds).toEqual(['self', 'random', 'random', 'random']);
    expect(refresher.refreshes).toBe(1);
    // The self lookup's target is our own ID.
    expect(hex(results[0]!.targetId)).toBe(hex(table.selfId));
    expect(table.size).toBeGreaterThan(BUCKET_SIZE);
    // Nothing more until the interval passes.
    net.clock.advance(REFRESH_INTERVAL_MS - 60_000);
    await flush();
    expect(kinds).toHaveLength(4);
    for (let i = 0; i < 2000 && kinds.length < 8; i++) {
      net.clock.advance(100);
      await flush();
    }
    expect(kinds).toHaveLength(8);
    await refresher.stop();
    expect(net.clock.pending).toBe(0);
  });

  it('refreshes early when the table runs low, and coalesces concurrent requests', async () => {
    const net = simNetwork({ size: 100, seed: 61 });
    const { table, selfKey } = selfTable(net.clock);
    let lookups = 0;
    const refresher = new Refresher({
      table,
      findNode: net.findNode,
      clock: net.clock,
      selfPublicKey: selfKey,
      bootnodes: [],
      randomLookups: 0,
      lowTableSize: 5,
      onLookup: () => lookups++,
    });
    refresher.start();
    const a = refresher.refresh();
    const b = refresher.refresh();
    expect(a).toBe(b);
    await a;
    expect(lookups).toBe(1); // empty table, no bootnodes: one self lookup with nothing to ask
    net.clock.advance(LOW_TABLE_CHECK_MS);
    await flush();
    expect(lookups).toBe(2); // still low
    for (const n of net.nodes.slice(0, 10)) table.addSeen(n);
    net.clock.advance(LOW_TABLE_CHECK_MS);
    await flush();
    expect(lookups).toBe(2); // no longer low: only the 30-min timer refreshes
    await refresher.stop();
    expect(net.clock.pending).toBe(0);
  });
});
