import { describe, expect, it } from 'vitest';
import { buildDistanceReport } from '../../src/analysis/distance-report.js';
import { runDistanceStudy } from '../../src/analysis/distance-study.js';
import { runLookupSimulation } from '../../src/analysis/lookup-sim.js';
import { toJsonObject, validateReport } from '../../src/report/render/index.js';

const study = runDistanceStudy({ samples: 3000, seed: 12 });
const lookup = runLookupSimulation({ nodes: 150, lookups: 20, seed: 12, parityFractions: [0, 1] });

describe('buildDistanceReport', () => {
  const report = buildDistanceReport({ study, lookup, generatedAt: 0 });

  it('is a valid report with summary, two histograms and the lookup sweep', () => {
    expect(() => validateReport(report)).not.toThrow();
    expect(report.sections.map((s) => s.id)).toEqual(['summary', 'geth-histogram', 'parity-histogram', 'lookup-sweep']);
    expect(report.sections[3]!.rows).toHaveLength(2);
  });

  it('histogram sections and JSON histograms cover min..max contiguously and sum to the samples', () => {
    const json = toJsonObject(report) as Record<string, { histogram: Record<string, number>; min: number; max: number }>;
    for (const metric of ['geth', 'parity'] as const) {
      const keys = Object.keys(json[metric]!.histogram).map(Number);
      const { min, max } = json[metric]!;
      expect(keys).toEqual(Array.from({ length: max - min + 1 }, (_, i) => min + i));
      expect(Object.values(json[metric]!.histogram).reduce((s, c) => s + c, 0)).toBe(3000);
      const rows = report.sections.find((s) => s.id === `${metric}-histogram`)!.rows;
      expect(rows.map((r) => r.distance)).toEqual(keys);
      expect(rows.reduce((s, r) => s + (r.count as number), 0)).toBe(3000);
    }
  });

  it('the notes state what the sweep measured', () => {
    const notes = report.sections[3]!.notes!.join('\n');
    expect(notes).toMatch(/Lookups started by Parity-metric nodes succeeded in (no case|at most)/);
    expect(notes).toMatch(/round limit|did not converge/);
  });

  it('without the simulation: no sweep section and lookup null', () => {
    const r = buildDistanceReport({ study, generatedAt: 0 });
    expect(r.sections).toHaveLength(3);
    expect(toJsonObject(r).lookup).toBeNull();
  });
});
