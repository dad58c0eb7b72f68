/**
 * Child process for pglite-memory.test.ts (run with vite-node): opens (creating) an embedded
 * database in the directory given, runs one query — or, with a second argument `migrate`, applies
 * the migrations (which runs much of Postgres's code); `burst` also commits a burst of crawl events
 * through the writer (the embedded writer's whole buffer, as at a crawl's start) — and prints
 * process.memoryUsage() as JSON, with `maxHeapTotal`: the largest V8 heap seen on the way.
 */
import { migrate } from '../../src/store/migrations.js';
import { openPglite } from '../../src/store/pglite-adapter.js';
import { EventWriter } from '../../src/store/writer.js';
import { EMBEDDED_MAX_BUFFERED_EVENTS } from '../../src/run/crawl-run.js';
import { crawlStream, makeWorld, Rng } from './fixtures.js';

let maxHeapTotal = 0;
const sample = () => (maxHeapTotal = Math.max(maxHeapTotal, process.memoryUsage().heapTotal));
const sampler = setInterval(sample, 20);
const db = await openPglite(process.argv[2]!);
const mode = process.argv[3];
if (mode === 'migrate' || mode === 'burst') await migrate(db);
else await db.query('SELECT 1');
if (mode === 'burst') {
  const rng = new Rng(7);
  const world = makeWorld(rng, 3, 5_000);
  const writer = await EventWriter.open(db, { journalDir: null, maxBufferedEvents: EMBEDDED_MAX_BUFFERED_EVENTS });
  for (let i = 0; i < 3; i++) {
    writer.writeMany(crawlStream(rng, world, EMBEDDED_MAX_BUFFERED_EVENTS / 2));
    await writer.flush();
  }
  await writer.close();
}
sample();
clearInterval(sampler);
if (mode !== 'burst') (globalThis as { gc?: () => void }).gc?.();
process.stdout.write(`${JSON.stringify({ ...process.memoryUsage(), maxHeapTotal })}\n`);
await db.close();
