/**
 * `nodefinder db rollup [--since <time>] [--until <time>]` and `nodefinder db prune --older-than
 * <time>`: build the rollups of closed UTC days by hand (src/store/rollup.ts), and drop raw day
 * partitions of rolled-up days (src/store/retention.ts). The crawl does both periodically
 * (src/store/maintenance.ts); these are for rebuilding after a fix and for operators.
 */
import type { Command } from 'commander';
import { DEFAULT_DB } from '../store/database.js';
import { openMigratedDatabase } from '../store/open.js';
import { pruneRaw } from '../store/retention.js';
import { dayText, rollup } from '../store/rollup.js';
import { UsageError } from './errors.js';
import { parseTime } from './report.js';

export interface MaintenanceIo {
  stdout: { write(s: string): unknown };
}

interface RollupOptions {
  db: string;
  since?: string;
  until?: string;
}

interface PruneOptions {
  db: string;
  olderThan: string;
}

const days = (list: number[]) => (list.length <= 6 ? list.map(dayText).join(', ') : `${dayText(list[0]!)} … ${dayText(list.at(-1)!)}`);

export async function runDbRollup(opts: RollupOptions, io: MaintenanceIo = process, now = Date.now()): Promise<void> {
  const since = opts.since === undefined ? undefined : parseTime(opts.since, '--since', now);
  const until = opts.until === undefined ? now : parseTime(opts.until, '--until', now);
  if (since !== undefined && !(since < until)) throw new UsageError(`empty range: --since ${new Date(since).toISOString()} is not before --until ${new Date(until).toISOString()}`);
  const { db } = await openMigratedDatabase(opts.db);
  try {
    // Without --since: only the closed days not rolled up yet (what the crawl does).
    const rolled = await rollup(db, {
      since: since ?? 0,
      until,
      now,
      onlyMissing: since === undefined,
      onDay: (d, ms) => io.stdout.write(`rolled up ${dayText(d)} in ${(ms / 1000).toFixed(1)} s\n`),
      onSkip: (d) => io.stdout.write(`kept the rollups of ${dayText(d)}: its raw rows were pruned\n`),
    });
    io.stdout.write(rolled.length === 0 ? 'nothing to roll up (only closed UTC days are rolled up)\n' : `${rolled.length} day(s) rolled up: ${days(rolled)}\n`);
  } finally {
    await db.close();
  }
}

export async function runDbPrune(opts: PruneOptions, io: MaintenanceIo = process, now = Date.now()): Promise<void> {
  const olderThan = parseTime(opts.olderThan, '--older-than', now);
  const { db } = await openMigratedDatabase(opts.db);
  try {
    const r = await pruneRaw(db, olderThan);
    io.stdout.write(r.dropped.length === 0 ? 'no raw day to drop\n' : `dropped the raw rows of ${r.dropped.length} rolled-up day(s): ${days(r.dropped)}\n`);
    if (r.keptUnrolled.length > 0) {
      io.stdout.write(`kept ${r.keptUnrolled.length} day(s) not rolled up yet: ${days(r.keptUnrolled)} (run nodefinder db rollup first)\n`);
    }
  } finally {
    await db.close();
  }
}

export function registerDbMaintenance(db: Command): void {
  db.command('rollup')
    .description('roll up closed UTC days (all not rolled up yet, or rebuild --since … --until), at full speed (a crawl paces its own)')
    .option('--db <url|dir>', 'postgres:// URL, or a directory for the embedded database', DEFAULT_DB)
    .option('--since <time>', 'rebuild the days from this time on (ISO 8601, or a duration ago like 7d); default: only days not rolled up')
    .option('--until <time>', 'up to this time, exclusive (default now; the open day is never rolled up)')
    .action((opts: RollupOptions) => runDbRollup(opts));
  db.command('prune')
    .description('drop raw rows of rolled-up days older than a time (never a day not rolled up)')
    .option('--db <url|dir>', 'postgres:// URL, or a directory for the embedded database', DEFAULT_DB)
    .requiredOption('--older-than <time>', 'drop whole UTC days ending at or before this time (ISO 8601, or a duration ago like 30d)')
    .action((opts: PruneOptions) => runDbPrune(opts));
}
