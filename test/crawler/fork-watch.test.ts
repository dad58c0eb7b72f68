import { describe, expect, it } from 'vitest';
import { LOCAL_STALE_WARN_MIN_NODES, LOCAL_STALE_WINDOW_MS, LocalStaleWatch } from '../../src/crawler/fork-watch.js';
import type { CrawlerEvent, ForkVerdict } from '../../src/events.js';
import { withDialPolicy } from '../../src/crawler/probe.js';

function dial(nodeId: string, verdict: ForkVerdict, forkHash = '07c9462e', at = 0): CrawlerEvent {
  return withDialPolicy({
    type: 'dial', dialId: nodeId + verdict, instance: 'i', kind: 'dynamic', nodeId, publicKey: null, ip: '127.0.0.1', tcpPort: 1,
    startedAt: at, endedAt: at, connectMs: null, handshakeMs: null, outcome: 'status', errorKind: null, errorMessage: null, hello: null,
    status: { ethVersion: 68, networkId: 1n, totalDifficulty: 1n, bestHash: '00', genesisHash: '00', forkHash, forkNext: 0n, forkVerdict: verdict, bestBlock: null, earliestBlock: null },
    disconnects: [], rtt: null,
  });
}

describe('LocalStaleWatch', () => {
  it('warns once, at ≥ 20 % local_stale among ≥ 10 judged nodes, naming the fork ID', () => {
    const lines: string[] = [];
    const w = new LocalStaleWatch('mainnet', (l) => lines.push(l));
    w.consume(dial('s1', 'local_stale'));
    w.consume(dial('s2', 'local_stale'));
    for (let i = 0; i < LOCAL_STALE_WARN_MIN_NODES - 3; i++) w.consume(dial(`c${i}`, 'compatible'));
    expect(lines).toEqual([]); // 2 of 9: too few nodes yet
    w.consume(dial('other-net', 'unchecked'));
    expect(lines).toEqual([]); // other networks do not count
    w.consume(dial('c-last', 'compatible'));
    expect(lines).toHaveLength(1); // 2 of 10 = 20 %
    expect(lines[0]).toMatch(/^warning: 2 of 10 mainnet peers \(20 %\) .*fork ID 0x07c9462e\/0.*--fork-schedule/);
    w.consume(dial('s3', 'local_stale'));
    expect(lines).toHaveLength(1);
    expect(w.warned).toBe(true);
  });

  it('counts each node once, with its latest verdict; few stale peers give no warning', () => {
    const lines: string[] = [];
    const w = new LocalStaleWatch('sepolia', (l) => lines.push(l));
    for (let i = 0; i < 3; i++) w.consume(dial('same', 'local_stale'));
    w.consume(dial('same', 'compatible'));
    for (let i = 0; i < 50; i++) w.consume(dial(`c${i}`, i % 10 === 9 ? 'local_stale' : 'compatible')); // 10 %
    expect(lines).toEqual([]);
    expect(w.warned).toBe(false);
  });

  it('counts the last hour only: a fork passing during a long crawl is not diluted by nodes judged before it', () => {
    const lines: string[] = [];
    const w = new LocalStaleWatch('mainnet', (l) => lines.push(l));
    for (let i = 0; i < 2_000; i++) w.consume(dial(`old${i}`, 'compatible', '07c9462e', i * 1_000));
    expect(lines).toEqual([]);
    const later = 2_000_000 + LOCAL_STALE_WINDOW_MS;
    for (let i = 0; i < 30; i++) w.consume(dial(`new${i}`, i % 3 === 0 ? 'local_stale' : 'compatible', i % 3 === 0 ? '6c1d9423' : '07c9462e', later + i * 20_000));
    expect(lines).toHaveLength(1); // 4 of the first 10 recent nodes; over the whole crawl it would be 4 of 2 010
    expect(lines[0]).toMatch(/^warning: 4 of 10 mainnet peers \(40 %\).*fork ID 0x6c1d9423\/0/);
  });
});
