/**
 * `--format table`: aligned plain text for terminals. Numbers are right-aligned, text left-aligned;
 * bar and histogram sections get a bar column drawn with block characters so the shape is visible
 * without opening the HTML. All text is stripped of terminal control sequences.
 */
import { displayWidth, formatCell, isoTimestamp, sanitizeForTerminal } from './format.js';
import { cellValue, columnLabel, isNumericColumn, validateReport, type Column, type Report, type Section } from './model.js';

export interface TableRenderOptions {
  /** Draw block-character bars for bar/histogram/stacked-bar charts (default true). */
  bars?: boolean;
  /** Width of a bar column in characters (default 24). */
  barWidth?: number;
}

const GAP = '  ';
/** Eighth blocks: index i draws i/8 of a cell. */
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const FULL = '█';
/** More bar columns than this would not fit a terminal. */
const MAX_BAR_SERIES = 3;

export function renderTable(report: Report, options: TableRenderOptions = {}): string {
  validateReport(report);
  const out: string[] = [];
  const title = sanitizeForTerminal(report.title);
  out.push(title, '═'.repeat(Math.max(3, displayWidth(title))));
  out.push(`Generated ${isoTimestamp(report.generatedAt).replace('T', ' ')}`);
  const params = Object.entries(report.parameters);
  if (params.length > 0) {
    out.push(`Parameters: ${params.map(([k, v]) => `${sanitizeForTerminal(k)}=${sanitizeForTerminal(v === null ? '–' : String(v))}`).join('  ')}`);
  }
  for (const section of report.sections) {
    out.push('', ...renderSection(section, options));
  }
  return `${out.join('\n')}\n`;
}

function renderSection(section: Section, options: TableRenderOptions): string[] {
  const lines: string[] = [];
  const title = sanitizeForTerminal(section.title);
  lines.push(title, '─'.repeat(Math.max(3, displayWidth(title))));
  const columns = section.columns;
  const header = columns.map((c) => sanitizeForTerminal(columnLabel(c)));
  const body = section.rows.map((row) => columns.map((c) => sanitizeForTerminal(formatCell(row, c))));
  const barSeries = barColumns(section, options);
  const barWidth = Math.max(4, Math.min(80, options.barWidth ?? 24));
  if (barSeries.length > 0) {
    for (const s of barSeries) header.push(sanitizeForTerminal(columnLabel(s.column)));
    body.forEach((cells, i) => {
      for (const s of barSeries) {
        const v = cellValue(section.rows[i]!, s.column);
        cells.push(typeof v === 'number' && v > 0 && s.max > 0 ? bar((v / s.max) * barWidth) : '');
      }
    });
  }
  const allColumns: { numeric: boolean }[] = [
    ...columns.map((c) => ({ numeric: isNumericColumn(c) })),
    ...barSeries.map(() => ({ numeric: false })),
  ];
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i]!))));
  const fmt = (cells: string[]) =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, allColumns[i]!.numeric))
      .join(GAP)
      .trimEnd();
  lines.push(fmt(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join(GAP));
  if (body.length === 0) lines.push('(no rows)');
  for (const cells of body) lines.push(fmt(cells));
  for (const note of section.notes ?? []) lines.push(`  • ${sanitizeForTerminal(note)}`);
  return lines;
}

function barColumns(section: Section, options: TableRenderOptions): { column: Column; max: number }[] {
  const chart = section.chart;
  if (options.bars === false || !chart || chart.type === 'line') return [];
  const series = chart.series.slice(0, MAX_BAR_SERIES);
  return series.map((key) => {
    const column = section.columns.find((c) => c.key === key)!;
    let max = 0;
    for (const row of section.rows) {
      const v = cellValue(row, column);
      if (typeof v === 'number' && v > max) max = v;
    }
    return { column: { ...column, label: `${columnLabel(column)} (bar)` }, max };
  });
}

function bar(cells: number): string {
  const eighths = Math.max(1, Math.round(cells * 8));
  return FULL.repeat(Math.floor(eighths / 8)) + PARTIAL[eighths % 8]!;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

