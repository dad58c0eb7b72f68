/**
 * The instance's discovery loops besides the table refresh. Dial feeding: geth's dialer takes its
 * candidates from random lookups run whenever a dynamic dial slot is free (p2p/dial.go over
 * discover's lookup iterator, at most one lookup per second). A NodeFinder instance never has
 * enough peers, so it keeps looking up while its dial queue is empty: at most one lookup per
 * FEED_MIN_INTERVAL_MS, backing off (doubling, up to FEED_MAX_INTERVAL_MS) while lookups teach it
 * no new node. The table's own refresh keeps geth's 30 minutes. Enumeration alone re-asks the
 * bootnodes with the same pacing.
 */
import type { NodeRecord } from '../enode/node-record.js';
import type { Clock } from '../net/clock.js';
import type { Enumerator } from './enumerate.js';
import { sleep } from './sleep.js';

export const FEED_MIN_INTERVAL_MS = 1_000;
export const FEED_MAX_INTERVAL_MS = 30_000;

export interface FeedOptions {
  clock: Clock;
  signal: AbortSignal;
  /** Whether the dialer is busy (queue, dynamic slots) or a refresh runs: then only look again soon. */
  busy: () => boolean;
  /** One random lookup; rejects when aborted or nobody answered. */
  lookup: () => Promise<unknown>;
  /** Nodes new to the instance so far (a lookup that raised it taught something). */
  learned: () => number;
}

/** Random lookups while the dialer has room and nothing queued. Never rejects. */
export async function feedDialer(o: FeedOptions): Promise<void> {
  let wait = FEED_MIN_INTERVAL_MS;
  while (!o.signal.aborted) {
    await sleep(o.clock, wait, o.signal);
    if (o.signal.aborted) return;
    if (o.busy()) {
      wait = FEED_MIN_INTERVAL_MS; // busy: look again soon
      continue;
    }
    const before = o.learned();
    try {
      await o.lookup();
    } catch {
      // aborted by stop(), or nobody answered: the next round starts afresh
    }
    wait = o.learned() > before ? FEED_MIN_INTERVAL_MS : Math.min(wait * 2, FEED_MAX_INTERVAL_MS);
  }
}

/**
 * Enumeration alone has no lookup to fall back on: while it has nothing left to ask (the
 * bootnodes did not answer, or everything is read), ask the bootnodes again, backing off as
 * the dialer-feeding lookups do. Never rejects.
 */
export async function retryBootnodes(clock: Clock, signal: AbortSignal, enumerator: Enumerator<NodeRecord>, bootnodes: readonly NodeRecord[]): Promise<void> {
  let wait = FEED_MIN_INTERVAL_MS;
  while (!signal.aborted) {
    await sleep(clock, wait, signal);
    if (signal.aborted) return;
    if (!enumerator.idle) {
      wait = FEED_MIN_INTERVAL_MS;
      continue;
    }
    for (const b of bootnodes) enumerator.offer(b, true);
    wait = Math.min(wait * 2, FEED_MAX_INTERVAL_MS);
  }
}
