/**
 * `nodefinder distance`: the Geth-vs-Parity distance study (histograms, mean, sd of both metrics over
 * random node-ID pairs) and the Kademlia lookup simulation sweeping the share of Parity-metric nodes.
 * Offline and deterministic in --seed; set SOURCE_DATE_EPOCH to make the output byte-identical too.
 */
import type { Command } from 'commander';
import { buildDistanceReport } from '../analysis/distance-report.js';
import { DEFAULT_SAMPLES, DEFAULT_SEED, MAX_SAMPLES, runDistanceStudy } from '../analysis/distance-study.js';
import {
  DEFAULT_LOOKUPS,
  DEFAULT_NODES,
  DEFAULT_PARITY_FRACTIONS,
  MAX_LOOKUPS,
  MAX_NODES,
  MIN_NODES,
  runLookupSimulation,
} from '../analysis/lookup-sim.js';
import { addReportOutputOptions, emitReport, parseReportOutputOptions } from './report-output.js';
import { parseIntOption } from './durations.js';
import { UsageError } from './errors.js';

interface DistanceOptions {
  samples: string;
  seed: string;
  nodes: string;
  lookups: string;
  parityFraction: string;
  format?: string;
  out?: string;
}

export function registerDistance(program: Command): void {
  const command = program
    .command('distance')
    .description("compare geth's log distance with Parity's pre-2.0 metric, and simulate Kademlia lookups in a mixed network")
    .option('--samples <n>', 'random node-ID pairs to draw', String(DEFAULT_SAMPLES))
    .option('--seed <n>', 'PRNG seed (same seed, same result)', String(DEFAULT_SEED))
    .option('--nodes <n>', 'nodes in the simulated network', String(DEFAULT_NODES))
    .option('--lookups <n>', 'simulated lookups per Parity share (0 skips the simulation)', String(DEFAULT_LOOKUPS))
    .option('--parity-fraction <f,...>', 'share(s) of nodes using the Parity metric, 0..1', DEFAULT_PARITY_FRACTIONS.join(','));
  addReportOutputOptions(command).action(async (raw: DistanceOptions) => {
    const output = parseReportOutputOptions(raw);
    const samples = parseIntOption(raw.samples, '--samples', 1, MAX_SAMPLES);
    const seed = parseIntOption(raw.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
    const nodes = parseIntOption(raw.nodes, '--nodes', MIN_NODES, MAX_NODES);
    const lookups = parseIntOption(raw.lookups, '--lookups', 0, MAX_LOOKUPS);
    const parityFractions = parseFractions(raw.parityFraction);
    const generatedAt = reportTime();

    const study = runDistanceStudy({ samples, seed });
    const lookup = lookups > 0 ? runLookupSimulation({ nodes, seed, lookups, parityFractions }) : undefined;
    await emitReport(buildDistanceReport({ study, lookup, generatedAt }), output);
  });
}

/** "0,0.1,1" → [0, 0.1, 1] (sorted, without duplicates); each a decimal in 0..1. */
export function parseFractions(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map((p) => {
    const v = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(p) ? Number(p) : Number.NaN;
    if (!(v >= 0 && v <= 1)) throw new UsageError(`invalid --parity-fraction ${JSON.stringify(p)}: expected numbers in 0..1, comma-separated`);
    return v;
  });
  return [...new Set(values)].sort((a, b) => a - b);
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org: seconds since the epoch) or now. */
function reportTime(): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env === undefined || env === '') return Date.now();
  if (!/^\d{1,12}$/.test(env)) throw new UsageError(`invalid SOURCE_DATE_EPOCH ${JSON.stringify(env)}: expected seconds since 1970`);
  return Number(env) * 1000;
}
