/**
 * `npm run dashboards`: regenerate dashboards/json/*.json from dashboards/definitions.ts and the SQL
 * in sql/reports and dashboards/sql. Commit the result; test/dashboards checks it is up to date and
 * runs every panel's SQL against the schema.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_JSON_DIR, generateDashboardFiles } from './generate.js';
import { repoDir } from './queries.js';

const dir = join(repoDir(), DASHBOARD_JSON_DIR);
mkdirSync(dir, { recursive: true });
const files = generateDashboardFiles();
const wanted = new Set(files.map((f) => f.file));
for (const stale of readdirSync(dir).filter((f) => f.endsWith('.json') && !wanted.has(f))) {
  rmSync(join(dir, stale));
  process.stderr.write(`removed ${DASHBOARD_JSON_DIR}/${stale}\n`);
}
let changed = 0;
for (const f of files) {
  const path = join(dir, f.file);
  let old: string | undefined;
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    old = undefined;
  }
  if (old === f.text) continue;
  writeFileSync(path, f.text);
  changed++;
  process.stderr.write(`wrote ${DASHBOARD_JSON_DIR}/${f.file}\n`);
}
process.stderr.write(`dashboards: ${files.length} dashboards, ${changed} changed\n`);
