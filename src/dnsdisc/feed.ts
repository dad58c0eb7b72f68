/**
 * Keeping DNS trees fresh during a crawl: sync at start, then re-check the roots every interval
 * (geth client.go: RecheckInterval, 30 minutes) and hand the records that are new or changed to
 * the crawl. Time from the injected clock; one sync at a time; never rejects.
 */
import type { Enr } from '../enode/enr.js';
import type { Clock, TimerHandle } from '../net/clock.js';
import { ROOT_RECHECK_MS } from './constants.js';
import type { DnsTreeSync, SyncReport } from './sync.js';

export interface DnsFeedOptions {
  sync: DnsTreeSync;
  clock: Clock;
  intervalMs?: number;
  /** Every record after a sync that walked a tree (a new root); otherwise the changed ones, if any. */
  onNodes: (enrs: Enr[]) => void;
  onReport?: (report: SyncReport) => void;
}

export class DnsFeed {
  private timer: TimerHandle | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopped = false;
  syncs = 0;

  constructor(private readonly o: DnsFeedOptions) {}

  /** The first sync; resolves when it is done (its nodes delivered), then keeps refreshing. */
  async start(): Promise<void> {
    await this.runOnce();
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.abort.abort();
    await this.running;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(this.o.intervalMs ?? ROOT_RECHECK_MS, () => {
      void this.runOnce().finally(() => this.arm());
    });
  }

  private runOnce(): Promise<void> {
    this.running = (async () => {
      try {
        const report = await this.o.sync.sync(this.abort.signal);
        this.syncs++;
        if (this.stopped) return;
        // After a walk (a new root) every record goes out again, not only the changed ones: a node the
        // crawl expired meanwhile comes back while the list still names it.
        if (report.walked > 0) this.o.onNodes([...this.o.sync.nodes().values()]);
        else if (report.changed.length > 0) this.o.onNodes(report.changed);
        this.o.onReport?.(report);
      } catch {
        // aborted by stop(); lookup failures are counted inside the sync and never reject it
      }
    })();
    return this.running;
  }
}
