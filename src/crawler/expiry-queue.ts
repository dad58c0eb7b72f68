/**
 * The scheduler's expiry rule (NodeFinder --expire-after): a node whose address was not seen for
 * expireMs leaves. Due times sit in a heap with lazy deletion (an item is stale when the node's
 * expiryAt moved on); a node that was seen since is looked at again at its new due time, a busy one
 * (dialing, claiming, ready) EXPIRY_RECHECK_MS later.
 */
import type { NodeState } from './dial-state.js';
import { TimeHeap } from './queues.js';

/** Ours: a node due to expire while busy (dialing, claiming) is looked at again after this delay. */
export const EXPIRY_RECHECK_MS = 60_000;

export class ExpiryQueue {
  private readonly heap = new TimeHeap<NodeState>();

  constructor(private readonly expireMs: number) {}

  /** A new state: due at its expiryAt. */
  add(st: NodeState): void {
    this.heap.push(st.expiryAt, st);
  }

  /** Look at the state again at `at` (a dial ended after its due time). */
  recheck(st: NodeState, at: number): void {
    st.expiryAt = at;
    this.heap.push(at, st);
  }

  /** Hand every idle state unseen for expireMs by `now` to `expire` (which removes it). */
  drain(now: number, live: (st: NodeState) => boolean, expire: (st: NodeState) => void): void {
    for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
      const { at, st } = this.heap.pop()!;
      if (!live(st) || st.expiryAt !== at) continue;
      const due = st.lastSeen + this.expireMs;
      if (due > now || st.dialing !== null || st.phase !== 'idle') {
        st.expiryAt = due > now ? due : now + EXPIRY_RECHECK_MS;
        this.heap.push(st.expiryAt, st);
        continue;
      }
      expire(st);
    }
  }

  /** When the earliest item comes due (Infinity when none). */
  get nextAt(): number {
    return this.heap.peek()?.at ?? Infinity;
  }
}
