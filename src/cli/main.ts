/**
 * The `nodefinder` program. Each command lives in its own file (src/cli/<command>.ts) exporting
 * `register<Command>(program)`, called from buildProgram(). src/cli/run.ts executes it.
 */
import { Command, CommanderError } from 'commander';
import { exitCodeFor, oneLine } from './errors.js';
import { VERSION } from '../version.js';
import { registerDistance } from './distance.js';
import { registerCrawl } from './crawl.js';
import { registerDb } from './db.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';
import { registerTestnet } from './testnet.js';
import { registerPing } from './ping.js';
import { registerDemo } from './demo.js';
import { registerEnr } from './enr.js';
import { registerExport } from './export.js';
import { registerSimulate } from './simulate.js';

export function buildProgram(): Command {
  const program = new Command('nodefinder')
    .description("Crawler and measurement tool for Ethereum's devp2p network (discv4 + RLPx + eth)")
    .version(VERSION)
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // Commands register themselves here, one line each (src/cli/<command>.ts).
  registerCrawl(program);
  registerDistance(program);
  registerDb(program);
  registerReport(program);
  registerServe(program);
  registerTestnet(program);
  registerPing(program);
  registerDemo(program);
  registerEnr(program);
  registerExport(program);
  registerSimulate(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (help, version, or a usage error)
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`nodefinder: ${oneLine(err)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCodeFor(err);
  }
}
