/**
 * Child process for the kill -9 test (run with vite-node): a writer on an embedded database that
 * commits some events, then loses its database and spills to the journal, prints its stats and keeps
 * running until the parent kills it with SIGKILL.
 *   argv: <db dir> <journal dir> <committed> <during outage>
 */
import { openMigratedDatabase } from '../../src/store/open.js';
import { EventWriter } from '../../src/store/writer.js';
import { FlakyDatabase } from './flaky.js';
import { countableStream, makeWorld, Rng, T0 } from './fixtures.js';

const [dir, journalDir, committed, outage] = process.argv.slice(2);
const { db } = await openMigratedDatabase(dir!);
const flaky = new FlakyDatabase(db);
const writer = await EventWriter.open(flaky, { journalDir: journalDir!, batchSize: 100, maxBufferedEvents: 300, retryInitialMs: 50, retryMaxMs: 200 });
const rng = new Rng(99);
const world = makeWorld(rng, 3, 100);
writer.writeMany(countableStream(rng, world, Number(committed), T0));
await writer.flush();
flaky.down = true;
writer.writeMany(countableStream(rng, world, Number(outage), T0 + 3_600_000));
await writer.flush();
// wait for the spill task to put everything past the memory bound on disk
while (writer.stats().buffered > 300) await new Promise((r) => setTimeout(r, 10));
await new Promise((r) => setTimeout(r, 100));
process.stdout.write(`${JSON.stringify(writer.stats())}\n`);
// keep "crawling" (the writer keeps retrying) until killed
setInterval(() => {}, 1000);
