/**
 * report discovery, the snapshot's `discovery`/`layers`, and report rebonds on a tiny hand-built
 * crawl, both engines. Database rows only (TEST-NET addresses, never contacted). Window = one day.
 *   node  sources (instance)                 answered   record (layer)
 *   a     neighbors (I1), nodes (I2)         v4, v5     eth (execution)
 *   b     neighbors                          v4         —   (unknown)
 *   c     nodes                              v5         eth2 (consensus)
 *   d     dns                                —          eth (execution)
 *   e     inbound, neighbors (I1, same day)  v4         c   (other)
 *   f     v5_session                         v5         eth2 (consensus)
 *   g     bootnode, neighbors, ping          v4, v5     eth (execution)
 *   h     — (answered only)                  v4         —   (unknown)
 *   x     neighbors the day before; answered v4 the day before: outside the window
 * Expected: 8 nodes; v4 only b,e,h = 3; v5 only c,f = 2; both a,g = 2; neither d = 1.
 * Sources: neighbors a,b,e,g = 4 (only b); nodes a,c = 2 (only c); ping g; v5_session f (only);
 * dns d (only); inbound e; bootnode g; static none. Overlap: neighbors+nodes a, neighbors+inbound e,
 * neighbors+bootnode g, neighbors+ping g, bootnode+ping g.
 * Layers: execution a,d,g (both 2, neither 1); consensus c,f (v5 only 2); other e (v4 only);
 * unknown b,h (v4 only 2).
 * Re-bonds: a twice (one answered), b once: one client row '' with 2 nodes, 3 re-bonds, 1 answered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/enode/distance.js';
import type { Enr } from '../../src/enode/enr.js';
import type { AddressSource, CrawlerEvent } from '../../src/events.js';
import { ReportContext } from '../../src/report/context.js';
import { buildReport } from '../../src/report/registry.js';
import { renderReport, REPORT_FORMATS, toJsonObject } from '../../src/report/render/index.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { clRecord, elRecord, otherRecord } from '../eth/records.js';
import { closeSharedPglite, ENGINES, engineTitle, datasetPerSuite } from '../store/helpers.js';
import { datasetGeo } from './dataset.js';

afterAll(closeSharedPglite);

const SINCE = Date.UTC(2026, 11, 1);
const UNTIL = SINCE + 86_400_000;
const H = 3_600_000;
const I1 = '11'.repeat(32);
const I2 = '22'.repeat(32);

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x'] as const;
type Name = (typeof NAMES)[number];
const keys = Object.fromEntries(NAMES.map((n) => [n, generatePrivateKey()])) as Record<Name, Uint8Array>;
const pk = (n: Name) => bytesToHex(publicKeyFromPrivate(keys[n]));
const id = (n: Name) => bytesToHex(nodeIdFromPublicKey(publicKeyFromPrivate(keys[n])));

function events(): CrawlerEvent[] {
  const t = SINCE + 10 * H;
  const ev: CrawlerEvent[] = [];
  const seen = (n: Name, source: AddressSource, at = t, instance = I1) =>
    ev.push({ type: 'node_seen', instance, nodeId: id(n), publicKey: pk(n), ip: '198.51.100.7', udpPort: 30303, tcpPort: 30303, source, at });
  const answer = (n: Name, protocol: 'v4' | 'v5', at = t) => ev.push({ type: 'discovery_answer', instance: I1, nodeId: id(n), protocol, at });
  const record = (n: Name, r: Enr) => ev.push({ type: 'enr', instance: I1, nodeId: id(n), seq: r.seq, raw: bytesToHex(r.raw), at: t });
  seen('a', 'neighbors');
  seen('a', 'nodes', t + H, I2);
  answer('a', 'v4');
  answer('a', 'v5');
  record('a', elRecord(keys.a));
  seen('b', 'neighbors');
  answer('b', 'v4');
  seen('c', 'nodes');
  answer('c', 'v5');
  record('c', clRecord(keys.c));
  seen('d', 'dns');
  record('d', elRecord(keys.d));
  seen('e', 'inbound');
  seen('e', 'neighbors', t + 1);
  answer('e', 'v4');
  record('e', otherRecord(keys.e));
  seen('f', 'v5_session');
  answer('f', 'v5');
  record('f', clRecord(keys.f));
  seen('g', 'bootnode');
  seen('g', 'neighbors', t + 2);
  seen('g', 'ping', t + 3);
  answer('g', 'v4');
  answer('g', 'v5');
  record('g', elRecord(keys.g));
  answer('h', 'v4');
  seen('x', 'neighbors', SINCE - 2 * H);
  answer('x', 'v4', SINCE - 2 * H);
  ev.push(
    { type: 'findnode_rebond', instance: I1, nodeId: id('a'), answered: true, at: t },
    { type: 'findnode_rebond', instance: I1, nodeId: id('a'), answered: false, at: t + H },
    { type: 'findnode_rebond', instance: I1, nodeId: id('b'), answered: false, at: t },
  );
  return ev;
}

const split = (nodes: number, v4_only: number, v5_only: number, both: number, neither: number) => ({ nodes, v4_only, v5_only, both, neither });
const DISCOVERY = {
  nodes: 8,
  v4_only: 3,
  v5_only: 2,
  both: 2,
  neither: 1,
  sources: {
    neighbors: { nodes: 4, only: 1 },
    nodes: { nodes: 2, only: 1 },
    inbound: { nodes: 1, only: 0 },
    bootnode: { nodes: 1, only: 0 },
    ping: { nodes: 1, only: 0 },
    v5_session: { nodes: 1, only: 1 },
    static: { nodes: 0, only: 0 },
    dns: { nodes: 1, only: 1 },
  },
  overlap: [
    { a: 'neighbors', b: 'nodes', nodes: 1 },
    { a: 'neighbors', b: 'inbound', nodes: 1 },
    { a: 'neighbors', b: 'bootnode', nodes: 1 },
    { a: 'neighbors', b: 'ping', nodes: 1 },
    { a: 'bootnode', b: 'ping', nodes: 1 },
  ],
  by_layer: {
    execution: split(3, 0, 0, 2, 1),
    consensus: split(2, 0, 2, 0, 0),
    other: split(1, 1, 0, 0, 0),
    unknown: split(2, 2, 0, 0, 0),
  },
};
const LAYERS = { execution: 3, consensus: 2, other: 1, unknown: 2 };

for (const engine of ENGINES) {
  describe.skipIf(engine.skip !== null)(`report discovery on ${engineTitle(engine)}`, () => {
    const db = datasetPerSuite(engine, () => events());
    const ctx = () => new ReportContext(db(), { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo: datasetGeo() });

    it('counts nodes per source, only-this-source, pairwise overlap, protocols and layers', async () => {
      const j = toJsonObject(await buildReport('discovery', ctx())) as Record<string, unknown>;
      expect(j['discovery']).toEqual(DISCOVERY);
      expect(j['layers']).toEqual(LAYERS);
    });

    it('the snapshot carries the same discovery and layer split', async () => {
      const snap = toJsonObject(await buildReport('snapshot', ctx())) as Record<string, unknown>;
      expect(snap['discovery']).toEqual(DISCOVERY);
      expect(snap['layers']).toEqual(LAYERS);
    });

    it('a window with nothing in it counts nothing', async () => {
      const empty = new ReportContext(db(), { since: UNTIL + 86_400_000, until: UNTIL + 2 * 86_400_000, generatedAt: UNTIL, geo: datasetGeo() });
      const j = toJsonObject(await buildReport('discovery', empty)) as Record<string, any>;
      expect(j.discovery.nodes).toBe(0);
      expect(j.layers).toEqual({ execution: 0, consensus: 0, other: 0, unknown: 0 });
    });

    it('report rebonds groups re-bonds by client', async () => {
      const j = toJsonObject(await buildReport('rebonds', ctx())) as Record<string, any>;
      expect(j.rebonds).toEqual([{ client: '', nodes: 2, rebonds: 3, answered: 1, last_at: SINCE + 11 * H }]);
    });

    it('renders in every format', async () => {
      for (const name of ['discovery', 'rebonds'] as const) {
        const report = await buildReport(name, ctx());
        for (const format of REPORT_FORMATS) {
          const out = renderReport(report, format);
          expect(out.length).toBeGreaterThan(100);
          if (format !== 'json' && name === 'discovery') expect(out).toContain('discv5 NODES entry');
        }
      }
    });
  });
}
