/**
 * Reading a discv5 node's table: discv5 FINDNODE names the log distances it wants (discv5-wire.md
 * FINDNODE), and geth answers each from its bucket at that distance, at most 16 records per
 * request (v5_udp.go handleFindnode, findnodeResultLimit). One distance per request, from 256
 * down: a full bucket fills an answer on its own. Distances below 240 are not asked (geth keeps
 * 17 buckets, everything closer than 241 in one), nor anything once a distance comes back empty:
 * bucket occupancy halves with each step down, so below an empty bucket there is next to nothing.
 *
 * The adapter only needs the discv5 endpoint's findNode(enr, distances) (src/discv5/endpoint.ts).
 * Hook (for the instance that holds a discv5 endpoint, once the v5 crawl is wired in):
 *   const v5 = new Enumerator(clock, v5EnumerationAdapter({ findNode: (enr, d, o) => endpoint.findNode(enr, d, o),
 *     learn: (from, records) => <hand each record to the crawler, return how many were new> }), limits);
 * then v5.offer(enr) for every verified record learned, v5.stop() on stop, v5.prune() in the sweep —
 * as CrawlerInstance does with the discv4 enumerator.
 */
import type { Enr } from '../enode/enr.js';
import { bytesToHex } from '../util/bytes.js';
import type { EnumerationAdapter, StepOutcome } from './enumerate.js';

export const V5_MIN_DISTANCE = 240;
export const V5_STEPS = 256 - V5_MIN_DISTANCE + 1;

export interface V5EnumerationOptions {
  /** Discv5Endpoint.findNode bound to the endpoint. */
  findNode: (node: Enr, distances: number[], options: { signal: AbortSignal }) => Promise<Enr[]>;
  /** Hand the records to the crawler; returns how many were new to it. */
  learn: (from: Enr, records: readonly Enr[]) => number;
}

export function v5EnumerationAdapter(o: V5EnumerationOptions): EnumerationAdapter<Enr> {
  return {
    steps: V5_STEPS,
    key: (enr) => bytesToHex(enr.nodeId),
    ip: (enr) => enr.toNodeRecord()?.ip ?? '',
    async request(enr, step, signal): Promise<StepOutcome> {
      const distance = 256 - step;
      const records = await o.findNode(enr, [distance], { signal });
      return { added: o.learn(enr, records), complete: records.length === 0 };
    },
  };
}
