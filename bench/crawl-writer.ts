/**
 * A crawl's writer, as its own process (bench/longitudinal.bench.ts forks it with an IPC channel):
 * `node crawl-writer.js <postgres URL> <schema> <nodes> <day index> <start ms>`.
 *
 * Fed the way the crawl feeds it: write() per event, the writer's own batchSize kick and flush timer,
 * default options (lastSeenRefreshMs 1 min, as src/run/crawl-run.ts) — never an awaited flush per
 * batch. Events come from bench/crawl-events.ts over the bench history's node IDs of that day
 * (longitudinal.bench.ts nodeExpr), their event time advancing at EVENT_RATE. The producer keeps a
 * few batches waiting, so the writer always has work: the rate measured is what it can commit.
 *
 * It warms up first (a minute and a bit of event time: every node's last_seen refresh is then due at
 * the crawl's steady pace, not all at once), sends {ready}, then answers each {mark} with its
 * committed-event count, clock and CPU; {stop} closes the writer and sends {done} with its stats.
 */
import { createHash } from 'node:crypto';
import type { CrawlerEvent } from '../src/events.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { EventWriter, WRITER_DEFAULTS } from '../src/store/writer.js';
import { CrawlStream, EVENT_RATE, type CrawlNode } from './crawl-events.js';

export interface WriterMark {
  written: number;
  ms: number;
  cpuMs: number;
  /** Event time of the next event (ms). */
  eventTime: number;
}

const [url, schema, nodesText, dayIndexText, startText] = process.argv.slice(2);
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const k = Number(dayIndexText);
// Node slot s on day k, exactly as longitudinal.bench.ts nodeExpr (2 % churn a day).
const nodes: CrawlNode[] = Array.from({ length: Number(nodesText) }, (_, s) => ({
  id: md5(`${s}:${Math.trunc((k - (s % 50)) / 50)}`) + md5(String(s)),
  pk: md5(`pk${s}`).repeat(4),
  ip: `10.${(s >> 16) & 255}.${(s >> 8) & 255}.${s & 255}`,
}));
const instances = Array.from({ length: 30 }, (_, i) => i.toString(16).padStart(64, '0'));
const stream = new CrawlStream({ seed: process.pid, start: Number(startText), nodes, instances });

const db = await openPostgres(url!, { schema: schema! });
const writer = await EventWriter.open(db, { journalDir: null, onError: (e) => process.stderr.write(`crawl-writer: ${e.message}\n`) });
/** Events waiting in the writer the producer keeps topped up (a crawl's burst is bigger; this is enough to never starve it). */
const BACKLOG = 3 * WRITER_DEFAULTS.batchSize;
const WARM_EVENTS = Number(process.env['BENCH_WRITER_WARM_EVENTS'] ?? 70 * EVENT_RATE);

let stopping = false;
let produced = 0;
const buf: CrawlerEvent[] = [];
function produce(): void {
  if (stopping) return;
  const room = BACKLOG - writer.stats().buffered;
  if (room > 0) {
    buf.length = 0;
    stream.take(Math.min(room, 500), buf);
    for (const ev of buf) writer.write(ev);
    produced += buf.length;
  }
  // Yield to I/O between chunks (the crawl's events, too, arrive between socket reads).
  if (room > 500) setImmediate(produce);
  else setTimeout(produce, 1);
}

const mark = (): WriterMark => {
  const c = process.cpuUsage();
  return { written: writer.stats().written, ms: performance.now(), cpuMs: (c.user + c.system) / 1000, eventTime: stream.now };
};

// The parent bench gone (it failed, or was killed): stop writing into its schema at once.
process.on('disconnect', () => process.exit(1));
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'mark') process.send!({ mark: mark() });
  else if (msg.cmd === 'stop') {
    stopping = true;
    void (async () => {
      const stats = await writer.close();
      await db.close();
      process.send!({ done: { produced, ...stats } }, () => process.exit(0));
    })();
  }
});

produce();
const warm = setInterval(() => {
  if (writer.stats().written < WARM_EVENTS) return;
  clearInterval(warm);
  process.send!({ ready: mark() });
}, 50);
