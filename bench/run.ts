/**
 * `npm run bench`: runs every bench/*.bench.ts module (compiled to dist/bench) in turn and prints
 * their tables. Each module default-exports `run(): Promise<BenchTable[]>`. Pass names to run only
 * some: `npm run bench -- discv4 rlpx`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatBenchTable, type BenchTable } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<BenchTable[]> };
  process.stdout.write(`\n## ${file.replace('.bench.js', '')}\n`);
  for (const table of await mod.default()) process.stdout.write(`${formatBenchTable(table)}\n`);
}
