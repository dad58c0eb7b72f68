/**
 * The crawl's write load for bench/serve.bench.ts, as its own process: `node serve-writer.js <postgres
 * URL> <schema> <seconds>`. Feeds the real EventWriter as fast as it commits (batches of discovery
 * sightings of new nodes, and dials with HELLO, STATUS and RTT: bench/crawl-events.ts) and prints one JSON line
 * with the events committed per second — the number the web view must not push down.
 */
import type { CrawlerEvent } from '../src/events.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { EventWriter } from '../src/store/writer.js';
import { Rng } from '../src/util/rng.js';
import { dialEvent, makeNodes, nodeSeenEvent } from './crawl-events.js';

const [url, schema, secondsText] = process.argv.slice(2);
const seconds = Number(secondsText);
const db = await openPostgres(url!, { schema: schema! });
const writer = await EventWriter.open(db, { journalDir: null, lastSeenRefreshMs: 0 });
const instance = '00'.repeat(31) + '01';
const rng = new Rng(13);

/** 1 800 sightings and 200 dials reaching STATUS, every one of a node not seen before. */
function batch(at: number): CrawlerEvent[] {
  const nodes = makeNodes(2000);
  return [...nodes.slice(0, 1800).map((n) => nodeSeenEvent(instance, n, at)), ...nodes.slice(1800).map((n) => dialEvent(rng, instance, n, at, true))];
}

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let events = 0;
while (performance.now() - t0 < seconds * 1000) {
  const b = batch(Date.now());
  writer.writeMany(b);
  if (!(await writer.flush())) throw new Error('writer flush failed');
  events += b.length;
}
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const stats = await writer.close();
await db.close();
process.stdout.write(`${JSON.stringify({ cpu_ms: (cpu.user + cpu.system) / 1000, events, seconds: elapsed, per_second: events / elapsed, dropped: stats.dropped, rejected: stats.rejected })}\n`);
