import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/crypto/index.js';
import { createEnr, type Enr } from '../../src/enode/enr.js';
import { DnsFeed } from '../../src/dnsdisc/feed.js';
import { LookupRateLimiter } from '../../src/dnsdisc/rate-limit.js';
import { DnsTreeSync, type TxtLookup } from '../../src/dnsdisc/sync.js';
import { DnsDiscError } from '../../src/dnsdisc/errors.js';
import { entryHash, formatBranch, formatRoot, parseRoot, signRoot } from '../../src/dnsdisc/entries.js';
import { makeTree, type TxtRecord } from '../../src/dnsdisc/tree.js';
import { ManualClock } from '../../src/net/clock.js';
import { bytesToHex, fromUtf8, hexToBytes } from '../../src/util/bytes.js';
import { GETH_LINK, GETH_TREE } from './vectors.js';

/** An in-memory zone: name → TXT texts; counts queries per name. */
class Zone {
  readonly records = new Map<string, string[]>();
  readonly queries: string[] = [];
  add(records: Iterable<TxtRecord>): this {
    for (const r of records) this.records.set(r.name.toLowerCase(), [...(this.records.get(r.name.toLowerCase()) ?? []), r.text]);
    return this;
  }
  replace(records: Iterable<TxtRecord>): this {
    this.records.clear();
    return this.add(records);
  }
  lookup: TxtLookup = async (name) => {
    this.queries.push(name);
    const r = this.records.get(name.toLowerCase());
    if (!r) throw new DnsDiscError('lookup_failed', `NXDOMAIN ${name}`);
    return r;
  };
}

const KEY = hexToBytes('44'.repeat(32));
const enrs = (n: number, from = 0, seq = 1n): Enr[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return createEnr({ privateKey: keccak256(fromUtf8(`sync node ${i}`)), seq, ip: `127.0.${i >> 8}.${i & 255}`, tcp: 30303, udp: 30303 });
  });
const ids = (xs: Iterable<Enr>) => [...xs].map((e) => bytesToHex(e.nodeId)).sort();

describe('DnsTreeSync', () => {
  it('syncs the go-ethereum example tree: three records, one link (unresolvable, counted)', async () => {
    const zone = new Zone().add(Object.entries(GETH_TREE).map(([name, text]) => ({ name, text })));
    const sync = new DnsTreeSync({ lookup: zone.lookup, links: [GETH_LINK] });
    const report = await sync.sync();
    expect(report.changed).toHaveLength(3);
    expect(sync.treeStates()[0]!.links).toEqual(new Set(['enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@morenodes.example.org']));
    expect(report.trees).toBe(1);
    expect(report.failures).toEqual({ lookup_failed: 1 }); // morenodes.example.org has no root here
    expect(zone.queries).toContain('morenodes.example.org');
  });

  it('walks a multi-level tree and follows links to other trees (de-duplicated, cycles stop)', async () => {
    const keyB = hexToBytes('55'.repeat(32));
    const b = makeTree({ enrs: enrs(30, 100), seq: 1n, domain: 'b.example', privateKey: keyB });
    // a links to b; b's second version links back to a: the cycle ends at trees already seen.
    const a = makeTree({ enrs: enrs(40), links: [b.link], seq: 1n, domain: 'a.example', privateKey: KEY });
    const b2 = makeTree({ enrs: enrs(30, 100), links: [a.link], seq: 2n, domain: 'b.example', privateKey: keyB });
    const zone = new Zone().add(a.records).add(b2.records);
    const sync = new DnsTreeSync({ lookup: zone.lookup, links: [a.link, b.link] });
    const report = await sync.sync();
    expect(report.failures).toEqual({});
    expect(report.trees).toBe(2);
    expect(sync.nodes().size).toBe(70);
    expect(ids(report.changed)).toEqual(ids([...enrs(40), ...enrs(30, 100)]));
    // Every name queried once (roots once per tree).
    expect(new Set(zone.queries).size).toBe(zone.queries.length);
    expect(zone.queries.length).toBe(a.records.length + b2.records.length);
  });

  it('property: any tree the writer makes (sizes around the branch width) syncs back to exactly its records', async () => {
    const pool = enrs(200, 1000);
    for (const n of [0, 1, 2, 12, 13, 14, 27, 169, 170, 200]) {
      const tree = makeTree({ enrs: pool.slice(0, n), seq: BigInt(n), domain: `p${n}.example`, privateKey: KEY });
      const zone = new Zone().add(tree.records);
      const r = await new DnsTreeSync({ lookup: zone.lookup, links: [tree.link] }).sync();
      expect(r.failures, `n=${n}`).toEqual({});
      expect(ids(r.changed), `n=${n}`).toEqual(ids(pool.slice(0, n)));
      expect(r.lookups, `n=${n}`).toBe(tree.records.length);
    }
  });

  it('hands records over batch by batch while the walk is still running', async () => {
    const tree = makeTree({ enrs: enrs(40), seq: 1n, domain: 'a.example', privateKey: KEY });
    const zone = new Zone().add(tree.records);
    const batches: number[] = [];
    let queriesAtFirstBatch = -1;
    const sync = new DnsTreeSync({
      lookup: zone.lookup,
      links: [tree.link],
      concurrency: 4,
      onLeaves: (leaves) => {
        if (batches.length === 0) queriesAtFirstBatch = zone.queries.length;
        batches.push(leaves.length);
      },
    });
    const r = await sync.sync();
    expect(batches.reduce((a, b) => a + b, 0)).toBe(40);
    expect(batches.length).toBeGreaterThanOrEqual(10); // ≤ 4 lookups per batch
    expect(queriesAtFirstBatch).toBeLessThan(r.lookups);
  });

  it('refreshes on a new seq: only changed entries are queried, only new or updated records reported', async () => {
    const zone = new Zone();
    const v1 = makeTree({ enrs: enrs(20), seq: 1n, domain: 'a.example', privateKey: KEY });
    zone.add(v1.records);
    const sync = new DnsTreeSync({ lookup: zone.lookup, links: [v1.link] });
    expect((await sync.sync()).changed).toHaveLength(20);

    // Same root: one query (the root), nothing walked.
    zone.queries.length = 0;
    const same = await sync.sync();
    expect(same).toMatchObject({ walked: 0, lookups: 1, changed: [] });

    // New seq with 3 more records and one record re-signed with a higher seq.
    const updated = enrs(1, 5, 9n)[0]!;
    const v2 = makeTree({ enrs: [...enrs(23).filter((e) => bytesToHex(e.nodeId) !== bytesToHex(updated.nodeId)), updated], seq: 2n, domain: 'a.example', privateKey: KEY });
    zone.replace(v2.records);
    zone.queries.length = 0;
    const r2 = await sync.sync();
    expect(r2.walked).toBe(1);
    expect(ids(r2.changed)).toEqual(ids([...enrs(3, 20), updated]));
    expect(zone.queries.length).toBeLessThan(v2.records.length); // unchanged leaves come from the cache
    expect(sync.nodes().size).toBe(23);
  });

  it('keeps going past bad entries and counts them: bad record, hash mismatch, missing entry, link in the record subtree', async () => {
    const good = enrs(3);
    const badText = 'enr:-----';
    const tampered = good[1]!.toText(); // served under the hash of another text
    const link = 'enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@morenodes.example.org';
    const leaves = [good[0]!.toText(), badText, link];
    const children = [...leaves.map(entryHash), entryHash('enr:tampered'), entryHash('missing'), entryHash(good[2]!.toText())];
    const branch = formatBranch(children);
    const root = signRoot({ enrRoot: entryHash(branch), linkRoot: entryHash(formatBranch([])), seq: 1n }, KEY);
    const zone = new Zone().add([
      { name: 'a.example', text: formatRoot(root) },
      { name: `${entryHash(branch)}.a.example`, text: branch },
      { name: `${entryHash(formatBranch([]))}.a.example`, text: formatBranch([]) },
      ...leaves.map((text) => ({ name: `${entryHash(text)}.a.example`, text })),
      { name: `${entryHash('enr:tampered')}.a.example`, text: tampered },
      { name: `${entryHash(good[2]!.toText())}.a.example`, text: 'v=spf1 -all' }, // no tree entry at all
    ]);
    const sync = new DnsTreeSync({ lookup: zone.lookup, links: [makeTree({ enrs: [], seq: 1n, domain: 'a.example', privateKey: KEY }).link] });
    const report = await sync.sync();
    expect(ids(report.changed)).toEqual(ids([good[0]!]));
    expect(report.failures).toEqual({ bad_enr: 1, link_in_enr_tree: 1, hash_mismatch: 1, lookup_failed: 1, no_entry: 1 });
    expect(sync.treeStates()[0]!.failedEntries).toBe(5);
    // Failures are retried at the next sync although the root is the same.
    zone.queries.length = 0;
    expect((await sync.sync()).walked).toBe(1);
  });

  it('refuses a root signed by another key, and a tree that only fails keeps its last good nodes', async () => {
    const v1 = makeTree({ enrs: enrs(5), seq: 1n, domain: 'a.example', privateKey: KEY });
    const zone = new Zone().add(v1.records);
    const sync = new DnsTreeSync({ lookup: zone.lookup, links: [v1.link] });
    await sync.sync();
    const forged = makeTree({ enrs: enrs(9), seq: 2n, domain: 'a.example', privateKey: hexToBytes('66'.repeat(32)) });
    zone.replace(forged.records);
    const r = await sync.sync();
    expect(r.failures).toEqual({ bad_signature: 1 });
    expect(sync.nodes().size).toBe(5);
  });

  it('bounds depth, entries and linked trees', async () => {
    const big = makeTree({ enrs: enrs(200), seq: 1n, domain: 'a.example', privateKey: KEY }); // depth 3
    const zone = new Zone().add(big.records);
    const shallow = await new DnsTreeSync({ lookup: zone.lookup, links: [big.link], maxDepth: 1 }).sync();
    expect(shallow.failures.limit).toBe(1);
    expect(shallow.changed).toHaveLength(0);
    const few = await new DnsTreeSync({ lookup: zone.lookup, links: [big.link], maxEntries: 50 }).sync();
    expect(few.failures.limit).toBeGreaterThan(0);
    expect(few.changed.length).toBeLessThan(50);

    // A chain of trees, each linking the next: only maxLinkedTrees beyond the configured one.
    const chain = new Zone();
    let next: string[] = [];
    let first = '';
    for (let i = 5; i >= 0; i--) {
      const t = makeTree({ enrs: enrs(1, i), links: next, seq: 1n, domain: `t${i}.example`, privateKey: KEY });
      chain.add(t.records);
      next = [t.link];
      first = t.link;
    }
    const linked = await new DnsTreeSync({ lookup: chain.lookup, links: [first], maxLinkedTrees: 2 }).sync();
    expect(linked.trees).toBe(3);
    expect(linked.failures.limit).toBe(1);
  });

  it('a root with an unverifiable or malformed text is a failure, not a crash', async () => {
    const v1 = makeTree({ enrs: enrs(1), seq: 1n, domain: 'a.example', privateKey: KEY });
    const root = parseRoot(v1.records[0]!.text);
    for (const text of [`${formatRoot(root)}x`, 'enrtree-root:v1 garbage', `${v1.records[0]!.text.slice(0, -4)}AAAA`]) {
      const zone = new Zone().add([{ name: 'a.example', text }]);
      const r = await new DnsTreeSync({ lookup: zone.lookup, links: [v1.link] }).sync();
      expect(r.trees).toBe(0);
      expect(Object.keys(r.failures)).toHaveLength(1);
    }
  });
});

describe('LookupRateLimiter', () => {
  const settle = () => new Promise((r) => setTimeout(r, 5));
  it('lets a burst through, then one lookup per 1/rate on the injected clock, in order; abort rejects', async () => {
    const clock = new ManualClock();
    const limiter = new LookupRateLimiter(clock, 2, 3);
    const order: number[] = [];
    const all = Array.from({ length: 5 }, (_, i) => limiter.take().then(() => order.push(i)));
    await settle();
    expect(order).toEqual([0, 1, 2]);
    clock.advance(499);
    await settle();
    expect(order).toEqual([0, 1, 2]);
    clock.advance(1);
    await settle();
    expect(order).toEqual([0, 1, 2, 3]);
    clock.advance(500);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    const abort = new AbortController();
    const waiting = limiter.take(abort.signal);
    abort.abort();
    await expect(waiting).rejects.toBeDefined();
  });

  it('a rate-limited sync still resolves everything', async () => {
    const clock = new ManualClock();
    const tree = makeTree({ enrs: enrs(30), seq: 1n, domain: 'a.example', privateKey: KEY });
    const zone = new Zone().add(tree.records);
    const sync = new DnsTreeSync({ lookup: zone.lookup, links: [tree.link], rateLimit: new LookupRateLimiter(clock, 10, 5) });
    const running = sync.sync();
    for (let i = 0; i < 100 && zone.queries.length < tree.records.length; i++) {
      await settle();
      clock.advance(100);
    }
    expect((await running).changed).toHaveLength(30);
    // 35 lookups at 10/s after a burst of 5: about three seconds of simulated time.
    expect(clock.now() - 1_700_000_000_000).toBeGreaterThanOrEqual(2_900);
  });
});

describe('DnsFeed', () => {
  it('delivers the first sync at start and changes at each poll on the injected clock', async () => {
    const clock = new ManualClock();
    const zone = new Zone().add(makeTree({ enrs: enrs(4), seq: 1n, domain: 'a.example', privateKey: KEY }).records);
    const got: number[] = [];
    const feed = new DnsFeed({
      sync: new DnsTreeSync({ lookup: zone.lookup, links: [makeTree({ enrs: [], seq: 1n, domain: 'a.example', privateKey: KEY }).link] }),
      clock,
      intervalMs: 60_000,
      onNodes: (e) => got.push(e.length),
    });
    await feed.start();
    expect(got).toEqual([4]);
    zone.replace(makeTree({ enrs: enrs(6), seq: 2n, domain: 'a.example', privateKey: KEY }).records);
    clock.advance(59_000);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([4]);
    clock.advance(1_000);
    for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([4, 6]); // a new root: every record of the tree again
    clock.advance(60_000); // same root: nothing delivered
    for (let i = 0; i < 50 && feed.syncs < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([4, 6]);
    await feed.stop();
    expect(feed.syncs).toBe(3);
  });
});
