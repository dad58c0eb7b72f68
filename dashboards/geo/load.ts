/**
 * `npm run geo:load -- --db <postgres URL | dir>` (node dist/dashboards/geo/load.js): copy the packaged
 * IP → country / AS ranges into the database for the Grafana geography dashboard (see tables.ts).
 * Idempotent; run it again after upgrading the @ip-location-db packages. The compose file runs it
 * once at start (service geo).
 */
import { Command } from 'commander';
import { DEFAULT_DB } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { loadGeoTables, packagedGeoCsv } from './tables.js';

export async function runGeoLoad(argv: string[]): Promise<number> {
  const program = new Command('geo:load')
    .description('load IP → country / AS ranges into the database for the Grafana geography dashboard')
    .option('--db <url|dir>', 'postgres:// URL (or PGHOST/PGUSER/PGPASSWORD…), or a directory of the embedded database', DEFAULT_DB)
    .exitOverride();
  try {
    program.parse(argv);
  } catch {
    return 2;
  }
  const { db: option } = program.opts<{ db: string }>();
  const started = Date.now();
  try {
    const csv = packagedGeoCsv();
    const db = await openDatabase(option);
    try {
      const r = await loadGeoTables(db, csv, csv.source);
      process.stderr.write(
        `geo: loaded ${r.countryRanges} country and ${r.asnRanges} AS ranges (${r.skipped} malformed lines skipped) into ${db.description} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    } finally {
      await db.close();
    }
    return 0;
  } catch (err) {
    process.stderr.write(`geo: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}\n`);
    return 1;
  }
}

process.exitCode = await runGeoLoad(process.argv);
