/**
 * Issue #11: a crawl of a mixed local network — discv4-only, discv5-only and dual-stack execution
 * peers plus consensus-layer peers (discv5 only, `eth2` record, no RLPx) — over real UDP/TCP on
 * loopback. The crawler (two instances, v4 and v5 on each port) must sight every peer, dial every
 * execution peer over RLPx and never dial a consensus-layer one; who answered which protocol is
 * reported per protocol. Generous bounds: real sockets on a shared 2-core machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnode } from '../../src/enode/enode-url.js';
import { decodeEnr } from '../../src/enode/enr.js';
import { recordLayer } from '../../src/eth/record-layer.js';
import type { Crawler } from '../../src/crawler/crawler.js';
import type { CrawlerEvent, DialEvent, DiscoveryAnswerEvent, EnrEvent, NodeSeenEvent } from '../../src/events.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import type { ManifestPeer } from '../../src/testnet/manifest.js';
import { hexToBytes } from '../../src/util/bytes.js';
import { loopbackCrawler, portBase } from './helpers.js';
import { waitUntil } from './observe.js';

const NODES = 30;

describe(`crawl a mixed ${NODES}-peer network: discv4 only, discv5 only, both, consensus layer`, () => {
  let testnet: Testnet;
  let crawler: Crawler;
  const events: CrawlerEvent[] = [];
  let complete = false;
  const peers = () => testnet.manifest.peers;
  const seen = () => new Map(events.filter((e): e is NodeSeenEvent => e.type === 'node_seen').map((e) => [e.nodeId, e]));
  const sourcesOf = (id: string) => new Set(events.filter((e): e is NodeSeenEvent => e.type === 'node_seen' && e.nodeId === id).map((e) => e.source));
  const outboundDials = () => events.filter((e): e is DialEvent => e.type === 'dial' && e.kind !== 'inbound');
  const isEl = (p: ManifestPeer) => !p.consensus;

  beforeAll(async () => {
    testnet = await startTestnet({
      nodes: NODES,
      seed: 21,
      discv5Fraction: 0.3,
      v5OnlyFraction: 0.2,
      consensusFraction: 0.2,
      fullFraction: 0,
      gethDials: false,
      timings: { randomLookups: 0 },
    });
    await testnet.bootstrapped();
    // Bootnodes: one discv4-only peer and one dual-stack peer (both protocols get a way in).
    const v4 = peers().find((p) => p.discovery === 'v4')!;
    const both = peers().find((p) => p.discovery === 'both')!;
    crawler = loopbackCrawler(2, portBase(), [parseEnode(v4.enode), parseEnode(both.enode)], (e) => events.push(e));
    await crawler.start();
    complete = await waitUntil(() => {
      const s = seen();
      const dialed = new Set(outboundDials().map((d) => d.nodeId));
      return peers().every((p) => s.has(p.nodeId) && (!isEl(p) || dialed.has(p.nodeId)));
    }, 120_000);
    await crawler.stop();
  }, 200_000);

  afterAll(async () => {
    await crawler?.stop();
    await testnet?.close();
  });

  it('the network is mixed as asked', () => {
    const count = (f: (p: ManifestPeer) => boolean) => peers().filter(f).length;
    expect(count((p) => p.consensus)).toBe(6);
    expect(count((p) => p.discovery === 'v5' && !p.consensus)).toBe(6);
    expect(count((p) => p.discovery === 'both')).toBe(9);
    expect(count((p) => p.discovery === 'v4')).toBe(9);
  });

  it('sights every peer and dials every execution peer over RLPx', () => {
    const s = seen();
    expect(peers().filter((p) => !s.has(p.nodeId)).map((p) => `${p.index}:${p.discovery}${p.consensus ? ':cl' : ''}`)).toEqual([]);
    const dialed = new Set(outboundDials().map((d) => d.nodeId));
    expect(peers().filter((p) => isEl(p) && !dialed.has(p.nodeId)).map((p) => `${p.index}:${p.discovery}`)).toEqual([]);
    expect(complete).toBe(true);
  });

  it('never dials a consensus-layer peer, yet stores its record (eth2, no eth)', () => {
    const cl = new Set(peers().filter((p) => p.consensus).map((p) => p.nodeId));
    expect(events.filter((e) => e.type === 'dial' && e.nodeId !== null && cl.has(e.nodeId))).toEqual([]);
    const enrs = events.filter((e): e is EnrEvent => e.type === 'enr' && cl.has(e.nodeId));
    expect(new Set(enrs.map((e) => e.nodeId))).toEqual(cl);
    for (const e of enrs) expect(recordLayer(decodeEnr(hexToBytes(e.raw)).entries)).toBe('consensus');
  });

  it('discv5-only peers are learned from NODES answers; answers are reported per protocol', () => {
    for (const p of peers().filter((x) => x.discovery === 'v5')) expect(sourcesOf(p.nodeId).has('nodes'), `peer ${p.index}`).toBe(true);
    for (const p of peers().filter((x) => x.discovery === 'v4')) expect(sourcesOf(p.nodeId).has('nodes'), `peer ${p.index}`).toBe(false);
    const answers = events.filter((e): e is DiscoveryAnswerEvent => e.type === 'discovery_answer');
    const by = (protocol: 'v4' | 'v5') => new Set(answers.filter((a) => a.protocol === protocol).map((a) => a.nodeId));
    const mode = new Map(peers().map((p) => [p.nodeId, p.discovery]));
    // Only peers that speak a protocol answer on it.
    expect([...by('v4')].filter((id) => mode.get(id) === 'v5')).toEqual([]);
    expect([...by('v5')].filter((id) => mode.get(id) === 'v4')).toEqual([]);
    expect(peers().filter((p) => p.discovery !== 'v5' && by('v4').has(p.nodeId)).length).toBeGreaterThan(0);
    expect(peers().filter((p) => p.discovery !== 'v4' && by('v5').has(p.nodeId)).length).toBeGreaterThan(0);
    // At most once per node and protocol per sighting window (the crawl is shorter than one).
    const keys = answers.map((a) => `${a.protocol}:${a.nodeId}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
