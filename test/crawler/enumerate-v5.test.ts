/**
 * discv5 enumeration: one log distance per request from 256 down, stopping at the first empty
 * bucket, on the ManualClock with a fake endpoint.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/net/clock.js';
import { Enumerator } from '../../src/crawler/enumerate.js';
import { V5_STEPS, v5EnumerationAdapter } from '../../src/crawler/enumerate-v5.js';
import type { Enr } from '../../src/enode/enr.js';
import { flush } from '../discv4/table-helpers.js';

function fakeEnr(id: number): Enr {
  const nodeId = new Uint8Array(32);
  nodeId[31] = id;
  return { nodeId, toNodeRecord: () => ({ id: nodeId, publicKey: new Uint8Array(64), ip: '127.0.0.1', udpPort: 30000 + id, tcpPort: 0 }) } as unknown as Enr;
}

describe('v5 enumeration adapter', () => {
  it('asks 256, 255, … one distance at a time and stops below the first empty bucket', async () => {
    const clock = new ManualClock();
    // Bucket sizes of the remote: 16, 16, 9, 3, then empty.
    const sizes: Record<number, number> = { 256: 16, 255: 16, 254: 9, 253: 3 };
    const asked: number[][] = [];
    let next = 1;
    const e = new Enumerator(
      clock,
      v5EnumerationAdapter({
        findNode: async (_enr, distances) => {
          asked.push(distances);
          return Array.from({ length: sizes[distances[0]!] ?? 0 }, () => fakeEnr(next++ % 250));
        },
        learn: (_from, records) => records.length,
      }),
      { exemptLan: true },
    );
    e.offer(fakeEnr(0));
    for (let i = 0; i < 50 && e.stats().waiting + e.stats().inFlight > 0; i++) await flush();
    expect(asked).toEqual([[256], [255], [254], [253], [252]]);
    expect(e.stats()).toMatchObject({ completed: 1, requests: 5 });
    expect(V5_STEPS).toBe(17);
  });
});
