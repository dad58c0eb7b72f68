/**
 * The iterative Kademlia lookup loop shared by discovery v4 (src/discv4/lookup.ts) and v5
 * (src/discv5/lookup.ts): α requests in parallel to the closest not-yet-asked candidates, answers
 * merged into one candidate set ordered by XOR distance to the target, and the stopping rule "the k
 * closest have all been asked (or failed) and nothing is in flight". geth p2p/discover/lookup.go
 * (lookup.advance/startQueries, alpha = 3, result capped at bucketSize) is the model; unlike geth we
 * keep every candidate, not only the k closest, so a node that fails leaves room for the next one.
 *
 * What a request is and what an answer says stay with the protocol: `query` asks one node, and
 * `onAnswer` judges its answer (validation, truncation to k, table updates) and returns the nodes to
 * merge. Every request is also bounded by a deadline on the injected Clock and by the caller's signal.
 */
import { compareDistance } from '../enode/distance.js';
import type { Clock } from '../net/clock.js';
import { RequestAbortedError, timeRequest } from '../net/request.js';
import { bytesToHex } from '../util/bytes.js';

/** α, k, the deadline per request and the most requests per lookup. */
export interface LookupLimits {
  alpha: number;
  k: number;
  requestTimeoutMs: number;
  maxQueries: number;
}

/** The caller's overrides over a protocol's defaults. */
export function lookupLimits(o: Partial<LookupLimits>, defaults: LookupLimits): LookupLimits {
  return {
    alpha: o.alpha ?? defaults.alpha,
    k: o.k ?? defaults.k,
    requestTimeoutMs: o.requestTimeoutMs ?? defaults.requestTimeoutMs,
    maxQueries: o.maxQueries ?? defaults.maxQueries,
  };
}

export interface IterativeLookupOptions<N, A> {
  /** Our own ID: never a candidate. */
  selfId: Uint8Array;
  /** The 32-byte ID distances are measured to. */
  targetId: Uint8Array;
  /** Starting candidates (already judged by the protocol); duplicates and self are skipped. */
  seeds: readonly N[];
  idOf: (node: N) => Uint8Array;
  /** Ask one node; a rejection (or the deadline) makes it a failure. */
  query: (node: N, signal: AbortSignal) => Promise<A>;
  /**
   * Judge one answer: the nodes to merge into the candidate set, or undefined when the answer counts
   * as a failure. Throwing ends the lookup with that error.
   */
  onAnswer: (from: N, answer: A) => readonly N[] | undefined;
  /** A node that did not answer (or answered with undefined from onAnswer); it leaves the set. */
  onFailure?: (node: N) => void;
  clock: Clock;
  limits: LookupLimits;
  signal?: AbortSignal;
  /** Names the lookup and its requests in errors ("lookup"/"findnode"). */
  what: { lookup: string; request: string };
}

export interface IterativeLookupResult<N> {
  /** Up to k nodes closest to targetId, closest first; nodes that failed to answer are left out. */
  closest: N[];
  queried: number;
  failed: number;
  /** Distinct node IDs this lookup learned that it had not started with. */
  discovered: number;
}

/** Insert into a list sorted by distance to target (ties after: stable); the one sorted-insert rule. */
function insertSorted<N>(list: N[], node: N, target: Uint8Array, idOf: (n: N) => Uint8Array): void {
  const id = idOf(node);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareDistance(target, idOf(list[mid]!), id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, node);
}

/** Run one lookup (see the module comment). Rejects with RequestAbortedError when `signal` aborts. */
export function iterativeLookup<N, A>(o: IterativeLookupOptions<N, A>): Promise<IterativeLookupResult<N>> {
  if (o.signal?.aborted) return Promise.reject(new RequestAbortedError(o.what.lookup, { cause: o.signal.reason }));
  const { idOf, targetId } = o;
  const { alpha, k, maxQueries } = o.limits;
  const seen = new Set<string>([bytesToHex(o.selfId)]);
  const asked = new Set<string>();
  // Every candidate, closest first: failed nodes leave it, so farther ones must still be there to
  // move up. Bounded by maxQueries·k (each answer is truncated to k by onAnswer).
  const candidates: N[] = [];
  const merge = (n: N) => {
    const key = bytesToHex(idOf(n));
    if (seen.has(key)) return;
    seen.add(key);
    insertSorted(candidates, n, targetId, idOf);
  };
  for (const s of o.seeds) merge(s);
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
    const onAbort = () => finish(new RequestAbortedError(o.what.lookup, { cause: o.signal?.reason }));
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const fail = (node: N) => {
      failed++;
      o.onFailure?.(node);
      // An unresponsive node is no answer; its place goes to the next closest.
      const i = candidates.indexOf(node);
      if (i >= 0) candidates.splice(i, 1);
    };

    const advance = () => {
      if (done) return;
      while (inflight < alpha && queried < maxQueries) {
        // Only the k closest candidates are worth asking (the stopping rule).
        let next: N | undefined;
        for (let i = 0; i < Math.min(k, candidates.length) && next === undefined; i++) {
          if (!asked.has(bytesToHex(idOf(candidates[i]!)))) next = candidates[i];
        }
        if (next === undefined) break;
        const node = next;
        asked.add(bytesToHex(idOf(node)));
        queried++;
        inflight++;
        timeRequest(o.clock, (signal) => o.query(node, signal), { timeoutMs: o.limits.requestTimeoutMs, signal: controller.signal, what: o.what.request }).then(
          ({ value }) => {
            inflight--;
            if (done) return;
            let nodes: readonly N[] | undefined;
            try {
              nodes = o.onAnswer(node, value);
            } catch (err) {
              finish(err);
              return;
            }
            if (nodes === undefined) fail(node);
            else for (const n of nodes) merge(n);
            advance();
          },
          () => {
            inflight--;
            if (done) return;
            fail(node);
            advance();
          },
        );
      }
      if (inflight === 0) finish();
    };
    advance();
  });
}
