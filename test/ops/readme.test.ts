/**
 * README.md stays in step with the CLI: every command and every option `--help` lists is in the
 * command's paragraph, every report name is mentioned, and the quick start's commands exist.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { REPORT_NAMES } from '../../src/report/registry.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README paragraph that documents `nodefinder <name>` (starts with **`nodefinder <name>). */
function paragraph(name: string): string {
  const start = readme.indexOf(`**\`nodefinder ${name}`);
  if (start < 0) return '';
  const end = readme.indexOf('\n\n', start);
  return readme.slice(start, end < 0 ? undefined : end);
}

function options(c: Command): string[] {
  return c.options.map((o) => o.long!).filter((l) => l !== '--help');
}

describe('README.md', () => {
  const program = buildProgram();

  it('documents every command with every option --help lists', () => {
    const commands = program.commands.filter((c) => c.name() !== 'help');
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const c of commands) {
      const text = paragraph(c.name());
      expect(text, `no README paragraph for nodefinder ${c.name()}`).not.toBe('');
      const subs = c.commands.filter((s) => s.name() !== 'help');
      for (const s of subs) expect(text, `nodefinder ${c.name()} ${s.name()}`).toContain(s.name());
      for (const o of [...options(c), ...subs.flatMap(options)]) expect(text, `nodefinder ${c.name()} ${o}`).toContain(`\`${o}`);
    }
    expect(readme).toContain('`--debug`');
  });

  it('names every report', () => {
    const text = paragraph('report <name>');
    for (const r of REPORT_NAMES) expect(text, r).toMatch(new RegExp(`\\b${r}\\b`));
  });

  it('quick start commands exist; the sections the issue asks for are there', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    for (const script of ['demo', 'test', 'bench', 'dashboards', 'geo:load']) {
      expect(pkg.scripts[script], script).toBeDefined();
      expect(readme).toContain(`npm run ${script === 'test' ? 'test' : script}`.replace('npm run test', 'npm test'));
    }
    for (const heading of [
      '## Quick start',
      '## What NodeFinder measures, and how',
      '## Running against mainnet',
      '## Many hosts on one Postgres',
      '## Dashboards and docker compose',
      '## Commands',
      '## Architecture in brief',
      '## Tests',
      '## Performance',
    ]) {
      expect(readme).toContain(`\n${heading}\n`);
    }
  });
});
