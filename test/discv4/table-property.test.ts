/**
 * Table invariants under random operation sequences (seeded, reproducible): no bucket above k, no
 * replacement list above 10, every entry in the bucket of its log distance, no duplicate IDs, IP
 * limits per bucket and per table, size bookkeeping, and closest() equal to a brute-force sort.
 * Revalidation runs concurrently with random ping outcomes on the simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { BUCKET_SIZE } from '../../src/discv4/constants.js';
import { ManualClock } from '../../src/net/clock.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import {
  BUCKET_COUNT,
  BUCKET_IP_LIMIT,
  MAX_REPLACEMENTS,
  TABLE_IP_LIMIT,
  Table,
  type AddOutcome,
  type TableEntry,
} from '../../src/discv4/table.js';
import { flush, hex, idAtDistance, makeNode, prng, randomBytesFrom, xorLess } from './table-helpers.js';

/** The /24 of an IPv4 literal, or null for the LAN ranges the table exempts by default. */
function subnet24(ip: string): string | null {
  const p = ip.split('.').map(Number);
  if (p[0] === 127 || p[0] === 10 || (p[0] === 192 && p[1] === 168)) return null;
  return `${p[0]}.${p[1]}.${p[2]}`;
}

/** Independent log distance: index of the highest differing bit, counted from 1. */
function logDist(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x) return (31 - i) * 8 + (32 - Math.clz32(x));
  }
  return 0;
}

/** Returns every violated invariant (empty when all hold); plain checks, one expect per call. */
function violations(table: Table, self: Uint8Array, exemptLan: boolean, rand: () => number): string[] {
  const bad: string[] = [];
  const ids = new Set<string>();
  const tableIps = new Map<string, number>();
  let size = 0;
  const all: NodeRecord[] = [];
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const entries = table.bucketEntries(i);
    const reps = table.bucketReplacements(i);
    if (entries.length > BUCKET_SIZE) bad.push(`bucket ${i} holds ${entries.length}`);
    if (reps.length > MAX_REPLACEMENTS) bad.push(`bucket ${i} has ${reps.length} replacements`);
    const bucketIps = new Map<string, number>();
    const check = (e: TableEntry, replacement: boolean) => {
      const key = hex(e.node.id);
      if (ids.has(key)) bad.push(`duplicate ${key}`);
      ids.add(key);
      if (logDist(self, e.node.id) !== i + 1) bad.push(`${key} in bucket ${i} at distance ${logDist(self, e.node.id)}`);
      if (e.replacement !== replacement) bad.push(`${key} replacement flag wrong`);
      const s = exemptLan ? subnet24(e.node.ip) : subnet24(e.node.ip) ?? `lan:${e.node.ip.split('.').slice(0, 3).join('.')}`;
      if (s !== null) {
        bucketIps.set(s, (bucketIps.get(s) ?? 0) + 1);
        tableIps.set(s, (tableIps.get(s) ?? 0) + 1);
      }
    };
    for (const e of entries) check(e, false);
    for (const e of reps) check(e, true);
    for (const [s, n] of bucketIps) if (n > BUCKET_IP_LIMIT) bad.push(`bucket ${i}: ${n} from ${s}`);
    size += entries.length;
    all.push(...entries.map((e) => e.node));
  }
  for (const [s, n] of tableIps) if (n > TABLE_IP_LIMIT) bad.push(`table: ${n} from ${s}`);
  if (table.size !== size) bad.push(`size ${table.size} != ${size}`);
  if (table.bucketFill().reduce((a, b) => a + b, 0) !== size) bad.push('bucketFill does not add up');
  if (table.replacementCount !== ids.size - size) bad.push('replacementCount wrong');

  // closest() vs brute force, for a random target and one next to a known node.
  const targets = [randomBytesFrom(rand, 32)];
  if (all.length > 0) targets.push(all[Math.floor(rand() * all.length)]!.id);
  for (const target of targets) {
    for (const n of [1, 5, BUCKET_SIZE, 1000]) {
      const want = [...all].sort((a, b) => xorLess(target, a.id, b.id)).slice(0, n).map((x) => hex(x.id)).join();
      const got = table.closest(target, n).map((x) => hex(x.id)).join();
      if (got !== want) bad.push(`closest(${hex(target)}, ${n}) differs from brute force`);
    }
  }
  return bad;
}

async function simulate(seed: number, exemptLan: boolean, steps: number): Promise<Map<AddOutcome, number>> {
  const rand = prng(seed);
  const self = randomBytesFrom(rand, 32);
  const clock = new ManualClock();
  const outcomes = new Map<AddOutcome, number>();
  const ping = (_n: NodeRecord, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const ok = rand() < 0.7;
      const t = clock.setTimer(Math.floor(rand() * 400), () => (ok ? resolve() : reject(new Error('lost'))));
      signal.addEventListener('abort', () => {
        clock.clearTimer(t);
        reject(signal.reason);
      });
    });
  const table = new Table({ selfId: self, clock, ping, random: prng(seed + 1000), exemptLan, pingIntervalMs: 300 });
  table.start();
  const known: NodeRecord[] = [];
  // Few subnets and mostly-near-top distances so buckets, replacement lists and IP limits all fill.
  const subnets = Array.from({ length: 12 }, (_, i) => `${40 + i}.${i * 7}.${i * 3}`);
  const pickIp = () => {
    const r = rand();
    if (r < 0.1) return '127.0.0.1';
    if (r < 0.15) return `192.168.${Math.floor(rand() * 4)}.${1 + Math.floor(rand() * 250)}`;
    return `${subnets[Math.floor(rand() * subnets.length)]}.${1 + Math.floor(rand() * 250)}`;
  };
  const pickDistance = () => (rand() < 0.8 ? 256 - Math.floor(rand() * 4) : 1 + Math.floor(rand() * 256));
  const count = (o: AddOutcome) => outcomes.set(o, (outcomes.get(o) ?? 0) + 1);

  for (let step = 0; step < steps; step++) {
    const r = rand();
    if (r < 0.45 || known.length === 0) {
      const n = makeNode(idAtDistance(self, pickDistance(), rand), pickIp(), 30303, rand);
      known.push(n);
      count(table.addSeen(n));
    } else if (r < 0.6) {
      const n = makeNode(idAtDistance(self, pickDistance(), rand), pickIp(), 30303, rand);
      known.push(n);
      count(table.addVerified(n));
    } else if (r < 0.7) {
      // Re-verify a known node, sometimes at a new address.
      const n = known[Math.floor(rand() * known.length)]!;
      count(table.addVerified(rand() < 0.5 ? n : { ...n, ip: pickIp() }));
    } else if (r < 0.78) {
      count(table.addSeen(known[Math.floor(rand() * known.length)]!));
    } else if (r < 0.85) {
      table.remove(known[Math.floor(rand() * known.length)]!.id);
    } else if (r < 0.93) {
      table.recordFindnode(known[Math.floor(rand() * known.length)]!.id, rand() < 0.4);
    } else {
      clock.advance(Math.floor(rand() * 500));
      await flush();
    }
    if (step % 53 === 0) expect(violations(table, self, exemptLan, rand), `step ${step}`).toEqual([]);
  }
  clock.advance(1000);
  await flush();
  expect(violations(table, self, exemptLan, rand)).toEqual([]);
  await table.stop();
  expect(clock.pending).toBe(0);
  return outcomes;
}

describe('Table invariants under random operations', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i (LAN exempt)', async (seed) => {
    const outcomes = await simulate(seed, true, 2500);
    // The run must actually exercise the limits it checks.
    expect(outcomes.get('ip_limit') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('replacement') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('added') ?? 0).toBeGreaterThan(0);
  });

  it.each([11, 12, 13])('seed %i (limits applied to LAN too)', async (seed) => {
    const outcomes = await simulate(seed, false, 2500);
    expect(outcomes.get('ip_limit') ?? 0).toBeGreaterThan(0);
  });
});
