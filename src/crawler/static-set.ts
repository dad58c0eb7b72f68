/**
 * The scheduler's static set (NodeFinder's redial rule): a node that ever completed HELLO or
 * answered TOO_MANY_PEERS is redialed every redial interval after the start of its last dial.
 * Holds the due times as a heap with lazy deletion: an item is stale when the node was redialed,
 * rescheduled, expired or is busy, and is skipped when it comes up.
 */
import type { NodeState } from './dial-state.js';
import { TimeHeap } from './queues.js';

export class StaticSet {
  /** Static nodes tracked. */
  count = 0;
  private readonly due = new TimeHeap<NodeState>();

  constructor(private readonly counters: { joinedStatic: number }) {}

  /** A node joins (after HELLO / TOO_MANY_PEERS, dialed or inbound): first redial at dueAt. */
  join(st: NodeState, dueAt: number): void {
    st.isStatic = true;
    st.dueAt = dueAt;
    this.count++;
    this.counters.joinedStatic++;
    this.due.push(dueAt, st);
  }

  /** A node saved by a previous run (seed): due at `dueAt`, not counted as joined. */
  load(st: NodeState, dueAt: number): void {
    if (st.isStatic) {
      st.dueAt = dueAt;
      if (st.phase === 'idle') this.due.push(dueAt, st);
    } else {
      this.count++;
      st.isStatic = true;
      st.dueAt = dueAt;
      this.due.push(dueAt, st);
    }
  }

  /** The next redial at `at` (after a dial, or a claim not granted). */
  schedule(st: NodeState, at: number): void {
    st.dueAt = at;
    this.due.push(at, st);
  }

  /** A static node expired. */
  left(): void {
    this.count--;
  }

  /** Static nodes due by `now`, idle and not dialing. */
  collect(now: number, live: (st: NodeState) => boolean): NodeState[] {
    const due: NodeState[] = [];
    for (let top = this.due.peek(); top && top.at <= now; top = this.due.peek()) {
      const { at, st } = this.due.pop()!;
      // Stale heap items: the node was redialed, rescheduled, expired, or is busy (its dial's
      // completion schedules the next redial).
      if (!live(st) || !st.isStatic || st.dueAt !== at || st.phase !== 'idle' || st.dialing !== null) continue;
      due.push(st);
    }
    return due;
  }

  /** When the earliest item comes due (Infinity when none). */
  get nextAt(): number {
    return this.due.peek()?.at ?? Infinity;
  }
}
