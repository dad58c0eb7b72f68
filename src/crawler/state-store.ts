/**
 * What the crawler needs from persistent storage, and no more: the static set to restore at start
 * (even after kill -9), redial leases shared with other processes and hosts, and the periodic
 * expiry of nodes not seen for --expire-after. The crawler depends on this interface only; the
 * Database-backed implementation lives above both (src/run/crawl-state.ts), simulations may pass
 * their own.
 */
import type { StaticSeed } from './scheduler.js';

export interface CrawlStateStore {
  /** Nodes to keep redialing, with when they were last dialed and seen (ms). */
  loadStaticSet(now: number, expireAfterMs: number): Promise<StaticSeed[]>;
  /**
   * Of these node IDs (hex) due for a redial, those this process may dial this period; a granted
   * node is granted to nobody else until `periodMs` passed.
   */
  claimRedials(nodeIds: readonly string[], now: number, periodMs: number): Promise<Set<string>>;
  /** Forget nodes not seen for `expireAfterMs` (from the dial schedule's view of the store). */
  expireNodes(now: number, expireAfterMs: number): Promise<void>;
}
