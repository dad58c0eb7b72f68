/**
 * The report model every `nodefinder report <name>` (and `nodefinder distance`) builds, and the four
 * renderers consume: a title, when it was generated, the parameters it was made with, and sections.
 * A section is one typed table, optionally drawn as a chart, plus notes.
 *
 * Values are stored raw and formatted by the renderers: `percent` cells hold a fraction (0.25 = 25 %),
 * `ms` cells milliseconds, `timestamp` cells ms since the Unix epoch. `null` means "no value".
 * Text may come from hostile peers (client IDs, disconnect messages): every renderer escapes it.
 */
import { ReportModelError } from './errors.js';

export const COLUMN_TYPES = ['text', 'integer', 'number', 'percent', 'ms', 'timestamp'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const CHART_TYPES = ['bar', 'histogram', 'line', 'stacked-bar'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

export interface Column {
  /** Stable machine name (JSON key, CSV header); snake_case by convention. */
  key: string;
  /** Human label (table/HTML header). Defaults to `key`. */
  label?: string;
  type: ColumnType;
  /** Fraction digits for number/percent/ms (defaults: number 2, percent 1, ms 1). */
  digits?: number;
}

export type Cell = string | number | null;
export type Row = Readonly<Record<string, Cell>>;

/**
 * How to draw a section's table.
 * - bar: one bar per row (x = category), grouped when several series.
 * - histogram: x numeric bins of equal width, adjacent bars; several series are grouped per bin.
 * - line: x numeric or timestamp (a time series); one line per series.
 * - stacked-bar: one bar per row, series stacked.
 */
export interface ChartSpec {
  type: ChartType;
  /** Column key of the x axis (categories or values). */
  x: string;
  /** Column keys of the plotted values; all must be numeric columns. */
  series: string[];
  /** Axis titles; default to the column labels. */
  xLabel?: string;
  yLabel?: string;
  /** Log-scale y axis (values ≤ 0 are left out of the chart; ignored by stacked bars). */
  logY?: boolean;
  /** Short description for screen readers; a default is generated from the data. */
  description?: string;
}

export interface Section {
  /** Stable id (HTML anchor, CSV block name, JSON). kebab- or snake-case. */
  id: string;
  title: string;
  columns: Column[];
  rows: Row[];
  chart?: ChartSpec;
  notes?: string[];
}

export type ParameterValue = string | number | boolean | null;

export interface Report {
  /** Report name as on the command line, e.g. "distance", "snapshot". */
  name: string;
  title: string;
  /** When the report was generated (ms since the Unix epoch). */
  generatedAt: number;
  parameters: Readonly<Record<string, ParameterValue>>;
  sections: Section[];
  /**
   * Report-specific top-level JSON fields: the machine-readable contract of each report
   * (e.g. distance: `samples`, `geth`, `parity`). Merged into the JSON output next to the metadata.
   */
  data?: Readonly<Record<string, unknown>>;
}

/** Keys the JSON renderer writes itself; `data` may not use them. */
export const RESERVED_JSON_KEYS = ['report', 'title', 'generated_at', 'parameters', 'sections'] as const;

const NUMERIC: ReadonlySet<ColumnType> = new Set(['integer', 'number', 'percent', 'ms', 'timestamp']);

export function isNumericColumn(column: Column): boolean {
  return NUMERIC.has(column.type);
}

export function columnLabel(column: Column): string {
  return column.label ?? column.key;
}

/**
 * Check a report's internal consistency (a bug in a report module otherwise): unique ids and keys,
 * cells of the right type, charts pointing at numeric columns. Renderers call this first.
 */
export function validateReport(report: Report): void {
  if (!Number.isFinite(report.generatedAt)) throw new ReportModelError('generatedAt must be a finite timestamp');
  const sectionIds = new Set<string>();
  for (const section of report.sections) {
    if (!section.id || sectionIds.has(section.id)) throw new ReportModelError(`duplicate or empty section id "${section.id}"`);
    sectionIds.add(section.id);
    validateSection(section);
  }
  for (const key of RESERVED_JSON_KEYS) {
    if (report.data && Object.hasOwn(report.data, key)) throw new ReportModelError(`report data may not use the key "${key}"`);
  }
}

function validateSection(section: Section): void {
  const byKey = new Map<string, Column>();
  for (const column of section.columns) {
    if (!column.key || byKey.has(column.key)) throw new ReportModelError(`section ${section.id}: duplicate or empty column key "${column.key}"`);
    if (!(COLUMN_TYPES as readonly string[]).includes(column.type)) {
      throw new ReportModelError(`section ${section.id}: column ${column.key} has unknown type ${String(column.type)}`);
    }
    if (column.digits !== undefined && (!Number.isInteger(column.digits) || column.digits < 0 || column.digits > 10)) {
      throw new ReportModelError(`section ${section.id}: column ${column.key} digits must be 0..10`);
    }
    byKey.set(column.key, column);
  }
  section.rows.forEach((row, i) => {
    for (const column of section.columns) {
      const cell = row[column.key];
      if (cell === null || cell === undefined) continue;
      const ok = column.type === 'text' ? typeof cell === 'string' : typeof cell === 'number';
      if (!ok) throw new ReportModelError(`section ${section.id}: row ${i} column ${column.key} must be ${column.type === 'text' ? 'a string' : 'a number'}`);
    }
  });
  const chart = section.chart;
  if (!chart) return;
  if (!(CHART_TYPES as readonly string[]).includes(chart.type)) throw new ReportModelError(`section ${section.id}: unknown chart type ${String(chart.type)}`);
  const x = byKey.get(chart.x);
  if (!x) throw new ReportModelError(`section ${section.id}: chart x column "${chart.x}" does not exist`);
  if ((chart.type === 'histogram' || chart.type === 'line') && !isNumericColumn(x)) {
    throw new ReportModelError(`section ${section.id}: a ${chart.type} chart needs a numeric x column`);
  }
  if (chart.series.length === 0) throw new ReportModelError(`section ${section.id}: chart has no series`);
  for (const key of chart.series) {
    const column = byKey.get(key);
    if (!column || !isNumericColumn(column)) throw new ReportModelError(`section ${section.id}: chart series "${key}" must be a numeric column`);
  }
}

/** Cell value of a row, treating missing and non-finite numbers as null. */
export function cellValue(row: Row, column: Column): Cell {
  const v = row[column.key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}
