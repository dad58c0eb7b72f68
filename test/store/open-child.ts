/**
 * Child process for pglite-memory.test.ts (run with vite-node): opens (creating) an embedded
 * database in the directory given, runs one query, prints process.memoryUsage() as JSON.
 */
import { openPglite } from '../../src/store/pglite-adapter.js';

const db = await openPglite(process.argv[2]!);
await db.query('SELECT 1');
process.stdout.write(`${JSON.stringify(process.memoryUsage())}\n`);
await db.close();
