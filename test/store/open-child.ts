/**
 * Child process for pglite-memory.test.ts (run with vite-node): opens (creating) an embedded
 * database in the directory given, runs one query — or, with a second argument `migrate`, applies
 * the migrations (which runs much of Postgres's code) — and prints process.memoryUsage() as JSON.
 */
import { migrate } from '../../src/store/migrations.js';
import { openPglite } from '../../src/store/pglite-adapter.js';

const db = await openPglite(process.argv[2]!);
if (process.argv[3] === 'migrate') await migrate(db);
else await db.query('SELECT 1');
(globalThis as { gc?: () => void }).gc?.();
process.stdout.write(`${JSON.stringify(process.memoryUsage())}\n`);
await db.close();
