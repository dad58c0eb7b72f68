/**
 * A crawl's writer, as its own process (bench/longitudinal.bench.ts forks it with an IPC channel):
 * `node crawl-writer.js <postgres URL> <schema> <nodes> <day index> <start ms>`.
 *
 * Fed the way the crawl feeds it: write() per event, the writer's own batchSize kick and flush timer,
 * default options (lastSeenRefreshMs 1 min, as src/run/crawl-run.ts) — never an awaited flush per
 * batch. Events come from bench/crawl-events.ts over the bench history's node IDs of that day
 * (bench/history-ids.ts), their event time advancing at EVENT_RATE. The producer keeps a
 * few batches waiting, so the writer always has work: the rate measured is what it can commit.
 *
 * It warms up first (a minute and a bit of event time: every node's last_seen refresh is then due at
 * the crawl's steady pace, not all at once), sends {ready}, then answers each {mark} with its
 * committed-event count, clock and CPU; {stop} closes the writer and sends {done} with its stats.
 */
import type { CrawlerEvent } from '../src/events.js';
import { openPostgres } from '../src/store/pg-adapter.js';
import { EventWriter, WRITER_DEFAULTS } from '../src/store/writer.js';
import { CrawlStream, EVENT_RATE, type CrawlNode } from './crawl-events.js';
import { instExpr, ipExpr, nodeExpr } from './history-ids.js';

export interface WriterMark {
  written: number;
  ms: number;
  cpuMs: number;
  /** Event time of the next event (ms). */
  eventTime: number;
}

const [url, schema, nodesText, dayIndexText, startText] = process.argv.slice(2);
const db = await openPostgres(url!, { schema: schema! });
// The history's node slots of day k, from the definitions its generator used (bench/history-ids.ts).
const slots = await db.query<{ id: string; ip: string }>(
  `SELECT encode(${nodeExpr('slot', '$2::int')}, 'hex') AS id, host(${ipExpr('slot')}) AS ip FROM generate_series(0, $1::int - 1) slot ORDER BY slot`,
  [Number(nodesText), Number(dayIndexText)],
);
// The history stores no public keys: any 64 bytes unique per slot do (the writer only stores them).
const nodes: CrawlNode[] = slots.map((r, s) => ({ id: r.id, pk: `${s.toString(16).padStart(8, '0')}${r.id.slice(8)}`.repeat(2), ip: r.ip }));
const instances = (await db.query<{ id: string }>(`SELECT encode(${instExpr('i')}, 'hex') AS id FROM generate_series(0, 29) i ORDER BY i`)).map((r) => r.id);
const stream = new CrawlStream({ seed: process.pid, start: Number(startText), nodes, instances });

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
