import { describe, expect, it } from 'vitest';
import { BUCKET_SIZE } from '../../src/discv4/constants.js';
import { ManualClock } from '../../src/net/clock.js';
import { logDistance } from '../../src/enode/distance.js';
import type { NodeRecord } from '../../src/enode/node-record.js';
import {
  BUCKET_COUNT,
  MAX_FINDNODE_FAILURES,
  MAX_REPLACEMENTS,
  PING_INTERVAL_MS,
  REVALIDATION_TIMEOUT_MS,
  Table,
  type PingFn,
} from '../../src/discv4/table.js';
import { flush, hex, idAtDistance, makeNode, prng, randomBytesFrom, runFor } from './table-helpers.js';

const rand = prng(1);
const SELF = randomBytesFrom(rand, 32);

/** Public IPs: a distinct /24 per index unless `subnet` is given. */
let ipCounter = 0;
function publicIp(subnet?: number): string {
  ipCounter++;
  const s = subnet ?? ipCounter;
  return `${20 + ((s >> 16) & 0x7f)}.${(s >> 8) & 0xff}.${s & 0xff}.${(ipCounter % 250) + 1}`;
}

function nodeAt(d: number, ip = publicIp()): NodeRecord {
  return makeNode(idAtDistance(SELF, d, rand), ip, 30303, rand);
}

function newTable(extra: Partial<ConstructorParameters<typeof Table>[0]> = {}) {
  const clock = new ManualClock();
  const table = new Table({ selfId: SELF, clock, random: prng(2), ...extra });
  return { clock, table };
}

describe('Table: buckets and replacements', () => {
  it('places each node in the bucket of its log distance', () => {
    const { table } = newTable();
    for (const d of [1, 2, 100, 200, 255, 256]) {
      const n = nodeAt(d);
      expect(logDistance(SELF, n.id)).toBe(d);
      expect(table.addSeen(n)).toBe('added');
      expect(table.bucketIndex(n.id)).toBe(d - 1);
      expect(table.bucketEntries(d - 1).map((e) => hex(e.node.id))).toContain(hex(n.id));
    }
    expect(table.bucketFill()).toHaveLength(BUCKET_COUNT);
    expect(table.size).toBe(6);
  });

  it('fills a bucket to k, then keeps up to 10 replacements, newest first', () => {
    const { table } = newTable();
    const nodes = Array.from({ length: BUCKET_SIZE + MAX_REPLACEMENTS + 3 }, () => nodeAt(256));
    const outcomes = nodes.map((n) => table.addSeen(n));
    expect(outcomes.filter((o) => o === 'added')).toHaveLength(BUCKET_SIZE);
    expect(outcomes.slice(BUCKET_SIZE).every((o) => o === 'replacement')).toBe(true);
    expect(table.bucketFill()[255]).toBe(BUCKET_SIZE);
    const reps = table.bucketReplacements(255);
    expect(reps).toHaveLength(MAX_REPLACEMENTS);
    // The 3 oldest replacements fell off; the newest is first.
    expect(hex(reps[0]!.node.id)).toBe(hex(nodes.at(-1)!.id));
    expect(table.get(nodes[BUCKET_SIZE]!.id)).toBeUndefined();
    expect(table.replacementCount).toBe(MAX_REPLACEMENTS);
    expect(table.size).toBe(BUCKET_SIZE);
  });

  it('reports known, self and bad addresses', () => {
    const { table } = newTable();
    const n = nodeAt(250);
    expect(table.addSeen(n)).toBe('added');
    expect(table.addSeen(n)).toBe('known');
    expect(table.addSeen({ ...n, id: SELF })).toBe('self');
    expect(table.addSeen({ ...nodeAt(250), ip: 'not-an-ip' })).toBe('bad_address');
    expect(table.addSeen({ ...nodeAt(250), ip: '0.0.0.0' })).toBe('bad_address');
    expect(table.addSeen({ ...nodeAt(250), ip: '224.0.0.1' })).toBe('bad_address');
    expect(table.addSeen({ ...nodeAt(250), udpPort: 0 })).toBe('bad_address');
    expect(table.addSeen({ ...nodeAt(250), id: new Uint8Array(31) })).toBe('bad_address');
    expect(table.size).toBe(1);
  });

  it('addSeen never changes a known endpoint; addVerified does, and moves the node to the front', () => {
    const { table, clock } = newTable();
    const a = nodeAt(256);
    const b = nodeAt(256);
    table.addSeen(a);
    table.addSeen(b);
    expect(table.bucketEntries(255).map((e) => hex(e.node.id))).toEqual([hex(a.id), hex(b.id)]);
    expect(table.addSeen({ ...b, ip: '99.99.99.99' })).toBe('known');
    expect(table.get(b.id)!.node.ip).toBe(b.ip);
    clock.advance(1000);
    expect(table.addVerified({ ...b, ip: '99.99.99.98' })).toBe('bumped');
    const e = table.get(b.id)!;
    expect(e.node.ip).toBe('99.99.99.98');
    expect(e.live).toBe(true);
    expect(e.lastPong).toBe(clock.now());
    expect(table.bucketEntries(255).map((x) => hex(x.node.id))).toEqual([hex(b.id), hex(a.id)]);
  });

  it('addVerified puts new nodes at the front, live', () => {
    const { table } = newTable();
    const a = nodeAt(256);
    const b = nodeAt(256);
    table.addSeen(a);
    expect(table.addVerified(b)).toBe('added');
    expect(table.bucketEntries(255).map((e) => [hex(e.node.id), e.live])).toEqual([
      [hex(b.id), true],
      [hex(a.id), false],
    ]);
    expect(table.liveCount).toBe(1);
  });

  it('remove() promotes a replacement into the freed slot', () => {
    const { table } = newTable();
    const nodes = Array.from({ length: BUCKET_SIZE + 2 }, () => nodeAt(256));
    for (const n of nodes) table.addSeen(n);
    expect(table.remove(nodes[0]!.id)).toBe(true);
    expect(table.size).toBe(BUCKET_SIZE);
    expect(table.replacementCount).toBe(1);
    expect(table.remove(nodes[0]!.id)).toBe(false);
  });

  it('evicts after MAX_FINDNODE_FAILURES consecutive FINDNODE failures; a success resets', () => {
    const { table } = newTable();
    const n = nodeAt(256);
    const r = nodeAt(256);
    for (let i = 0; i < BUCKET_SIZE - 1; i++) table.addSeen(nodeAt(256));
    table.addSeen(n);
    table.addSeen(r); // replacement
    for (let i = 0; i < MAX_FINDNODE_FAILURES - 1; i++) table.recordFindnode(n.id, false);
    table.recordFindnode(n.id, true);
    expect(table.get(n.id)!.failures).toBe(0);
    for (let i = 0; i < MAX_FINDNODE_FAILURES - 1; i++) table.recordFindnode(n.id, false);
    expect(table.has(n.id)).toBe(true);
    table.recordFindnode(n.id, false);
    expect(table.get(n.id)).toBeUndefined();
    expect(table.has(r.id)).toBe(true);
    expect(table.size).toBe(BUCKET_SIZE);
  });

  it('closest() orders by XOR distance and can prefer live nodes', () => {
    const { table } = newTable();
    const nodes = Array.from({ length: 40 }, (_, i) => nodeAt(200 + (i % 57)));
    for (const n of nodes) table.addSeen(n);
    const target = randomBytesFrom(rand, 32);
    const got = table.closest(target, 10);
    const want = [...nodes].sort((x, y) => Buffer.compare(xor(x.id, target), xor(y.id, target))).slice(0, 10);
    expect(got.map((n) => hex(n.id))).toEqual(want.map((n) => hex(n.id)));
    expect(table.closest(target, 10, 'prefer-live')).toHaveLength(10); // no live node: all
    expect(table.closest(target, 10, 'live')).toHaveLength(0);
    table.addVerified(nodes[5]!);
    expect(table.closest(target, 10, 'prefer-live').map((n) => hex(n.id))).toEqual([hex(nodes[5]!.id)]);
    expect(() => table.closest(new Uint8Array(64))).toThrow(RangeError);
  });
});

function xor(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.from(a.map((x, i) => x ^ b[i]!));
}

describe('Table: hostile records', () => {
  it('answers bad_address (never throws) for malformed records', () => {
    const { table } = newTable();
    const r = prng(77);
    const junk: unknown[] = [undefined, null, 'x', [], {}, 1n, '30303'];
    for (let i = 0; i < 2000; i++) {
      const good = nodeAt(1 + Math.floor(r() * 256));
      const field = ['id', 'ip', 'udpPort', 'tcpPort'][i % 4]!;
      const value =
        r() < 0.5
          ? junk[Math.floor(r() * junk.length)]
          : field === 'id'
            ? randomBytesFrom(r, Math.floor(r() * 64))
            : field === 'ip'
              ? ['1.2.3', '1.2.3.4.5', '256.1.1.1', '::g', 'fe80::1%eth0', '', ' 1.2.3.4'][i % 7]
              : [-1, 0, 65536, 1.5, NaN, Infinity][i % 6];
      const bad = { ...good, [field]: value } as NodeRecord;
      if (field === 'id' && value instanceof Uint8Array && value.length === 32) continue;
      if (field === 'tcpPort' && value === 0) continue; // TCP port 0 is legal: discovery-only node
      expect(table.addSeen(bad), `${field}=${String(value)}`).toBe('bad_address');
      expect(table.addVerified(bad)).toBe('bad_address');
    }
    expect(table.size).toBe(0);
  });
});

describe('Table: IP limits', () => {
  it('allows at most 2 addresses of one /24 per bucket', () => {
    const { table } = newTable();
    const ips = ['31.1.2.3', '31.1.2.4', '31.1.2.5'];
    const out = ips.map((ip) => table.addSeen(nodeAt(256, ip)));
    expect(out).toEqual(['added', 'added', 'ip_limit']);
    // Another bucket has its own allowance.
    expect(table.addSeen(nodeAt(255, '31.1.2.6'))).toBe('added');
    // A different /24 is fine.
    expect(table.addSeen(nodeAt(256, '31.1.3.1'))).toBe('added');
  });

  it('allows at most 10 addresses of one /24 in the whole table', () => {
    const { table } = newTable();
    const out = Array.from({ length: 12 }, (_, i) => table.addSeen(nodeAt(256 - i, `41.5.6.${i + 1}`)));
    expect(out.filter((o) => o === 'added')).toHaveLength(10);
    expect(out.slice(10)).toEqual(['ip_limit', 'ip_limit']);
  });

  it('counts replacements too, and frees the allowance when a node leaves', () => {
    const { table } = newTable();
    for (let i = 0; i < BUCKET_SIZE; i++) table.addSeen(nodeAt(256));
    expect(table.addSeen(nodeAt(256, '51.0.0.1'))).toBe('replacement');
    expect(table.addSeen(nodeAt(256, '51.0.0.2'))).toBe('replacement');
    expect(table.addSeen(nodeAt(256, '51.0.0.3'))).toBe('ip_limit');
    const first = table.bucketReplacements(255)[0]!.node;
    table.remove(first.id);
    expect(table.addSeen(nodeAt(256, '51.0.0.4'))).toBe('replacement');
  });

  it('treats IPv4-mapped IPv6 as IPv4 and groups IPv6 by /64', () => {
    const { table } = newTable();
    expect(table.addSeen(nodeAt(256, '61.1.1.1'))).toBe('added');
    expect(table.addSeen(nodeAt(256, '::ffff:61.1.1.2'))).toBe('added');
    expect(table.addSeen(nodeAt(256, '61.1.1.3'))).toBe('ip_limit');
    expect(table.addSeen(nodeAt(255, '2001:db8:1:2::1'))).toBe('added');
    expect(table.addSeen(nodeAt(255, '2001:db8:1:2:ffff::9'))).toBe('added');
    expect(table.addSeen(nodeAt(255, '2001:db8:1:2::3'))).toBe('ip_limit');
    expect(table.addSeen(nodeAt(255, '2001:db8:1:3::1'))).toBe('added');
  });

  it('exempts loopback/LAN by default, and applies limits to them when asked', () => {
    const exempt = newTable().table;
    for (let i = 0; i < BUCKET_SIZE; i++) expect(exempt.addSeen(nodeAt(256, '127.0.0.1'))).toBe('added');
    expect(exempt.addSeen(nodeAt(255, '192.168.1.1'))).toBe('added');
    const strict = newTable({ exemptLan: false }).table;
    const out = Array.from({ length: 4 }, () => strict.addSeen(nodeAt(256, '127.0.0.1')));
    expect(out).toEqual(['added', 'added', 'ip_limit', 'ip_limit']);
  });

  it('knows the LAN ranges geth exempts, and nothing more', () => {
    const three = (base: string) => {
      const { table } = newTable();
      return [1, 2, 3].map((i) => table.addSeen(nodeAt(256, base.replace('*', String(i)))));
    };
    for (const lan of ['10.1.1.*', '127.0.0.*', '169.254.3.*', '172.16.0.*', '172.31.9.*', '192.168.7.*', 'fe80::*', 'fd00:1::*', 'fc00::*']) {
      expect(three(lan), lan).toEqual(['added', 'added', 'added']);
    }
    const { table } = newTable();
    expect([1, 2, 3].map(() => table.addSeen(nodeAt(256, '::1')))).toEqual(['added', 'added', 'added']);
    for (const wan of ['172.15.0.*', '172.32.0.*', '169.253.0.*', '192.169.0.*', '11.0.0.*', 'fec0::*', '2001:db8::*']) {
      expect(three(wan), wan).toEqual(['added', 'added', 'ip_limit']);
    }
  });

  it('refuses an endpoint change that would break the limit', () => {
    const { table } = newTable();
    table.addSeen(nodeAt(256, '71.0.0.1'));
    table.addSeen(nodeAt(256, '71.0.0.2'));
    const n = nodeAt(256, '72.0.0.1');
    table.addSeen(n);
    expect(table.addVerified({ ...n, ip: '71.0.0.3' })).toBe('ip_limit');
    expect(table.get(n.id)!.node.ip).toBe('72.0.0.1');
  });
});

/** A scripted ping: per-node answers, and a check that no node is pinged twice at once. */
function scriptedPing(clock: ManualClock, answer: (n: NodeRecord) => 'ok' | 'fail' | 'hang', latencyMs = 50) {
  const active = new Set<string>();
  const log: { id: string; at: number }[] = [];
  let overlaps = 0;
  const ping: PingFn = (n) => {
    const id = hex(n.id);
    if (active.has(id)) overlaps++;
    active.add(id);
    log.push({ id, at: clock.now() });
    const a = answer(n);
    return new Promise((resolve, reject) => {
      if (a === 'hang') return; // never settles: the table's deadline must
      clock.setTimer(latencyMs, () => {
        active.delete(id);
        if (a === 'ok') resolve(undefined);
        else reject(new Error('no pong'));
      });
    }).finally(() => active.delete(id));
  };
  return { ping, log, overlaps: () => overlaps };
}

describe('Table: revalidation (simulated clock)', () => {
  it('pings new nodes soon, marks responders live and moves them to the slow list', async () => {
    const clock = new ManualClock();
    const s = scriptedPing(clock, () => 'ok');
    const table = new Table({ selfId: SELF, clock, ping: s.ping, random: prng(3) });
    const nodes = Array.from({ length: 12 }, () => nodeAt(256));
    for (const n of nodes) table.addSeen(n);
    table.start();
    // Each fast-list round pings one node about every PING_INTERVAL/2 on average.
    await runFor(clock, 12 * PING_INTERVAL_MS * 2, 100);
    for (const n of nodes) {
      const e = table.get(n.id)!;
      expect(e.live).toBe(true);
      expect(e.livenessChecks).toBeGreaterThanOrEqual(1);
      expect(e.lastPong).not.toBeNull();
    }
    expect(table.liveCount).toBe(12);
    expect(s.overlaps()).toBe(0);
    // The most recently answered node is at the front of its bucket.
    const last = s.log.at(-1)!.id;
    await runFor(clock, 100, 100);
    expect(hex(table.bucketEntries(255)[0]!.node.id)).toBe(last);
    await table.stop();
    expect(clock.pending).toBe(0);
  });

  it('evicts a node that never answered on its first failure and promotes a replacement', async () => {
    const clock = new ManualClock();
    const dead = nodeAt(256);
    const s = scriptedPing(clock, (n) => (hex(n.id) === hex(dead.id) ? 'fail' : 'ok'));
    const table = new Table({ selfId: SELF, clock, ping: s.ping, random: prng(4) });
    table.addSeen(dead);
    for (let i = 0; i < BUCKET_SIZE - 1; i++) table.addSeen(nodeAt(256));
    const spare = nodeAt(256);
    expect(table.addSeen(spare)).toBe('replacement');
    table.start();
    for (let i = 0; i < 200 && table.get(dead.id); i++) await runFor(clock, PING_INTERVAL_MS, 100);
    expect(table.get(dead.id)).toBeUndefined();
    expect(table.has(spare.id)).toBe(true);
    expect(table.size).toBe(BUCKET_SIZE);
    await table.stop();
  });

  it('a well-established node survives one lost pong (liveness checks ÷ 5) but not two', async () => {
    const clock = new ManualClock();
    let mode: 'ok' | 'fail' = 'ok';
    const n = nodeAt(256);
    const s = scriptedPing(clock, () => mode);
    const table = new Table({ selfId: SELF, clock, ping: s.ping, random: prng(5) });
    table.addSeen(n);
    table.start();
    while (table.get(n.id)!.livenessChecks < 6) await runFor(clock, 1000, 100);
    const pings = s.log.length;
    mode = 'fail';
    while (s.log.length === pings) await runFor(clock, 1000, 100);
    await runFor(clock, 200, 100);
    const e = table.get(n.id)!;
    expect(e.livenessChecks).toBe(1);
    expect(e.live).toBe(false);
    expect(e.failures).toBe(1);
    while (table.get(n.id)) await runFor(clock, 1000, 100);
    expect(table.size).toBe(0);
    await table.stop();
  });

  it('a ping that never settles is cut off by the deadline and counted as a failure', async () => {
    const clock = new ManualClock();
    const n = nodeAt(256);
    const s = scriptedPing(clock, () => 'hang');
    const table = new Table({ selfId: SELF, clock, ping: s.ping, random: prng(6) });
    table.addSeen(n);
    table.start();
    while (s.log.length === 0) await runFor(clock, 100, 100);
    expect(table.revalidationsInFlight).toBe(1);
    await runFor(clock, REVALIDATION_TIMEOUT_MS - 200, 100);
    expect(table.get(n.id)).toBeDefined();
    await runFor(clock, 300, 100);
    expect(table.get(n.id)).toBeUndefined();
    expect(table.revalidationsInFlight).toBe(0);
    await table.stop();
    expect(clock.pending).toBe(0);
  });

  it('stop() aborts pings in flight and leaves no timers', async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    const table = new Table({
      selfId: SELF,
      clock,
      random: prng(7),
      ping: (_n, signal) => {
        signals.push(signal);
        return new Promise(() => {});
      },
    });
    for (let i = 0; i < 5; i++) table.addSeen(nodeAt(256));
    table.start();
    while (signals.length === 0) await runFor(clock, 100, 100);
    await table.stop();
    await flush();
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(clock.pending).toBe(0);
    expect(table.size).toBe(5); // an aborted ping is not a failure
  });
});
