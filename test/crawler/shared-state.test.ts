/**
 * SharedCrawlState's reporting windows: a sighting is reported again within its window when it
 * comes from a source not yet reported (the store keeps every source), and a node's answer on a
 * discovery protocol once per window.
 */
import { describe, expect, it } from 'vitest';
import { SharedCrawlState } from '../../src/crawler/shared-state.js';
import type { NodeRecord } from '../../src/enode/node-record.js';

const WINDOW = 600_000;
const node: NodeRecord = { id: new Uint8Array(32).fill(1), publicKey: new Uint8Array(64).fill(2), ip: '127.0.0.5', udpPort: 30303, tcpPort: 30303 };
const ID = '01'.repeat(32);

describe('SharedCrawlState', () => {
  it('reports a new source within the window once, and every source again after it', () => {
    const s = new SharedCrawlState(1_800_000, WINDOW);
    expect(s.shouldReportSighting(node, ID, 0, 'neighbors')).toBe(true);
    expect(s.shouldReportSighting(node, ID, 1, 'neighbors')).toBe(false);
    expect(s.shouldReportSighting(node, ID, 2, 'nodes')).toBe(true);
    expect(s.shouldReportSighting(node, ID, 3, 'nodes')).toBe(false);
    expect(s.shouldReportSighting(node, ID, 4, 'neighbors')).toBe(false);
    expect(s.shouldReportSighting(node, ID, WINDOW, 'neighbors')).toBe(true);
    expect(s.shouldReportSighting(node, ID, WINDOW + 1, 'nodes')).toBe(true);
    // a new address starts a new window with that source only
    expect(s.shouldReportSighting({ ...node, ip: '127.0.0.6' }, ID, WINDOW + 2, 'ping')).toBe(true);
    expect(s.shouldReportSighting({ ...node, ip: '127.0.0.6' }, ID, WINDOW + 3, 'nodes')).toBe(true);
  });

  it('reports a discovery answer once per node, protocol and window; pruned with the sightings', () => {
    const s = new SharedCrawlState(1_800_000, WINDOW);
    expect(s.shouldReportAnswer(ID, 'v4', 0)).toBe(true);
    expect(s.shouldReportAnswer(ID, 'v4', WINDOW - 1)).toBe(false);
    expect(s.shouldReportAnswer(ID, 'v5', 10)).toBe(true);
    expect(s.shouldReportAnswer(ID, 'v4', WINDOW)).toBe(true);
    expect(s.sizes().answers).toBe(2);
    s.prune(WINDOW + 86_400_001, 86_400_000);
    expect(s.sizes().answers).toBe(0);
  });
});
