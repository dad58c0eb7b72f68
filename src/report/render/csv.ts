/**
 * `--format csv` (RFC 4180): CRLF line ends; a field is quoted when it holds a comma, a quote, CR or
 * LF, and quotes inside are doubled. Values are machine values (full precision, percent as a fraction,
 * ISO timestamps, empty for null).
 *
 * A report has several tables with different columns, so each section is its own block: a one-field
 * record `# <section id>: <title>`, the header record of column keys, the rows; blocks are separated
 * by an empty line. Pass `sections` to get a single plain CSV table with no block header.
 *
 * Text cells that a spreadsheet would run as a formula (leading = + - @ TAB CR) get a leading
 * apostrophe (OWASP "CSV injection"): client IDs are chosen by remote peers.
 */
import { machineCell } from './format.js';
import { validateReport, type Report, type Section } from './model.js';
import { ReportModelError } from './errors.js';

export interface CsvRenderOptions {
  /** Only these section ids, in this order. With exactly one, no block header is written. */
  sections?: string[];
  /** Neutralize formula-looking text cells (default true). */
  formulaGuard?: boolean;
}

const CRLF = '\r\n';

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvRecord(fields: string[]): string {
  return fields.map(csvField).join(',') + CRLF;
}

function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function sectionCsv(section: Section, guard: boolean): string {
  let out = csvRecord(section.columns.map((c) => c.key));
  for (const row of section.rows) {
    out += csvRecord(
      section.columns.map((c) => {
        const v = machineCell(row, c);
        return guard && c.type === 'text' ? guardFormula(v) : v;
      }),
    );
  }
  return out;
}

export function renderCsv(report: Report, options: CsvRenderOptions = {}): string {
  validateReport(report);
  const guard = options.formulaGuard ?? true;
  let sections = report.sections;
  if (options.sections) {
    sections = options.sections.map((id) => {
      const s = report.sections.find((x) => x.id === id);
      if (!s) throw new ReportModelError(`no section "${id}" in report ${report.name}`);
      return s;
    });
    if (sections.length === 1) return sectionCsv(sections[0]!, guard);
  }
  return sections.map((s) => csvRecord([`# ${s.id}: ${s.title}`]) + sectionCsv(s, guard)).join(CRLF);
}
