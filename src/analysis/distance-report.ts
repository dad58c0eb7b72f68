/**
 * The `nodefinder distance` report: the distance study and the lookup simulation as a Report.
 * Pure: results in, Report out (the command does the I/O).
 *
 * JSON contract (DESIGN.md): `samples`, and for each of `geth` and `parity`: `histogram`
 * (distance → count, every distance from the smallest to the largest observed), `mean`, `sd`;
 * plus `seed`, expected moments, and `lookup` (null when the simulation was skipped).
 */
import type { Report, Row, Section } from '../report/render/model.js';
import { EXPECTED_PMF, METRICS, expectedMoments, type DistanceStudy, type MetricName, type MetricSample } from './distance-study.js';
import { ALPHA, BUCKET_SIZE } from '../discv4/constants.js';
import type { LookupSimResult } from './lookup-sim.js';
import { histogramQuantile } from './stats.js';

export interface DistanceReportInput {
  study: DistanceStudy;
  /** Absent when the simulation was not run (--lookups 0). */
  lookup?: LookupSimResult;
  generatedAt: number;
}

const METRIC_TITLES: Record<MetricName, string> = {
  geth: "geth's log distance",
  parity: "Parity's pre-2.0 distance",
};

export function buildDistanceReport(input: DistanceReportInput): Report {
  const { study, lookup } = input;
  const sections: Section[] = [summarySection(study), histogramSection(study, 'geth'), histogramSection(study, 'parity')];
  if (lookup) sections.push(lookupSection(lookup));
  return {
    name: 'distance',
    title: 'Geth vs Parity: node distance metrics and Kademlia lookups',
    generatedAt: input.generatedAt,
    parameters: {
      samples: study.samples,
      seed: study.seed,
      nodes: lookup?.nodes ?? null,
      lookups: lookup?.lookupsPerFraction ?? 0,
      parity_fractions: lookup ? lookup.points.map((p) => p.parityFraction).join(', ') : null,
    },
    sections,
    data: {
      samples: study.samples,
      seed: study.seed,
      geth: metricJson(study.geth, 'geth'),
      parity: metricJson(study.parity, 'parity'),
      lookup: lookup ? lookupJson(lookup) : null,
    },
  };
}

function metricJson(sample: MetricSample, metric: MetricName): Record<string, unknown> {
  const histogram: Record<string, number> = {};
  for (let d = sample.min; d <= sample.max; d++) histogram[String(d)] = sample.counts[d]!;
  const expected = expectedMoments(metric);
  return {
    histogram,
    mean: sample.mean,
    sd: sample.sd,
    min: sample.min,
    max: sample.max,
    expected_mean: expected.mean,
    expected_sd: expected.sd,
  };
}

function lookupJson(r: LookupSimResult): Record<string, unknown> {
  return {
    nodes: r.nodes,
    lookups_per_fraction: r.lookupsPerFraction,
    k: BUCKET_SIZE,
    alpha: ALPHA,
    max_rounds: r.maxRounds,
    mean_table_size: { geth: r.meanTableSize.geth, parity: r.meanTableSize.parity },
    sweep: r.points.map((p) => ({
      parity_fraction: p.parityFraction,
      parity_nodes: p.parityNodes,
      lookups: p.lookups,
      success: p.success,
      geth_lookups: p.gethLookups,
      geth_success: p.gethSuccess,
      parity_lookups: p.parityLookups,
      parity_success: p.paritySuccess,
      mean_recall: p.meanRecall,
      mean_hops: p.meanHops,
      mean_messages: p.meanMessages,
      max_hops: p.maxHops,
      non_converged: p.nonConverged,
    })),
  };
}

function summarySection(study: DistanceStudy): Section {
  const rows: Row[] = METRICS.map((metric) => {
    const s = study[metric];
    const e = expectedMoments(metric);
    return {
      metric: METRIC_TITLES[metric],
      mean: s.mean,
      expected_mean: e.mean,
      sd: s.sd,
      expected_sd: e.sd,
      min: s.min,
      median: histogramQuantile(s.counts, 0.5),
      max: s.max,
      at_256: s.counts[256]! / study.samples,
    };
  });
  const pGeth = study.geth.counts[256]! / study.samples;
  return {
    id: 'summary',
    title: `Distance between ${study.samples.toLocaleString('en-US')} random node-ID pairs`,
    columns: [
      { key: 'metric', label: 'Metric', type: 'text' },
      { key: 'mean', label: 'Mean', type: 'number', digits: 3 },
      { key: 'expected_mean', label: 'Expected mean', type: 'number', digits: 3 },
      { key: 'sd', label: 'SD', type: 'number', digits: 3 },
      { key: 'expected_sd', label: 'Expected SD', type: 'number', digits: 3 },
      { key: 'min', label: 'Min', type: 'integer' },
      { key: 'median', label: 'Median', type: 'integer' },
      { key: 'max', label: 'Max', type: 'integer' },
      { key: 'at_256', label: 'Share at 256', type: 'percent', digits: 2 },
    ],
    rows,
    notes: [
      'Node IDs are keccak256 hashes, so the pairs are uniform random 32-byte strings (seeded PRNG, reproducible).',
      `geth: bit length of a XOR b. Geometric: P(256) = 1/2, P(255) = 1/4, … — here ${(pGeth * 100).toFixed(2)}% of pairs share the farthest bucket, so buckets fill from the top.`,
      "Parity (pre-2.0): sum of each byte's bit length of a XOR b. A sum of 32 terms, near-normal around 224: sharing a whole leading byte lowers it by only about 7 (less than one SD), so it cannot tell close nodes from far ones.",
      'Expected values are exact for uniform IDs (computed from the distributions, not simulated).',
    ],
  };
}

function histogramSection(study: DistanceStudy, metric: MetricName): Section {
  const s = study[metric];
  const pmf = EXPECTED_PMF[metric]();
  const rows: Row[] = [];
  for (let d = s.min; d <= s.max; d++) {
    rows.push({ distance: d, count: s.counts[d]!, share: s.counts[d]! / study.samples, expected_share: pmf[d]! });
  }
  return {
    id: `${metric}-histogram`,
    title: `Histogram of ${METRIC_TITLES[metric]}`,
    columns: [
      { key: 'distance', label: 'Distance', type: 'integer' },
      { key: 'count', label: 'Pairs', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent', digits: 3 },
      { key: 'expected_share', label: 'Expected share', type: 'percent', digits: 3 },
    ],
    rows,
    chart: { type: 'histogram', x: 'distance', series: ['count'], xLabel: `${METRIC_TITLES[metric]} (bits)`, yLabel: 'Pairs' },
    notes: [`Mean ${s.mean.toFixed(3)}, SD ${s.sd.toFixed(3)}; distances ${s.min}..${s.max} observed.`],
  };
}

function lookupSection(r: LookupSimResult): Section {
  const rows: Row[] = r.points.map((p) => ({
    parity_fraction: p.parityFraction,
    parity_nodes: p.parityNodes,
    lookups: p.lookups,
    success: p.success,
    geth_success: p.gethSuccess,
    parity_success: p.paritySuccess,
    mean_recall: p.meanRecall,
    mean_hops: p.meanHops,
    max_hops: p.maxHops,
    mean_messages: p.meanMessages,
    non_converged: p.nonConverged,
  }));
  return {
    id: 'lookup-sweep',
    title: `Kademlia lookups as the Parity share grows (${r.nodes.toLocaleString('en-US')} nodes, k = ${BUCKET_SIZE}, α = ${ALPHA})`,
    columns: [
      { key: 'parity_fraction', label: 'Parity share', type: 'percent', digits: 0 },
      { key: 'parity_nodes', label: 'Parity nodes', type: 'integer' },
      { key: 'lookups', label: 'Lookups', type: 'integer' },
      { key: 'success', label: 'Success', type: 'percent' },
      { key: 'geth_success', label: 'Success (geth initiator)', type: 'percent' },
      { key: 'parity_success', label: 'Success (Parity initiator)', type: 'percent' },
      { key: 'mean_recall', label: 'True k closest found', type: 'percent' },
      { key: 'mean_hops', label: 'Mean hops', type: 'number', digits: 2 },
      { key: 'max_hops', label: 'Max hops', type: 'integer' },
      { key: 'mean_messages', label: 'Mean FINDNODEs', type: 'number', digits: 1 },
      { key: 'non_converged', label: 'Not converged', type: 'percent' },
    ],
    rows,
    chart: {
      type: 'line',
      x: 'parity_fraction',
      series: ['success', 'geth_success', 'parity_success', 'mean_recall', 'non_converged'],
      xLabel: 'Share of nodes using the Parity metric',
      yLabel: 'Share of lookups',
    },
    notes: lookupNotes(r),
  };
}

function lookupNotes(r: LookupSimResult): string[] {
  const notes = [
    `Each node keeps 256 buckets of ${BUCKET_SIZE}, filled in random arrival order by its own metric (mean table: ${r.meanTableSize.geth.toFixed(0)} entries with geth's metric, ${r.meanTableSize.parity.toFixed(0)} with Parity's). A node answers FINDNODE with the ${BUCKET_SIZE} entries closest by its own metric.`,
    `The same ${r.lookupsPerFraction.toLocaleString('en-US')} (random initiator, random target) lookups run at every Parity share; the initiator orders candidates by its own metric. Success = the lookup ends with exactly the true ${BUCKET_SIZE} XOR-closest nodes.`,
    `"Not converged" = still finding new "closer" nodes after ${r.maxRounds} rounds of α = ${ALPHA} FINDNODEs.`,
  ];
  const allGeth = r.points.filter((p) => p.gethSuccess !== null);
  const allParity = r.points.filter((p) => p.paritySuccess !== null);
  if (allGeth.length > 0) {
    const worst = Math.min(...allGeth.map((p) => p.gethSuccess!));
    notes.push(
      worst === 1
        ? "Lookups started by geth-metric nodes always succeeded, at every Parity share measured: geth nodes near the target keep their XOR neighbours in their tables, whatever metric those neighbours use, and the XOR ordering discards Parity nodes' far answers."
        : `Lookups started by geth-metric nodes succeeded in at least ${(worst * 100).toFixed(1)}% of cases at every Parity share measured.`,
    );
  }
  if (allParity.length > 0) {
    const best = Math.max(...allParity.map((p) => p.paritySuccess!));
    const recall = Math.max(...r.points.filter((p) => p.parityFraction === 1).map((p) => p.meanRecall), 0);
    notes.push(
      `Lookups started by Parity-metric nodes succeeded in ${best === 0 ? 'no case' : `at most ${(best * 100).toFixed(1)}% of cases`}: they converge, but on nodes that are close only by Parity's metric${recall > 0 ? ` (with every node on Parity's metric, a lookup found ${(recall * 100).toFixed(1)}% of the true closest)` : ''}.`,
    );
  }
  const nonConverged = Math.max(...r.points.map((p) => p.nonConverged));
  notes.push(
    nonConverged > 0
      ? `Up to ${(nonConverged * 100).toFixed(1)}% of lookups did not converge within ${r.maxRounds} rounds.`
      : `No lookup hit the ${r.maxRounds}-round limit (longest: ${Math.max(...r.points.map((p) => p.maxHops))} rounds): in this model the damage is wrong answers, not endless lookups.`,
  );
  return notes;
}
