/**
 * Report model and renderers, shared by every `nodefinder report <name>` and `nodefinder distance`.
 * Build a Report (model.ts), then `renderReport(report, format)`; the CLI side (--format/--out) is in
 * output.ts.
 */
import { renderCsv, type CsvRenderOptions } from './csv.js';
import { renderHtml, type HtmlRenderOptions } from './html.js';
import { renderJson } from './json.js';
import type { Report } from './model.js';
import { renderTable, type TableRenderOptions } from './table.js';

export * from './model.js';
export { ReportModelError } from './errors.js';
export { renderCsv, csvField, csvRecord, type CsvRenderOptions } from './csv.js';
export { renderHtml, type HtmlRenderOptions } from './html.js';
export { renderJson, toJsonObject } from './json.js';
export { renderTable, type TableRenderOptions } from './table.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(text: string): text is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(text);
}

export interface RenderOptions {
  table?: TableRenderOptions;
  csv?: CsvRenderOptions;
  html?: HtmlRenderOptions;
}

export function renderReport(report: Report, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderTable(report, options.table);
    case 'json':
      return renderJson(report);
    case 'csv':
      return renderCsv(report, options.csv);
    case 'html':
      return renderHtml(report, options.html);
  }
}
