/**
 * The DialScheduler's (scheduler.ts) injected functions, options and stats.
 */
import type { DialVerdict } from '../events.js';
import type { Clock } from '../net/clock.js';
import type { NodeRecord } from '../enode/node-record.js';
import type { ScheduledDialKind } from './dial-state.js';
import type { SocketBudget } from './socket-budget.js';

/** Dial once. Must honour `signal`; a rejection counts as 'failed'. */
export type DialFn = (node: NodeRecord, kind: ScheduledDialKind, signal: AbortSignal) => Promise<DialVerdict>;

/** Given static nodes due now, return those this instance may dial (matched by node ID). */
export type ClaimFn = (due: readonly NodeRecord[], signal: AbortSignal) => Promise<readonly NodeRecord[]>;

export interface SchedulerStats {
  /** Nodes tracked (static or not). */
  known: number;
  static: number;
  /** Dynamic dials waiting. */
  queued: number;
  /** Static nodes granted and waiting for a socket. */
  ready: number;
  /** Static nodes waiting for a claim() answer. */
  claiming: number;
  inFlight: { dynamic: number; static: number; total: number };
  dialed: { dynamic: number; static: number };
  succeeded: { dynamic: number; static: number };
  failed: { dynamic: number; static: number };
  /** Dials cut short by stop(). */
  aborted: number;
  joinedStatic: number;
  expired: number;
  /** Non-static nodes dropped after expireAfterMs unseen. */
  forgotten: number;
  claimDenied: number;
  claimErrors: number;
}

export interface DialSchedulerOptions {
  clock: Clock;
  dial: DialFn;
  budget: SocketBudget;
  maxDials?: number;
  redialIntervalMs?: number;
  expireAfterMs?: number;
  dialTimeoutMs?: number;
  /** Multi-host leases; without it every due static node is dialed. */
  claim?: ClaimFn;
  claimTimeoutMs?: number;
  claimBatch?: number;
  /**
   * A static node left the set. `at` is when it expired (lastSeen + expireAfterMs), which is in the
   * past for nodes that expired while NodeFinder was down. Must not throw.
   */
  onExpire?: (node: NodeRecord, at: number) => void;
}

