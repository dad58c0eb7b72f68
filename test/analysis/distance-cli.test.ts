import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../ops/cli-run.js';
import { parseFractions } from '../../src/cli/distance.js';
import { UsageError } from '../../src/cli/errors.js';

/** Run the program in-process, as the binary would, capturing what it prints. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await runCli(...args);
  return { code, stdout: out, stderr: err };
}

// Small and fast; the defaults (100 000 samples, 2 000 nodes) run once, in the last test.
const FAST = ['--samples', '20000', '--nodes', '200', '--lookups', '30', '--seed', '7'];
const dir = mkdtempSync(join(tmpdir(), 'nodefinder-distance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000'));
afterEach(() => vi.unstubAllEnvs());

interface MetricJson {
  histogram: Record<string, number>;
  mean: number;
  sd: number;
}

describe('nodefinder distance', () => {
  it('--format json holds samples and, for geth and parity, histogram, mean and sd', async () => {
    const { code, stdout, stderr } = await run('distance', ...FAST, '--format', 'json');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const json = JSON.parse(stdout) as { samples: number; seed: number; generated_at: string; geth: MetricJson; parity: MetricJson; lookup: { sweep: { parity_fraction: number; success: number }[] } };
    expect(json.samples).toBe(20000);
    expect(json.seed).toBe(7);
    expect(json.generated_at).toBe('2023-11-14T22:13:20Z');
    for (const metric of ['geth', 'parity'] as const) {
      const m = json[metric];
      const total = Object.values(m.histogram).reduce((s, c) => s + c, 0);
      expect(total).toBe(20000);
      for (const [d, c] of Object.entries(m.histogram)) {
        expect(Number(d)).toBeGreaterThanOrEqual(0);
        expect(Number(d)).toBeLessThanOrEqual(256);
        expect(Number.isInteger(c)).toBe(true);
      }
      // the mean recomputed from the histogram equals the reported one
      const mean = Object.entries(m.histogram).reduce((s, [d, c]) => s + Number(d) * c, 0) / total;
      expect(m.mean).toBeCloseTo(mean, 9);
    }
    // Z = 5 standard errors for n = 20 000
    expect(Math.abs(json.geth.histogram['256']! / 20000 - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / 20000));
    expect(Math.abs(json.parity.mean - 224.125)).toBeLessThan((5 * 7.866) / Math.sqrt(20000));
    expect(json.lookup.sweep.map((p) => p.parity_fraction)).toEqual([0, 0.1, 0.25, 0.5, 1]);
  });

  it('is reproducible: same seed, byte-identical output; another seed, different numbers', async () => {
    const a = await run('distance', ...FAST, '--format', 'csv');
    const b = await run('distance', ...FAST, '--format', 'csv');
    expect(a.stdout).toBe(b.stdout);
    const c = await run('distance', ...FAST.slice(0, -1), '8', '--format', 'csv');
    expect(c.stdout).not.toBe(a.stdout);
  });

  it('prints an aligned table by default', async () => {
    const { code, stdout } = await run('distance', ...FAST);
    expect(code).toBe(0);
    expect(stdout).toContain("Histogram of geth's log distance");
    expect(stdout).toContain('Kademlia lookups as the Parity share grows (200 nodes, k = 16, α = 3)');
  });

  it('--lookups 0 skips the simulation; --parity-fraction picks the shares', async () => {
    const skipped = JSON.parse((await run('distance', '--samples', '1000', '--lookups', '0', '--format', 'json')).stdout) as { lookup: unknown; sections: { id: string }[] };
    expect(skipped.lookup).toBeNull();
    expect(skipped.sections.map((s) => s.id)).toEqual(['summary', 'geth-histogram', 'parity-histogram']);
    const picked = JSON.parse((await run('distance', ...FAST, '--parity-fraction', '1,0.3,0.3', '--format', 'json')).stdout) as { lookup: { sweep: { parity_fraction: number }[] } };
    expect(picked.lookup.sweep.map((p) => p.parity_fraction)).toEqual([0.3, 1]);
  });

  it('--format html --out writes one self-contained file with the charts', async () => {
    const file = join(dir, 'distance.html');
    const { code, stdout, stderr } = await run('distance', ...FAST, '--format', 'html', '--out', file);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^wrote .*distance\.html/);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<svg class="chart chart-(histogram|line)"/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|https?:/);
  });

  const usage: [string, string[], RegExp][] = [
    ['bad --format', ['--format', 'xml'], /invalid --format "xml"/],
    ['non-numeric --samples', ['--samples', 'lots'], /invalid --samples "lots"/],
    ['zero --samples', ['--samples', '0'], /invalid --samples 0/],
    ['too many --samples', ['--samples', '99999999999'], /invalid --samples/],
    ['negative --seed', ['--seed', '-1'], /invalid --seed/],
    ['tiny --nodes', ['--nodes', '5'], /invalid --nodes 5/],
    ['fraction above 1', ['--parity-fraction', '0,1.5'], /invalid --parity-fraction "1.5"/],
    ['non-numeric fraction', ['--parity-fraction', 'half'], /invalid --parity-fraction "half"/],
    ['unknown option', ['--frobnicate'], /unknown option/],
  ];
  for (const [name, args, message] of usage) {
    it(`${name} → exit 2 with a one-line message and no output`, async () => {
      const { code, stdout, stderr } = await run('distance', ...args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      // one line of error (commander may add its "(run with --help ...)" hint line)
      expect(stderr.split('\n')[0]).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('an unwritable --out → exit 1 with one line', async () => {
    const { code, stderr } = await run('distance', '--samples', '10', '--lookups', '0', '--out', join(dir, 'missing', 'x.json'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^nodefinder: cannot write report to .*: ENOENT\n$/);
  });

  it('a malformed SOURCE_DATE_EPOCH is a usage error', async () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', 'yesterday');
    const { code, stderr } = await run('distance', '--samples', '10', '--lookups', '0');
    expect(code).toBe(2);
    expect(stderr).toMatch(/SOURCE_DATE_EPOCH/);
  });

  it('parseFractions sorts, dedupes and validates', () => {
    expect(parseFractions('1, .5,0,0.50')).toEqual([0, 0.5, 1]);
    for (const bad of ['', '1e-1', '-0.1', '2', '0,,1', 'NaN']) expect(() => parseFractions(bad)).toThrow(UsageError);
  });
});

describe('nodefinder distance with its defaults', () => {
  it('runs the full study (100 000 samples, 2 000 nodes) and shows the expected shapes', async () => {
    const { code, stdout } = await run('distance', '--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { samples: number; geth: MetricJson; parity: MetricJson; lookup: { nodes: number; sweep: { parity_fraction: number; success: number; geth_success: number | null }[] } };
    expect(json.samples).toBe(100_000);
    const n = json.samples;
    expect(Math.abs(json.geth.histogram['256']! / n - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n));
    expect(Math.abs(json.geth.mean - 255)).toBeLessThan((5 * Math.SQRT2) / Math.sqrt(n));
    expect(Math.abs(json.parity.mean - 224.125)).toBeLessThan((5 * 7.866) / Math.sqrt(n));
    expect(Math.abs(json.parity.sd - 7.866)).toBeLessThan(0.1);
    expect(json.lookup.nodes).toBe(2000);
    const [none, , , , all] = json.lookup.sweep;
    expect(none!.success).toBeGreaterThan(0.95);
    expect(all!.success).toBeLessThan(0.05);
  });
});
