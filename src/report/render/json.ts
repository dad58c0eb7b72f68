/**
 * `--format json`: one plain object. The shape is a contract (DESIGN.md "CLI contract"):
 *   { report, title, generated_at (ISO 8601), parameters, ...report.data, sections: [...] }
 * Each report's own fields (report.data) sit at the top level; `sections` repeats every table with
 * rows as objects keyed by column key (percent = fraction 0..1, ms = milliseconds, timestamps ISO).
 */
import { isoTimestamp, jsonCell } from './format.js';
import { columnLabel, validateReport, type Report } from './model.js';

export interface JsonSection {
  id: string;
  title: string;
  columns: { key: string; label: string; type: string }[];
  rows: Record<string, string | number | null>[];
  chart?: { type: string; x: string; series: string[] };
  notes: string[];
}

export function toJsonObject(report: Report): Record<string, unknown> {
  validateReport(report);
  const sections: JsonSection[] = report.sections.map((section) => {
    const out: JsonSection = {
      id: section.id,
      title: section.title,
      columns: section.columns.map((c) => ({ key: c.key, label: columnLabel(c), type: c.type })),
      rows: section.rows.map((row) => Object.fromEntries(section.columns.map((c) => [c.key, jsonCell(row, c)]))),
      notes: [...(section.notes ?? [])],
    };
    if (section.chart) out.chart = { type: section.chart.type, x: section.chart.x, series: [...section.chart.series] };
    return out;
  });
  return {
    report: report.name,
    title: report.title,
    generated_at: isoTimestamp(report.generatedAt),
    parameters: { ...report.parameters },
    ...report.data,
    sections,
  };
}

/** Pretty-printed JSON text (non-finite numbers become null, as JSON requires). */
export function renderJson(report: Report): string {
  return `${JSON.stringify(toJsonObject(report), null, 2)}\n`;
}
