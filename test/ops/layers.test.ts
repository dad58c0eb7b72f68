// Issue #10: one direction of dependencies. The layer table below is the one place that says which
// top-level module of src/ may import which; DESIGN.md ("Layers and allowed imports") shows the same
// table and the last test keeps the two in step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cyclesOf, importEdges, listSourceFiles, moduleOf, type ImportEdge } from './import-graph.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Lowest first. A module may import modules of strictly lower layers only (not its own layer's
 * neighbours): store and crawler share a layer because the store never imports the crawler and
 * the crawler should reach the database only through an injected interface.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'version', 'metrics'],
  ['util'],
  ['net', 'crypto'],
  ['enode'],
  ['rlpx', 'eth', 'geo', 'kademlia'],
  ['devp2p'],
  ['events'],
  ['discv4', 'discv5', 'dnsdisc'],
  ['crawler', 'store'],
  ['export', 'report', 'run'],
  ['analysis', 'serve'],
  ['testnet'],
  ['sim'],
  ['cli'],
];

/** Imports allowed against the table, as `importing file -> imported file`. Keep this short. */
const EXCEPTIONS: ReadonlySet<string> = new Set<string>([]);

const layerOf = new Map<string, number>(LAYERS.flatMap((modules, layer) => modules.map((m) => [m, layer] as const)));
const edges = importEdges(ROOT);
const files = listSourceFiles(ROOT);
const describeEdge = (edge: ImportEdge): string => `${edge.from} imports '${edge.specifier}' (${moduleOf(edge.from)} -> ${moduleOf(edge.to)})`;

describe('layers', () => {
  it('finds the imports (the scan is not vacuous)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.some((e) => e.from === 'src/cli/main.ts')).toBe(true);
    // multi-line named imports and `export … from` are both read
    expect(edges.length).toBeGreaterThan(files.length);
  });

  it('every module of src/ is in the layer table, and every import resolves to a file', () => {
    const unknown = [...new Set(files.map(moduleOf))].filter((m) => !layerOf.has(m));
    expect(unknown, 'add these modules to LAYERS (test/ops/layers.test.ts) and DESIGN.md').toEqual([]);
    const fileSet = new Set(files);
    const dangling = edges.filter((e) => !fileSet.has(e.to) && !e.to.endsWith('.json')).map(describeEdge);
    expect(dangling).toEqual([]);
  });

  it('imports only point down the layer table', () => {
    const violations = edges
      .filter((e) => moduleOf(e.from) !== moduleOf(e.to))
      .filter((e) => !EXCEPTIONS.has(`${e.from} -> ${e.to}`))
      .filter((e) => layerOf.get(moduleOf(e.to))! >= layerOf.get(moduleOf(e.from))!)
      .map(describeEdge);
    expect(violations, 'upward or sideways imports (see DESIGN.md "Layers and allowed imports")').toEqual([]);
  });

  it('every exception is still needed', () => {
    const used = new Set(edges.map((e) => `${e.from} -> ${e.to}`));
    expect([...EXCEPTIONS].filter((x) => !used.has(x)), 'drop these from EXCEPTIONS').toEqual([]);
  });

  it('no import cycle between top-level modules', () => {
    const next = new Map<string, Set<string>>();
    for (const e of edges) {
      const [a, b] = [moduleOf(e.from), moduleOf(e.to)];
      if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
    }
    expect(cyclesOf([...next.keys()], (m) => next.get(m) ?? [])).toEqual([]);
  });

  it('no import cycle between files inside a module', () => {
    const next = new Map<string, Set<string>>();
    for (const e of edges) {
      if (moduleOf(e.from) === moduleOf(e.to)) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
    }
    expect(cyclesOf(files, (f) => next.get(f) ?? [])).toEqual([]);
  });

  it('DESIGN.md lists the same layers', () => {
    const design = readFileSync(`${ROOT}DESIGN.md`, 'utf8');
    const section = design.split('## Layers and allowed imports')[1]?.split('\n## ')[0] ?? '';
    const listed = [...section.matchAll(/^ {4}L(\d+) +(.+)$/gm)].map((m) => [Number(m[1]), m[2]!.split(/,\s*/).map((s) => s.trim())]);
    expect(listed).toEqual(LAYERS.map((modules, layer) => [layer, [...modules]]));
  });
});
