/**
 * Warn once when a large share of the peers on our genesis announce a fork we do not know
 * (verdict local_stale): then our fork schedule, not the network, is out of date, and every
 * compatibility number of the crawl is suspect until it is updated.
 *
 * "Large" = at least LOCAL_STALE_WARN_SHARE of the distinct nodes whose STATUS we judged (same
 * network id and genesis) in the last hour, once at least LOCAL_STALE_WARN_MIN_NODES of them answered: a few stale
 * or misconfigured peers are normal (the corpus of real records has ~2 % remote-stale ones), a fifth
 * of the network is not.
 */
import type { CrawlerEvent } from '../events.js';

export const LOCAL_STALE_WARN_SHARE = 0.2;
export const LOCAL_STALE_WARN_MIN_NODES = 10;
/**
 * Only verdicts this recent count: a fork that passes during a months-long crawl shows within one
 * redial period (30 min), undiluted by nodes judged before it and never seen again.
 */
export const LOCAL_STALE_WINDOW_MS = 3_600_000;
/** With many nodes, the share is recomputed (an O(n) scan that also forgets old verdicts) this often. */
const RECHECK_MS = 10_000;
const SCAN_ALWAYS_BELOW = 1_000;

export class LocalStaleWatch {
  /** Latest verdict per node, with the time of the dial that gave it. */
  private readonly judged = new Map<string, { stale: boolean; fork: string; at: number }>();
  private lastScan = Number.NEGATIVE_INFINITY;
  private done = false;

  constructor(
    private readonly networkName: string,
    private readonly warn: (line: string) => void,
    private readonly minNodes = LOCAL_STALE_WARN_MIN_NODES,
    private readonly share = LOCAL_STALE_WARN_SHARE,
  ) {}

  readonly consume = (event: CrawlerEvent): void => {
    if (this.done || event.type !== 'dial' || !event.status || !event.nodeId) return;
    const verdict = event.status.forkVerdict;
    if (verdict === 'unchecked') return; // another network or genesis: not ours to judge
    const at = event.endedAt;
    this.judged.delete(event.nodeId); // re-insert: the map stays in dial order
    this.judged.set(event.nodeId, { stale: verdict === 'local_stale', fork: `0x${event.status.forkHash}/${event.status.forkNext}`, at });
    if (this.judged.size >= SCAN_ALWAYS_BELOW && at - this.lastScan < RECHECK_MS) return;
    this.lastScan = at;
    let stale = 0;
    for (const [id, j] of this.judged) {
      if (j.at < at - LOCAL_STALE_WINDOW_MS) this.judged.delete(id);
      else if (j.stale) stale++;
    }
    const total = this.judged.size;
    if (total >= this.minNodes && stale >= this.share * total) {
      this.done = true;
      this.warn(this.message(stale, total));
      this.judged.clear();
    }
  };

  /** Whether the warning was given. */
  get warned(): boolean {
    return this.done;
  }

  private message(stale: number, total: number): string {
    const forks = new Map<string, number>();
    for (const j of this.judged.values()) if (j.stale) forks.set(j.fork, (forks.get(j.fork) ?? 0) + 1);
    const top = [...forks.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '?';
    const pct = Math.round((100 * stale) / total);
    return (
      `warning: ${stale} of ${total} ${this.networkName} peers (${pct} %) announce a fork our schedule does not know ` +
      `(local_stale, most often fork ID ${top}): our fork schedule is out of date; update NodeFinder or pass --fork-schedule <genesis.json>`
    );
  }
}
