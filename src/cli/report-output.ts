/**
 * The CLI side of reports, shared by every command that prints one: the `--format` and `--out`
 * options, their validation (bad values are usage errors, exit 2), and writing the result — to
 * stdout, or atomically to a file (temp file + rename, so a reader never sees half a report).
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { RuntimeError, UsageError } from './errors.js';
import { isReportFormat, renderReport, REPORT_FORMATS, type RenderOptions, type ReportFormat } from '../report/render/index.js';
import type { Report } from '../report/render/model.js';

export interface ReportOutputOptions {
  format: ReportFormat;
  /** File to write; stdout when absent. */
  out?: string;
}

/** Add `--format table|json|csv|html` (default table) and `--out <file>` to a command. */
export function addReportOutputOptions(command: Command, defaultFormat: ReportFormat = 'table'): Command {
  return command
    .option('--format <format>', `output format: ${REPORT_FORMATS.join('|')}`, defaultFormat)
    .option('--out <file>', 'write the report to this file instead of stdout');
}

/** Validate the raw option values commander collected. */
export function parseReportOutputOptions(raw: { format?: unknown; out?: unknown }): ReportOutputOptions {
  const format = raw.format === undefined ? 'table' : String(raw.format);
  if (!isReportFormat(format)) {
    throw new UsageError(`invalid --format ${JSON.stringify(format)}: expected one of ${REPORT_FORMATS.join(', ')}`);
  }
  if (raw.out === undefined) return { format };
  const out = String(raw.out);
  if (out.trim() === '') throw new UsageError('invalid --out: empty file name');
  return { format, out };
}

export interface WriteTargets {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
}

/** Write rendered text to stdout, or atomically to `out` (then one line on stderr saying where). */
export async function writeReportOutput(text: string, out: string | undefined, targets: WriteTargets = {}): Promise<void> {
  const stdout = targets.stdout ?? process.stdout;
  const stderr = targets.stderr ?? process.stderr;
  if (out === undefined || out === '-') {
    stdout.write(text);
    return;
  }
  const tmp = `${out}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
    await rename(tmp, out);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const reason = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
    throw new RuntimeError(`cannot write report to ${out}: ${reason}`);
  }
  stderr.write(`wrote ${out} (${Buffer.byteLength(text)} bytes)\n`);
}

/** Render and write in one call: what a report command's action ends with. */
export async function emitReport(report: Report, options: ReportOutputOptions, render: RenderOptions = {}, targets: WriteTargets = {}): Promise<void> {
  await writeReportOutput(renderReport(report, options.format, render), options.out, targets);
}
