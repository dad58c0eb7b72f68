/**
 * `npm run geo:load -- --db <postgres URL | dir>` (node dist/dashboards/geo/load.js): copy the packaged
 * IP → country / AS ranges into the database for the Grafana geography dashboard (see tables.ts).
 * Skips a database that already holds this version of the data (--force reloads); run it again after
 * upgrading the @ip-location-db packages. The compose file runs it at every start (service geo).
 */
import { Command } from 'commander';
import { DEFAULT_DB } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { geoTablesLoadedFrom, loadGeoTables, packagedGeoCsv } from './tables.js';

export async function runGeoLoad(argv: string[]): Promise<number> {
  const program = new Command('geo:load')
    .description('load IP → country / AS ranges into the database for the Grafana geography dashboard')
    .option('--db <url|dir>', 'postgres:// URL (or PGHOST/PGUSER/PGPASSWORD…), or a directory of the embedded database', DEFAULT_DB)
    .option('--force', 'reload even when the tables already hold this version of the data')
    .exitOverride();
  try {
    program.parse(argv);
  } catch {
    return 2;
  }
  const { db: option, force } = program.opts<{ db: string; force?: boolean }>();
  const started = Date.now();
  try {
    const csv = packagedGeoCsv();
    const db = await openDatabase(option);
    try {
      if (!force && (await geoTablesLoadedFrom(db, csv.source))) {
        process.stderr.write(`geo: ${db.description} already has ${csv.source}; nothing to do (--force reloads)\n`);
        return 0;
      }
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
