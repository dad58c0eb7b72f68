/**
 * The demo's test network in its own process (`nodefinder testnet`). With the emulated peers in the
 * crawler's event loop every RTT sample also held the loop's time on 80 peers: the demo read p50 19 ms
 * on an idle 2-core machine, against 2 ms with the peers in a process of their own (measured).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from './errors.js';

/** What the demo reads of the testnet's manifest (src/testnet/manifest.ts), checked on load. */
export interface DemoManifest {
  summary: { clients: Record<string, number>; networks: Record<string, number>; full: number; noTcp: number };
  peers: { nodeId: string; dialsByEnr: boolean; network: { name: string } }[];
}

export interface ChildTestnet {
  /** The manifest file's text, as the testnet wrote it. */
  manifestJson: string;
  manifest: DemoManifest;
  enodes: string[];
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/** bin/nodefinder.js of this package (src/cli or dist/src/cli below the package root). */
function cliEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, 'bin', 'nodefinder.js');
    if (existsSync(join(dir, 'package.json')) && existsSync(bin)) {
      if (!existsSync(join(dir, 'dist', 'src', 'cli', 'run.js'))) throw new RuntimeError('the demo runs `nodefinder testnet` from dist/: run `npm run build` first');
      return bin;
    }
    dir = dirname(dir);
  }
  throw new RuntimeError('cannot find bin/nodefinder.js to start the test network');
}

function parseManifest(text: string): DemoManifest {
  const m = JSON.parse(text) as Partial<DemoManifest>;
  const ok =
    typeof m === 'object' && m !== null && typeof m.summary === 'object' && Array.isArray(m.peers) &&
    m.peers.every((p) => typeof p?.nodeId === 'string' && typeof p.dialsByEnr === 'boolean' && typeof p.network?.name === 'string');
  if (!ok) throw new RuntimeError('the test network wrote a manifest of an unexpected shape');
  return m as DemoManifest;
}

/** Start `nodefinder testnet` and resolve once its enodes and manifest are written. */
export function spawnTestnet(o: { nodes: number; seed: number; port: number; enodesFile: string; maxLifetimeMs: number }): Promise<ChildTestnet> {
  const args = [
    cliEntry(), 'testnet', '--nodes', String(o.nodes), '--seed', String(o.seed), '--port', String(o.port), '--host', '127.0.0.1',
    '--enodes-out', o.enodesFile, '--progress-interval', '1s',
    // An orphan (the demo killed with SIGKILL) still ends by itself.
    '--duration', `${Math.ceil(o.maxLifetimeMs / 1000)}s`,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise<ChildTestnet>((resolve, reject) => {
    let lastLine = '';
    let buffered = '';
    let files: Omit<ChildTestnet, 'close'> | undefined;
    let settled = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      void close().then(() => reject(new RuntimeError(`cannot start the test network: ${why}`)));
    };
    const timer = setTimeout(() => fail(`not ready within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    child.once('error', (err) => fail(err.message));
    const onEarlyExit = (code: number | null) => fail(`it exited (${code ?? 'signal'}): ${lastLine || 'no message'}`);
    child.once('exit', onEarlyExit);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffered = (buffered + chunk).slice(-64 * 1024);
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim()) lastLine = line.replace(/^nodefinder: /, '');
        if (settled) continue;
        // testnet.ts prints this line after writing both files.
        if (!files && line.startsWith('testnet: ') && line.includes('enodes in ')) {
          try {
            const manifestJson = readFileSync(`${o.enodesFile}.json`, 'utf8');
            const enodes = readFileSync(o.enodesFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
            files = { manifestJson, manifest: parseManifest(manifestJson), enodes };
          } catch (err) {
            fail(err instanceof Error ? err.message : String(err));
          }
          continue;
        }
        // Crawl once every peer has bootstrapped: during the peers' own PING storm their answers
        // wait behind it, and the crawl's first RTT samples would measure that instead (cli/testnet.ts
        // progressLine: "bootstrapped n/N").
        const boot = /bootstrapped (\d+)\/(\d+)/.exec(line);
        if (files && boot && boot[1] === boot[2]) {
          settled = true;
          clearTimeout(timer);
          child.off('exit', onEarlyExit);
          resolve({ ...files, close });
        }
      }
    });
  });
}
