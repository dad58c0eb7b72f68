/**
 * RefreshCache (src/store/refresh-cache.ts) and the batch statements it thins out: pure, no database.
 * What the skipped upserts would have written is checked against a database in writer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CrawlerEvent, DialEvent } from '../../src/events.js';
import { failedDial as fixtureFailedDial } from './fixtures.js';
import { buildBatch } from '../../src/store/batch.js';
import { RefreshCache } from '../../src/store/refresh-cache.js';

const I = 'a1'.repeat(32);
const N = 'c3'.repeat(32);
const PK = 'd4'.repeat(64);
const T0 = Date.UTC(2024, 1, 1, 12);

const failedDial = (at: number, publicKey: string | null = PK): DialEvent => fixtureFailedDial({ instance: I, nodeId: N, publicKey }, at);
const seen = (at: number): CrawlerEvent => ({ type: 'node_seen', instance: I, nodeId: N, publicKey: PK, ip: '10.0.0.1', udpPort: 30303, tcpPort: 30303, source: 'neighbors', at });
const enr = (at: number): CrawlerEvent => ({ type: 'enr', instance: I, nodeId: N, seq: 1n, raw: 'f84b', at });

/** The node IDs each nodes statement of a batch writes, by kind (alive / known). */
function nodeRows(events: CrawlerEvent[], cache: RefreshCache): { alive: string[]; known: string[] } {
  const b = buildBatch(events, cache);
  const out = { alive: [] as string[], known: [] as string[] };
  for (const st of b.statements.filter((s) => s.table === 'nodes' && s.sql.startsWith('INSERT'))) {
    out[st.sql.includes('NULL FROM unnest') ? 'known' : 'alive'].push(...(st.params[0] as string[]));
  }
  cache.commit(b.written);
  return out;
}

describe('RefreshCache and failed dials to known nodes', () => {
  it('a failed dial is a failed dial: written once, then skipped while the cache holds its node', () => {
    const cache = new RefreshCache(60_000);
    expect(nodeRows([failedDial(T0)], cache)).toEqual({ alive: [], known: [N] });
    expect(nodeRows([failedDial(T0 + 1000)], cache)).toEqual({ alive: [], known: [] });
    expect(nodeRows([failedDial(T0 + 3_600_000)], cache)).toEqual({ alive: [], known: [] });
  });

  it('skips a failed dial to a node written alive, and still refreshes it alive', () => {
    const cache = new RefreshCache(60_000);
    expect(nodeRows([seen(T0)], cache)).toEqual({ alive: [N], known: [] });
    expect(nodeRows([failedDial(T0 + 10)], cache)).toEqual({ alive: [], known: [] });
    expect(nodeRows([seen(T0 + 60_000)], cache)).toEqual({ alive: [N], known: [] });
  });

  it('writes a failed dial that moves first_seen back or brings a public key the row lacks', () => {
    const cache = new RefreshCache(60_000);
    expect(nodeRows([failedDial(T0)], cache).known).toEqual([N]);
    expect(nodeRows([failedDial(T0 - 1)], cache).known).toEqual([N]); // earlier than what is stored
    const other = new RefreshCache(60_000);
    expect(nodeRows([enr(T0)], other).alive).toEqual([N]); // an ENR names no public key column
    expect(nodeRows([failedDial(T0 + 5, null)], other).known).toEqual([]);
    expect(nodeRows([failedDial(T0 + 6)], other).known).toEqual([N]); // the key is new to the row
    expect(nodeRows([failedDial(T0 + 7)], other).known).toEqual([]);
  });

  it('skips nothing with refreshMs 0, or for a node the cache evicted', () => {
    const off = new RefreshCache(0);
    nodeRows([failedDial(T0)], off);
    expect(nodeRows([failedDial(T0 + 1)], off).known).toEqual([N]);
    const small = new RefreshCache(60_000, 10);
    nodeRows([failedDial(T0)], small);
    const others = Array.from({ length: 20 }, (_, i) => fixtureFailedDial({ instance: I, nodeId: i.toString(16).padStart(64, '0'), publicKey: PK }, T0));
    nodeRows(others, small);
    expect(nodeRows([failedDial(T0 + 1)], small).known).toEqual([N]);
  });
});
