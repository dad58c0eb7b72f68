import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { portBase } from '../integration/helpers.js';

const viteNode = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const cliEntry = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));

/**
 * Run `nodefinder testnet` from source in a child. src/cli/run.ts only sets process.exitCode, so
 * the child exits only if the testnet left no socket or timer behind. A child still alive after
 * `killAfterMs` is killed and reported as such (the test then fails).
 */
function runChild(args: string[], opts: { sigintAfterOutput?: RegExp; killAfterMs: number }) {
  const child = spawn(process.execPath, [viteNode, cliEntry, 'testnet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let killed = false;
  let signalled = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (opts.sigintAfterOutput && !signalled && opts.sigintAfterOutput.test(stderr)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const guard = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, opts.killAfterMs);
  return new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, killed, stdout, stderr });
    }),
  );
}

// Below the ephemeral range: a port the OS handed to a parallel file's outgoing socket is taken (EADDRINUSE).
const port = () => String(portBase());

describe('nodefinder testnet as a process', () => {
  it('exits by itself with code 0 when --duration ends', async () => {
    const r = await runChild(['--nodes', '8', '--port', port(), '--duration', '2s'], { killAfterMs: 45_000 });
    expect(r.killed, r.stderr).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(8);
    expect(r.stderr).toMatch(/testnet: stopped, sockets closed/);
  }, 60_000);

  it('exits by itself with code 0 on Ctrl-C (SIGINT)', async () => {
    const r = await runChild(['--nodes', '8', '--port', port()], { sigintAfterOutput: /testnet: 8 peers on/, killAfterMs: 45_000 });
    expect(r.killed, r.stderr).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/SIGINT received, stopping\ntestnet: stopped, sockets closed/);
  }, 60_000);
});
