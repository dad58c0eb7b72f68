/**
 * The discv5 iterative lookup (discv5-theory.md "Lookup"; geth p2p/discover/v5_udp.go lookupWorker
 * and lookupDistances): FINDNODE carries log distances, not a target, so each queried node is asked
 * for the distances from itself where nodes close to the target live — the target's own distance
 * first, then its neighbours (at most 3, geth's lookupRequestLimit). The candidate set, α parallel
 * requests and the stopping rule are the shared loop of src/kademlia/iterative-lookup.ts.
 *
 * Pure over an injected `findNode`; every request is also bounded by a deadline on the clock.
 */
import { logDistance, NODE_ID_BYTES } from '../enode/distance.js';
import type { Enr } from '../enode/enr.js';
import { randomBytes } from '../crypto/index.js';
import type { Clock } from '../net/clock.js';
import { iterativeLookup, lookupLimits } from '../kademlia/iterative-lookup.js';
import { MAX_DISTANCE } from './constants.js';
import { BUCKET_SIZE } from './node-table.js';

/** geth v5_udp.go lookupRequestLimit: distances per lookup FINDNODE. */
export const LOOKUP_DISTANCES = 3;
/** discv5-theory.md "α = 3". */
export const ALPHA = 3;
/** Ours: a backstop per FINDNODE (the service's own timeouts are shorter). */
export const FINDNODE_DEADLINE_MS = 10_000;
/** Ours: most FINDNODEs per lookup (peers inventing ever-closer IDs cannot run it forever). */
export const MAX_LOOKUP_QUERIES = 128;

/** geth lookupDistances: [d, d+1, d−1, d+2, …] within 1..256, LOOKUP_DISTANCES of them. */
export function lookupDistances(target: Uint8Array, dest: Uint8Array, limit = LOOKUP_DISTANCES): number[] {
  const td = Math.max(1, logDistance(target, dest));
  const out = [td];
  for (let i = 1; out.length < limit && i <= MAX_DISTANCE; i++) {
    if (td + i <= MAX_DISTANCE && out.length < limit) out.push(td + i);
    if (td - i > 0 && out.length < limit) out.push(td - i);
  }
  return out;
}

export type FindNodeV5 = (node: Enr, distances: number[], signal: AbortSignal) => Promise<Enr[]>;

export interface Discv5LookupOptions {
  selfId: Uint8Array;
  target: Uint8Array;
  /** Starting candidates (the table's closest, else bootnodes). */
  seeds: readonly Enr[];
  findNode: FindNodeV5;
  clock: Clock;
  alpha?: number;
  k?: number;
  requestTimeoutMs?: number;
  maxQueries?: number;
  signal?: AbortSignal;
  /** Each answer (records already verified by the service), and each node that failed. */
  onAnswer?: (from: Enr, records: readonly Enr[]) => void;
  onFailure?: (node: Enr) => void;
}

export interface Discv5LookupResult {
  closest: Enr[];
  queried: number;
  failed: number;
  /** Distinct node IDs learned that the lookup did not start with. */
  discovered: number;
}

/** A random 32-byte lookup target (discv5 targets are node IDs). */
export function randomTarget(): Uint8Array {
  return randomBytes(NODE_ID_BYTES);
}

/** One discv5 lookup: the shared iterative loop (src/kademlia/iterative-lookup.ts) asking lookupDistances. */
export function lookupV5(o: Discv5LookupOptions): Promise<Discv5LookupResult> {
  const limits = lookupLimits(o, { alpha: ALPHA, k: BUCKET_SIZE, requestTimeoutMs: FINDNODE_DEADLINE_MS, maxQueries: MAX_LOOKUP_QUERIES });
  const k = limits.k;
  return iterativeLookup<Enr, Enr[]>({
    selfId: o.selfId,
    targetId: o.target,
    seeds: o.seeds,
    idOf: (e) => e.nodeId,
    query: (node, signal) => o.findNode(node, lookupDistances(o.target, node.nodeId), signal),
    onAnswer: (from, value) => {
      // The service verified each record (signature, asked distance, duplicates); at most k per
      // answer enter the candidate set.
      const records = value.slice(0, k);
      o.onAnswer?.(from, records);
      return records;
    },
    onFailure: o.onFailure,
    clock: o.clock,
    limits,
    signal: o.signal,
    what: { lookup: 'discv5 lookup', request: 'discv5 findnode' },
  });
}
