/**
 * Day partitions: which tables are partitioned by UTC day, and which partitions a batch writes into
 * (the writer creates missing ones before the batch's statements run).
 */
import type { CrawlerEvent } from '../events.js';

/** Tables partitioned by UTC day (the migrations' ensure_day_partition) and their partition key column. */
export const DAY_PARTITION_KEYS = {
  dials: 'started_at',
  hello_rows: 'started_at',
  statuses: 'started_at',
  disconnects: 'started_at',
  rtts: 'started_at',
  node_sightings: 'day',
  discovery_counters: 'minute',
  discovery_v5_counters: 'minute',
} as const;
export type DayPartitioned = keyof typeof DAY_PARTITION_KEYS;
export const DAY_PARTITIONED = Object.keys(DAY_PARTITION_KEYS) as DayPartitioned[];

const DAY_MS = 86_400_000;

const dayNames = new Map<number, string>();

/** UTC day (YYYY-MM-DD) of a time in ms (memoised: formatting dates is the hot spot of a batch). */
export function utcDay(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let name = dayNames.get(day);
  if (name === undefined) {
    if (dayNames.size > 4096) dayNames.clear();
    name = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayNames.set(day, name);
  }
  return name;
}

/** `table|YYYY-MM-DD` for every partition the batch writes into. */
export function partitionsFor(events: readonly CrawlerEvent[]): Set<string> {
  const out = new Set<string>();
  for (const ev of events) {
    if (ev.type === 'node_seen') out.add(`node_sightings|${utcDay(ev.at)}`);
    else if (ev.type === 'discovery_counters') out.add(`discovery_counters|${utcDay(ev.minute)}`);
    else if (ev.type === 'discovery_v5_counters') out.add(`discovery_v5_counters|${utcDay(ev.minute)}`);
    else if (ev.type === 'dial') {
      const day = utcDay(ev.startedAt);
      out.add(`dials|${day}`);
      if (ev.hello) out.add(`hello_rows|${day}`);
      if (ev.status) out.add(`statuses|${day}`);
      if (ev.disconnects.length) out.add(`disconnects|${day}`);
      if (ev.rtt) out.add(`rtts|${day}`);
    }
  }
  return out;
}
