/**
 * The discv5 iterative lookup (discv5-theory.md "Lookup"; geth p2p/discover/v5_udp.go lookupWorker
 * and lookupDistances): FINDNODE carries log distances, not a target, so each queried node is asked
 * for the distances from itself where nodes close to the target live — the target's own distance
 * first, then its neighbours (at most 3, geth's lookupRequestLimit). The candidate set, α parallel
 * requests and the stopping rule are the Kademlia ones of src/discv4/lookup.ts.
 *
 * Pure over an injected `findNode`; every request is also bounded by a deadline on the clock.
 */
import { compareDistance, logDistance, NODE_ID_BYTES } from '../enode/distance.js';
import type { Enr } from '../enode/enr.js';
import { randomBytes } from '../crypto/index.js';
import type { Clock } from '../net/clock.js';
import { RequestAbortedError, timeRequest } from '../net/request.js';
import { bytesToHex } from '../util/bytes.js';
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

export function lookupV5(o: Discv5LookupOptions): Promise<Discv5LookupResult> {
  if (o.signal?.aborted) return Promise.reject(new RequestAbortedError('discv5 lookup', { cause: o.signal.reason }));
  const alpha = o.alpha ?? ALPHA;
  const k = o.k ?? BUCKET_SIZE;
  const maxQueries = o.maxQueries ?? MAX_LOOKUP_QUERIES;
  const timeoutMs = o.requestTimeoutMs ?? FINDNODE_DEADLINE_MS;
  const seen = new Set<string>([bytesToHex(o.selfId)]);
  const asked = new Set<string>();
  const candidates: Enr[] = [];
  const insert = (e: Enr) => {
    const key = bytesToHex(e.nodeId);
    if (seen.has(key)) return;
    seen.add(key);
    let i = candidates.length;
    while (i > 0 && compareDistance(o.target, e.nodeId, candidates[i - 1]!.nodeId) < 0) i--;
    candidates.splice(i, 0, e);
  };
  for (const s of o.seeds) insert(s);
  const startedWith = seen.size;
  let queried = 0;
  let failed = 0;

  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    let inflight = 0;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      o.signal?.removeEventListener('abort', onAbort);
      controller.abort();
      if (err !== undefined) reject(err);
      else resolve({ closest: candidates.slice(0, k), queried, failed, discovered: seen.size - startedWith });
    };
    const onAbort = () => finish(new RequestAbortedError('discv5 lookup', { cause: o.signal?.reason }));
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const advance = () => {
      if (done) return;
      while (inflight < alpha && queried < maxQueries) {
        let next: Enr | undefined;
        for (let i = 0; i < Math.min(k, candidates.length) && !next; i++) {
          if (!asked.has(bytesToHex(candidates[i]!.nodeId))) next = candidates[i];
        }
        if (!next) break;
        const node = next;
        asked.add(bytesToHex(node.nodeId));
        queried++;
        inflight++;
        const distances = lookupDistances(o.target, node.nodeId);
        timeRequest(o.clock, (signal) => o.findNode(node, distances, signal), { timeoutMs, signal: controller.signal, what: 'discv5 findnode' }).then(
          ({ value }) => {
            inflight--;
            if (done) return;
            // The service verified each record (signature, asked distance, duplicates); at most
            // k per answer enter the candidate set.
            const records = value.slice(0, k);
            for (const r of records) insert(r);
            try {
              o.onAnswer?.(node, records);
            } catch (err) {
              finish(err);
              return;
            }
            advance();
          },
          () => {
            inflight--;
            if (done) return;
            failed++;
            o.onFailure?.(node);
            const i = candidates.indexOf(node);
            if (i >= 0) candidates.splice(i, 1);
            advance();
          },
        );
      }
      if (inflight === 0) finish();
    };
    advance();
  });
}
