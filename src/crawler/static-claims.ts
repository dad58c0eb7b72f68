/**
 * Claim rounds for static redials when several hosts share a database: due static nodes are
 * offered in batches to `claim(due)` ("which of these may I dial now?", the redial_leases rows).
 * A node granted becomes ready to dial; one denied is left to the host that holds it this period
 * and comes due again one interval later; a failed claim is asked again after CLAIM_RETRY_MS.
 */
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import { timeRequest } from '../net/request.js';
import { bytesToHex } from '../util/bytes.js';
import type { NodeState } from './dial-state.js';
import type { ClaimFn } from './scheduler-types.js';

/** Ours: deadline for one claim() round trip to the database. */
export const CLAIM_TIMEOUT_MS = 30_000;
/** Ours: most nodes offered to one claim() call. */
export const CLAIM_BATCH = 256;
/** Ours: when claim() fails, its nodes are offered again after this delay. */
export const CLAIM_RETRY_MS = 60_000;

export interface ClaimRoundsOptions {
  clock: Clock;
  claim: ClaimFn;
  timeoutMs: number;
  batch: number;
  redialMs: number;
  /** The scheduler's current stop signal, and whether it runs (errors after stop are not counted). */
  signal: () => AbortSignal;
  running: () => boolean;
  /** The state is still the scheduler's (not expired and replaced). */
  live: (st: NodeState) => boolean;
  /** Granted: queue it for a static dial. */
  ready: (st: NodeState) => void;
  /** Not granted: due again at `at`. */
  dueAgain: (st: NodeState, at: number) => void;
  counters: { claimDenied: number; claimErrors: number };
  /** A round ended: the scheduler runs what is due. */
  ended: () => void;
  track: (p: Promise<void>) => void;
}

export class ClaimRounds {
  /** Static nodes waiting for a claim() answer. */
  claiming = 0;

  constructor(private readonly o: ClaimRoundsOptions) {}

  /** Offer due static nodes, in batches of at most `batch`. */
  offer(due: readonly NodeState[]): void {
    for (let i = 0; i < due.length; i += this.o.batch) this.start(due.slice(i, i + this.o.batch));
  }

  private start(batch: NodeState[]): void {
    const claim = this.o.claim;
    for (const st of batch) st.phase = 'claiming';
    this.claiming += batch.length;
    const nodes = batch.map((st) => st.node);
    const p = timeRequest(this.o.clock, (signal) => claim(nodes, signal), {
      timeoutMs: this.o.timeoutMs,
      signal: this.o.signal(),
      what: 'static dial claim',
    }).then(
      ({ value }) => this.finish(batch, value),
      () => this.finish(batch, null),
    );
    this.o.track(p);
  }

  private finish(batch: NodeState[], granted: readonly NodeRecord[] | null): void {
    this.claiming -= batch.length;
    const now = this.o.clock.now();
    const ok = new Set<string>();
    if (granted) {
      for (const n of Array.isArray(granted) ? granted : []) {
        if (n && n.id instanceof Uint8Array) ok.add(bytesToHex(n.id));
      }
    } else if (this.o.running()) {
      this.o.counters.claimErrors++;
    }
    for (const st of batch) {
      if (st.phase !== 'claiming') continue;
      st.phase = 'idle';
      if (!this.o.live(st)) continue;
      if (ok.has(st.key)) {
        this.o.ready(st);
        continue;
      }
      // Denied: another host dials it this period. Failed claim: ask again soon.
      if (granted) this.o.counters.claimDenied++;
      this.o.dueAgain(st, now + (granted ? this.o.redialMs : CLAIM_RETRY_MS));
    }
    this.o.ended();
  }
}
