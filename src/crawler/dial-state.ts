/**
 * One node's dial state in the DialScheduler (scheduler.ts) as data: the record, its static-set
 * membership and due time, its expiry, and where it is (queued, claiming, ready, dialing).
 */
import { NODE_ID_BYTES } from '../enode/distance.js';
import type { NodeRecord } from '../enode/node-record.js';

export type ScheduledDialKind = 'dynamic' | 'static';

/** A static node loaded from the database at start. */
export interface StaticSeed {
  node: NodeRecord;
  /** Start of its last dial, or null to dial it at once. */
  lastDial: number | null;
  lastSeen: number;
  lastSuccess?: number | null;
  consecutiveFailures?: number;
}

/** A read-only view of one node's dial state. */
export interface DialState {
  readonly node: NodeRecord;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly lastDial: number | null;
  readonly lastSuccess: number | null;
  readonly consecutiveFailures: number;
  readonly static: boolean;
  /** Next redial time for static nodes, null otherwise. */
  readonly nextDial: number | null;
  readonly dialing: ScheduledDialKind | null;
}

export interface NodeState {
  node: NodeRecord;
  key: string;
  firstSeen: number;
  lastSeen: number;
  lastDial: number | null;
  lastSuccess: number | null;
  consecutiveFailures: number;
  isStatic: boolean;
  dueAt: number;
  expiryAt: number;
  dialing: ScheduledDialKind | null;
  queued: boolean;
  phase: 'idle' | 'claiming' | 'ready';
}

export function validDialTarget(node: NodeRecord): boolean {
  return (
    node.id instanceof Uint8Array &&
    node.id.length === NODE_ID_BYTES &&
    Number.isInteger(node.tcpPort) &&
    node.tcpPort >= 1 &&
    node.tcpPort <= 65535 &&
    typeof node.ip === 'string' &&
    node.ip.length > 0
  );
}

export function view(st: NodeState): DialState {
  return {
    node: st.node,
    firstSeen: st.firstSeen,
    lastSeen: st.lastSeen,
    lastDial: st.lastDial,
    lastSuccess: st.lastSuccess,
    consecutiveFailures: st.consecutiveFailures,
    static: st.isStatic,
    nextDial: st.isStatic ? st.dueAt : null,
    dialing: st.dialing,
  };
}
