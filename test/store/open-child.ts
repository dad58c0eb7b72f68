/**
 * Child process for pglite-memory.test.ts (run with vite-node): opens (creating) an embedded
 * database in the directory given, runs one query — or, with a second argument `migrate`, applies
 * the migrations (which runs much of Postgres's code); `churn` then allocates ~600 MB of objects
 * that each live a while (a sliding 24 MB of them), as a crawl's start-up burst does — and prints
 * process.memoryUsage() as JSON, with `maxHeapTotal`: the largest V8 heap seen on the way.
 */
import { migrate } from '../../src/store/migrations.js';
import { openPglite } from '../../src/store/pglite-adapter.js';

let maxHeapTotal = 0;
const sample = () => (maxHeapTotal = Math.max(maxHeapTotal, process.memoryUsage().heapTotal));
const sampler = setInterval(sample, 20);
const db = await openPglite(process.argv[2]!);
const mode = process.argv[3];
if (mode === 'migrate' || mode === 'churn') await migrate(db);
else await db.query('SELECT 1');
if (mode === 'churn') {
  const ring: unknown[][] = new Array(240).fill([]);
  for (let i = 0; i < 6000; i++) {
    ring[i % ring.length] = Array.from({ length: 1000 }, (_, j) => ({ i, j, s: `${i}:${j}` }));
    if (i % 100 === 0) sample();
  }
}
sample();
clearInterval(sampler);
// After the migrations V8's compiler threads are still finishing (and freeing their zones): a second
// for them, so the measure is of what stays (it varied 12–59 MB between runs without it, 15–38 with it).
if (mode === 'migrate') await new Promise((r) => setTimeout(r, 1000));
if (mode !== 'churn') (globalThis as { gc?: () => void }).gc?.();
process.stdout.write(`${JSON.stringify({ ...process.memoryUsage(), maxHeapTotal })}\n`);
await db.close();
