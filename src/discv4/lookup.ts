/**
 * Iterative Kademlia lookup (devp2p discv4.md "Recursive Lookup") and the table refresh schedule.
 *
 * Pure over injected functions: `findNode(node, target, signal)` is the discv4 client's FINDNODE
 * (endpoint proof, NEIGHBORS collection and its own timeout are the client's business); every
 * request is additionally bounded by a deadline on the injected Clock and by the caller's signal.
 *
 * Targets: FINDNODE carries a 64-byte target (a public key), and the answering node ranks its table
 * by distance to keccak256(target) (discv4.md). So a lookup takes the 64-byte target and orders by
 * its keccak256. A random lookup draws 64 random bytes — not necessarily a curve point, as geth
 * does — which makes keccak256(target) a uniformly random ID.
 */
import type { Clock, TimerHandle } from '../net/clock.js';
import type { NodeRecord } from '../enode/node-record.js';
import { NODE_ID_BYTES, PUBLIC_KEY_BYTES } from '../enode/distance.js';
import { keccak256, randomBytes } from '../crypto/index.js';
import { equalBytes } from '../util/bytes.js';
import { toNodeFinderError } from '../errors.js';
import { iterativeLookup, lookupLimits } from '../kademlia/iterative-lookup.js';
import { ALPHA, BUCKET_SIZE } from './constants.js';

/** Ours: backstop deadline per FINDNODE (the client's own NEIGHBORS wait is shorter). */
export const FINDNODE_TIMEOUT_MS = 10_000;
/**
 * Ours: most FINDNODEs one lookup may send. A honest network converges in a few rounds of α; the
 * cap stops peers that keep inventing ever-closer IDs from running a lookup forever.
 */
export const MAX_LOOKUP_QUERIES = 256;
/** geth p2p/discover/common.go Config.RefreshInterval default: 30 min. */
export const REFRESH_INTERVAL_MS = 30 * 60_000;
/** geth table.go doRefresh: one self lookup, then 3 random-target lookups. */
export const RANDOM_LOOKUPS_PER_REFRESH = 3;
/** Ours: how often to check whether the table has run low (then refresh early). */
export const LOW_TABLE_CHECK_MS = 60_000;

export type FindNodeFn = (node: NodeRecord, target: Uint8Array, signal: AbortSignal) => Promise<NodeRecord[]>;

/** What a lookup needs from the table (src/discv4/table.ts Table implements it). */
export interface LookupTable {
  readonly selfId: Uint8Array;
  readonly size: number;
  closest(targetId: Uint8Array, n?: number): NodeRecord[];
  addSeen(node: NodeRecord): unknown;
  recordFindnode(id: Uint8Array, ok: boolean): void;
}

export interface LookupOptions {
  table: LookupTable;
  findNode: FindNodeFn;
  clock: Clock;
  /** 64-byte FINDNODE target; distances are measured to keccak256(target). */
  target: Uint8Array;
  /** Starting points when the table has none (bootnodes). */
  seeds?: readonly NodeRecord[];
  alpha?: number;
  k?: number;
  requestTimeoutMs?: number;
  maxQueries?: number;
  signal?: AbortSignal;
  /** Every successful answer, after filtering (bad IDs, self) and truncation to k entries. */
  onResponse?: (from: NodeRecord, nodes: readonly NodeRecord[]) => void;
}

export interface LookupResult {
  /** keccak256(target) */
  targetId: Uint8Array;
  /** Up to k nodes closest to targetId, closest first; nodes that failed to answer are left out. */
  closest: NodeRecord[];
  queried: number;
  failed: number;
  /** Node entries received in answers (after truncation), with repeats. */
  received: number;
  /** Distinct node IDs this lookup learned that it had not started with. */
  discovered: number;
}

/** Shape check of a node from an answer: a 32-byte ID and something we could send FINDNODE to. */
function validId(n: NodeRecord): boolean {
  return (
    n !== null &&
    typeof n === 'object' &&
    n.id instanceof Uint8Array &&
    n.id.length === NODE_ID_BYTES &&
    typeof n.ip === 'string' &&
    Number.isInteger(n.udpPort) &&
    n.udpPort > 0 &&
    n.udpPort <= 65535
  );
}

/**
 * Ask the α closest not-yet-asked nodes in parallel, merge their answers into the k closest known,
 * and repeat until the k closest have all been asked (or failed) and nothing is in flight
 * (src/kademlia/iterative-lookup.ts). No node is asked twice; every answered node is offered to the
 * table (addSeen); outcomes are reported to the table (recordFindnode). Rejects with
 * RequestAbortedError when `signal` aborts.
 */
export async function lookup(options: LookupOptions): Promise<LookupResult> {
  const { table } = options;
  if (options.target.length !== PUBLIC_KEY_BYTES) throw new RangeError(`lookup: target must be ${PUBLIC_KEY_BYTES} bytes`);
  const limits = lookupLimits(options, { alpha: ALPHA, k: BUCKET_SIZE, requestTimeoutMs: FINDNODE_TIMEOUT_MS, maxQueries: MAX_LOOKUP_QUERIES });
  const k = limits.k;
  const target = options.target;
  const targetId = keccak256(target);
  const selfId = table.selfId;
  let initial = table.closest(targetId, k);
  if (initial.length === 0) initial = [...(options.seeds ?? [])];
  let received = 0;
  const result = await iterativeLookup<NodeRecord, unknown>({
    selfId,
    targetId,
    seeds: initial.filter(validId),
    idOf: (n) => n.id,
    query: (node, signal) => options.findNode(node, target, signal),
    onAnswer: (from, answer) => {
      if (!Array.isArray(answer)) return undefined;
      try {
        table.recordFindnode(from.id, true);
        // NEIGHBORS is hostile input: a peer gets at most k entries of say per request.
        const nodes: NodeRecord[] = [];
        for (const n of (answer as unknown[]).slice(0, k)) {
          if (!validId(n as NodeRecord) || equalBytes((n as NodeRecord).id, selfId)) continue;
          nodes.push(n as NodeRecord);
        }
        received += nodes.length;
        for (const n of nodes) table.addSeen(n);
        options.onResponse?.(from, nodes);
        return nodes;
      } catch (err) {
        throw toNodeFinderError(err);
      }
    },
    onFailure: (node) => table.recordFindnode(node.id, false),
    clock: options.clock,
    limits,
    signal: options.signal,
    what: { lookup: 'lookup', request: 'findnode' },
  });
  return { targetId, ...result, received };
}

/** A FINDNODE target whose keccak256 is a uniformly random ID (see the module comment). */
export function randomLookupTarget(): Uint8Array {
  return randomBytes(PUBLIC_KEY_BYTES);
}

export interface RefresherOptions {
  table: LookupTable;
  findNode: FindNodeFn;
  clock: Clock;
  /** Our 64-byte public key: the self lookup's target. */
  selfPublicKey: Uint8Array;
  /** Offered to the table (addSeen) and used as seeds whenever the table is empty. */
  bootnodes?: readonly NodeRecord[];
  intervalMs?: number;
  randomLookups?: number;
  /** Refresh early when the table holds fewer entries than this (checked every lowTableCheckMs). */
  lowTableSize?: number;
  lowTableCheckMs?: number;
  randomTarget?: () => Uint8Array;
  lookup?: Pick<LookupOptions, 'alpha' | 'k' | 'requestTimeoutMs' | 'maxQueries' | 'onResponse'>;
  onLookup?: (kind: 'self' | 'random', result: LookupResult) => void;
}

/**
 * Keeps the table fresh (geth table.go doRefresh): a self lookup (fills the nearest buckets and
 * announces us to our neighbours) plus random-target lookups, at start, every intervalMs, and
 * early when the table runs low. Concurrent refresh requests share one run.
 */
export class Refresher {
  private readonly o: RefresherOptions;
  private running = false;
  private current: Promise<void> | null = null;
  private abort = new AbortController();
  private periodic: TimerHandle | null = null;
  private lowCheck: TimerHandle | null = null;
  private count = 0;

  constructor(options: RefresherOptions) {
    if (options.selfPublicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError('Refresher: selfPublicKey must be 64 bytes');
    this.o = options;
  }

  /** Completed refresh runs. */
  get refreshes(): number {
    return this.count;
  }

  get refreshing(): boolean {
    return this.current !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.armPeriodic();
    this.armLowCheck();
    void this.refresh();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of [this.periodic, this.lowCheck]) if (t) this.o.clock.clearTimer(t);
    this.periodic = this.lowCheck = null;
    this.abort.abort();
    await this.current;
  }

  /** Run a refresh now, or join the one already running. Never rejects. */
  refresh(): Promise<void> {
    if (this.current) return this.current;
    if (!this.running) return Promise.resolve();
    this.current = this.run().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private async run(): Promise<void> {
    const { table, bootnodes = [] } = this.o;
    if (table.size === 0) for (const b of bootnodes) table.addSeen(b);
    const targets: { kind: 'self' | 'random'; target: Uint8Array }[] = [{ kind: 'self', target: this.o.selfPublicKey }];
    const random = this.o.randomTarget ?? randomLookupTarget;
    for (let i = 0; i < (this.o.randomLookups ?? RANDOM_LOOKUPS_PER_REFRESH); i++) targets.push({ kind: 'random', target: random() });
    for (const { kind, target } of targets) {
      if (!this.running) return;
      try {
        const result = await lookup({
          ...this.o.lookup,
          table,
          findNode: this.o.findNode,
          clock: this.o.clock,
          target,
          seeds: bootnodes,
          signal: this.abort.signal,
        });
        this.o.onLookup?.(kind, result);
      } catch {
        // Aborted (stop) or a callback failure; the next refresh starts afresh.
        if (this.abort.signal.aborted) return;
      }
    }
    this.count++;
  }

  private armPeriodic(): void {
    if (!this.running) return;
    this.periodic = this.o.clock.setTimer(this.o.intervalMs ?? REFRESH_INTERVAL_MS, () => {
      this.periodic = null;
      void this.refresh();
      this.armPeriodic();
    });
  }

  private armLowCheck(): void {
    if (!this.running) return;
    this.lowCheck = this.o.clock.setTimer(this.o.lowTableCheckMs ?? LOW_TABLE_CHECK_MS, () => {
      this.lowCheck = null;
      if (this.o.table.size < (this.o.lowTableSize ?? BUCKET_SIZE)) void this.refresh();
      this.armLowCheck();
    });
  }
}
