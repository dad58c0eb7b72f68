/**
 * `npm run bench -- simulate` (issue 10): `nodefinder simulate` at scale — 10 000 nodes × 24
 * simulated hours with churn (defaults: 8 h sessions, 4 h downtimes, a fifth leaving for good,
 * steady joins), one instance, discovery both, written through the real writer into a fresh
 * embedded database (PGlite). Goal: ≤ 10 min wall time on the 2-core machine; peak RSS reported.
 * Runs the CLI in a child process so the RSS is the simulation's alone.
 * BENCH_SIM_NODES / BENCH_SIM_HOURS change the size; BENCH_SIM_DB=none skips the database.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, type BenchTable } from './table.js';

const NODES = Number(process.env['BENCH_SIM_NODES'] ?? 10_000);
const HOURS = Number(process.env['BENCH_SIM_HOURS'] ?? 24);
const GOAL_S = 600;
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'nodefinder.js');

interface Run {
  wallS: number;
  peakRssMb: number;
  /** The child's CPU time (user + system): comparable across machine loads, unlike wall time. */
  cpuS: number;
  events: number;
  dials: number;
}

function runChild(db: string | null): Promise<Run> {
  const args = [bin, 'simulate', '--nodes', String(NODES), '--hours', String(HOURS), '--seed', '1', '--start', '2026-01-01T00:00:00Z', '--format', 'json'];
  args.push(...(db === null ? ['--no-db'] : ['--db', db]));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const started = performance.now();
    child.on('close', (code) => {
      const done = /done in ([\d.]+) s, peak rss (\d+) MiB, cpu ([\d.]+) s/.exec(err);
      if (code !== 0 || !done) return reject(new Error(`simulate exited ${code}: ${err.split('\n').filter(Boolean).at(-1) ?? ''}`));
      const j = JSON.parse(out) as { totals: { events: number; dials: { dynamic: number; static: number } } };
      resolve({ wallS: (performance.now() - started) / 1000, peakRssMb: Number(done[2]), cpuS: Number(done[3]), events: j.totals.events, dials: j.totals.dials.dynamic + j.totals.dials.static });
    });
  });
}

export default async function run(): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nf-bench-sim-'));
  try {
    const withDb = process.env['BENCH_SIM_DB'] !== 'none';
    const r = await runChild(withDb ? join(dir, 'db') : null);
    return [
      {
        title: `simulate: ${NODES} nodes × ${HOURS} h with churn, 1 instance, ${withDb ? 'PGlite database' : 'no database'}`,
        columns: ['wall time (s)', 'goal (s)', 'CPU (s)', 'peak RSS (MB)', 'events written', 'dials simulated', 'events/s'],
        rows: [[fmt(r.wallS, 1), GOAL_S, fmt(r.cpuS, 1), r.peakRssMb, r.events, r.dials, Math.round(r.events / r.wallS)]],
        notes: [r.wallS <= GOAL_S ? 'within the goal' : 'OVER the 10-minute goal'],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
