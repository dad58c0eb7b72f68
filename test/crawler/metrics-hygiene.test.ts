/**
 * Discovery-hygiene metrics: NEIGHBORS entries dropped by reason and FINDNODE re-bonds, sampled
 * live from the endpoints' counters at scrape time, or from the per-minute events without them.
 */
import { describe, expect, it } from 'vitest';
import { createCrawlMetrics } from '../../src/crawler/metrics.js';
import { counters, gauges } from './crawl-gauges.js';
import { zeroV5Counters, type V5Counters } from '../../src/crawler/discovery-v5.js';
import type { Discv4Counters } from '../../src/discv4/endpoint.js';
import type { CrawlerEvent } from '../../src/events.js';

const v5 = (over: Partial<V5Counters>): V5Counters => ({ ...zeroV5Counters(), ...over });

describe('crawl metrics: discovery hygiene', () => {
  it('sums live drops by reason and re-bonds over instances, never going down', () => {
    let live: (Discv4Counters | undefined)[] = [
      counters({ invalidNeighbors: 4, neighborsDropped: { lan: 3, low_port: 1 }, findnodeRebonds: 2 }),
      counters({ invalidNeighbors: 2, neighborsDropped: { lan: 1, malformed: 1 }, findnodeRebonds: 1 }),
      undefined,
    ];
    const { registry } = createCrawlMetrics(gauges(() => live));
    const text = registry.render();
    expect(text).toContain('nodefinder_neighbors_dropped_total{reason="lan"} 4');
    expect(text).toContain('nodefinder_neighbors_dropped_total{reason="low_port"} 1');
    expect(text).toContain('nodefinder_neighbors_dropped_total{reason="malformed"} 1');
    expect(text).toContain('nodefinder_discovery_total{kind="neighbors_dropped"} 6');
    expect(text).toContain('nodefinder_discovery_total{kind="findnode_rebonds"} 3');
    live = [live[0]]; // an instance stopped: counters stay where they were
    expect(registry.render()).toContain('nodefinder_neighbors_dropped_total{reason="lan"} 4');
  });

  it('without live sampling, counts from the per-minute events', () => {
    const { registry, consume } = createCrawlMetrics(gauges());
    const ev: CrawlerEvent = {
      type: 'discovery_counters', instance: 'a1'.repeat(32), minute: 0, findnodeSent: 1, neighborsReceived: 1, nodesLearned: 5,
      newNodes: 0, pingsSent: 0, pongsReceived: 0, pingsReceived: 0, findnodeReceived: 0, tableSize: 0, neighborsDropped: 2, findnodeRebonds: 1,
    };
    consume(ev);
    consume({ ...ev, neighborsDropped: undefined, findnodeRebonds: undefined });
    const text = registry.render();
    expect(text).toContain('nodefinder_discovery_total{kind="neighbors_dropped"} 2');
    expect(text).toContain('nodefinder_discovery_total{kind="findnode_rebonds"} 1');
  });

  it('sums live discv5 counters over instances, never going down; absent without the sampler', () => {
    let live: (V5Counters | undefined)[] = [v5({ lookups: 2, findnodeSent: 7, recordsLearned: 5, sessionsIn: 1 }), undefined, v5({ lookups: 1, findnodeSent: 3, dropped: 4 })];
    const { registry } = createCrawlMetrics(gauges(undefined, () => live));
    const expected = { lookups: 3, findnode_sent: 10, records_learned: 5, sessions_in: 1, dropped: 4, pings_sent: 0 };
    const lines = (text: string) => Object.entries(expected).filter(([kind, n]) => text.includes(`nodefinder_discovery_v5_total{kind="${kind}"} ${n}\n`));
    expect(lines(registry.render())).toHaveLength(6);
    live = [live[0]]; // an instance stopped: counters stay where they were
    expect(lines(registry.render())).toHaveLength(6);
    expect(createCrawlMetrics(gauges()).registry.render()).not.toContain('nodefinder_discovery_v5_total');
  });
});
