/**
 * The per-minute discv5 counters of one instance: deltas of its V5Discovery's cumulative counters
 * (discovery-v5.ts), emitted as `discovery_v5_counters` events by the instance's
 * DiscoveryCounterReporter on the minutes it emits discv4's `discovery_counters` (one timer, one
 * clock), so both protocols share minute boundaries in the store.
 */
import { V5_COUNTER_FIELDS, type DiscoveryV5CountersEvent } from '../events.js';
import { zeroV5Counters, type V5Counters } from './discovery-v5.js';

/** What the reporter samples each minute: the v5 node's counters and its table size. */
export interface V5Sample {
  counters: V5Counters;
  tableSize: number;
}

/** The event for one minute: `now` minus `before`, field by field (both cumulative). */
export function v5CountersEvent(instance: string, minute: number, now: V5Sample, before: V5Counters): DiscoveryV5CountersEvent {
  const ev: DiscoveryV5CountersEvent = { type: 'discovery_v5_counters', instance, minute, ...zeroV5Counters(), tableSize: now.tableSize };
  for (const k of V5_COUNTER_FIELDS) ev[k] = now.counters[k] - before[k];
  return ev;
}
