/** Shared helpers for benchmarks: timing loops and a Markdown table printer (pasted into the README). */

export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
}

/** Run `fn` repeatedly for about `ms` milliseconds (after a warm-up); return operations per second. */
export function opsPerSecond(fn: () => void, ms = 1500, batch = 1): number {
  const warmEnd = performance.now() + Math.min(300, ms / 5);
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

export async function opsPerSecondAsync(fn: () => Promise<void>, ms = 1500, batch = 1): Promise<number> {
  const warmEnd = performance.now() + Math.min(300, ms / 5);
  while (performance.now() < warmEnd) await fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatBenchTable(t: BenchTable): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [`### ${t.title}`, '', line(t.columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const r of cells.slice(1)) out.push(line(r));
  for (const n of t.notes ?? []) out.push('', n);
  return `${out.join('\n')}\n`;
}
