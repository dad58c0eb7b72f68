import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../src/cli/errors.js';
import { addReportOutputOptions, emitReport, parseReportOutputOptions, writeReportOutput } from '../../src/cli/report-output.js';
import { sampleReport } from '../report/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'nodefinder-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sink = () => {
  let text = '';
  return { write: (s: string) => (text += s), get text() { return text; } };
};

describe('--format / --out options', () => {
  it('adds both options with a default format', () => {
    const cmd = addReportOutputOptions(new Command('x').exitOverride());
    cmd.parse(['--out', 'a.html'], { from: 'user' });
    expect(cmd.opts()).toEqual({ format: 'table', out: 'a.html' });
  });

  it('accepts the four formats and refuses anything else as a usage error (exit 2)', () => {
    for (const format of ['table', 'json', 'csv', 'html']) expect(parseReportOutputOptions({ format })).toEqual({ format });
    for (const format of ['xml', 'HTML', '', 'json ']) {
      const err = (() => {
        try {
          parseReportOutputOptions({ format });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as Error).message).not.toContain('\n');
    }
    expect(() => parseReportOutputOptions({ format: 'json', out: ' ' })).toThrow(UsageError);
  });
});

describe('writeReportOutput', () => {
  it('writes to stdout without --out (and for "-")', async () => {
    const out = sink();
    const err = sink();
    await writeReportOutput('hello\n', undefined, { stdout: out, stderr: err });
    await writeReportOutput('again\n', '-', { stdout: out, stderr: err });
    expect(out.text).toBe('hello\nagain\n');
    expect(err.text).toBe('');
  });

  it('writes a file atomically, replacing an old one, leaving no temp files, and says where on stderr', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, 'old');
    const out = sink();
    const err = sink();
    await emitReport(sampleReport(), { format: 'html', out: file }, {}, { stdout: out, stderr: err });
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/);
    expect(out.text).toBe('');
    expect(err.text).toMatch(/^wrote .*report\.html \(\d+ bytes\)\n$/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with a one-line runtime error (exit 1) when the file cannot be written', async () => {
    const blocked = join(dir, 'no-such-dir', 'r.json');
    await expect(writeReportOutput('{}', blocked, { stdout: sink(), stderr: sink() })).rejects.toBeInstanceOf(RuntimeError);
    await expect(writeReportOutput('{}', blocked, { stdout: sink(), stderr: sink() })).rejects.toThrow(/^cannot write report to .*: ENOENT$/);
    // a directory in the way: the rename fails, and the temp file is cleaned up
    const asDir = join(dir, 'a-directory');
    mkdirSync(join(asDir, 'child'), { recursive: true });
    await expect(writeReportOutput('{}', asDir, { stdout: sink(), stderr: sink() })).rejects.toBeInstanceOf(RuntimeError);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
