/**
 * Per-minute discovery counters of one instance: the endpoint's cumulative counters turned into
 * per-minute deltas, emitted as `discovery_counters` events on UTC minute boundaries of the
 * injected clock (the store keeps them per instance per minute) — and, when the instance runs
 * discv5, its counters as `discovery_v5_counters` events on the same minutes (discovery-v5-counters.ts).
 */
import type { Discv4Counters } from '../discv4/endpoint.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import type { CrawlerEvent } from '../events.js';
import { zeroV5Counters, type V5Counters } from './discovery-v5.js';
import { v5CountersEvent, type V5Sample } from './discovery-v5-counters.js';

/** Discovery counters are reported per minute (the store keeps them per instance per minute). */
export const COUNTER_INTERVAL_MS = 60_000;

export interface DiscoveryCounterOptions {
  clock: Clock;
  /** Our instance ID (hex node ID). */
  instance: string;
  counters: () => Discv4Counters;
  tableSize: () => number;
  /** The instance's discv5 node, sampled on the same minutes (undefined: discv5 off, no v5 event). */
  v5?: () => V5Sample | undefined;
  emit: (event: CrawlerEvent) => void;
}

export class DiscoveryCounterReporter {
  private timer: TimerHandle | undefined;
  private last: Discv4Counters;
  private lastV5: V5Counters;
  private newNodes = 0;
  private stopped = false;

  constructor(private readonly o: DiscoveryCounterOptions) {
    this.last = o.counters();
    this.lastV5 = o.v5?.()?.counters ?? zeroV5Counters();
  }

  /** A node new to this instance (within --expire-after) was heard of. */
  countNewNode(): void {
    this.newNodes++;
  }

  start(): void {
    const now = this.o.clock.now();
    const next = Math.floor(now / COUNTER_INTERVAL_MS) * COUNTER_INTERVAL_MS + COUNTER_INTERVAL_MS;
    this.timer = this.o.clock.setTimer(next - now, () => {
      this.emit(next - COUNTER_INTERVAL_MS);
      if (!this.stopped) this.start();
    });
  }

  /** Stop the timer and emit the current (partial) minute. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.emit();
  }

  private emit(minute = Math.floor(this.o.clock.now() / COUNTER_INTERVAL_MS) * COUNTER_INTERVAL_MS): void {
    const c = this.o.counters();
    const p = this.last;
    this.last = c;
    const newNodes = this.newNodes;
    this.newNodes = 0;
    this.o.emit({
      type: 'discovery_counters',
      instance: this.o.instance,
      minute,
      findnodeSent: c.findnodeSent - p.findnodeSent,
      neighborsReceived: c.neighborsReceived - p.neighborsReceived,
      nodesLearned: c.nodesLearned - p.nodesLearned,
      newNodes,
      pingsSent: c.pingsSent - p.pingsSent,
      pongsReceived: c.pongsReceived - p.pongsReceived,
      pingsReceived: c.pingsReceived - p.pingsReceived,
      findnodeReceived: c.findnodeReceived - p.findnodeReceived,
      tableSize: this.o.tableSize(),
      neighborsDropped: c.invalidNeighbors - p.invalidNeighbors,
      findnodeRebonds: c.findnodeRebonds - p.findnodeRebonds,
    });
    const v5 = this.o.v5?.();
    if (v5) {
      const before = this.lastV5;
      this.lastV5 = v5.counters;
      this.o.emit(v5CountersEvent(this.o.instance, minute, v5, before));
    }
  }
}
