/**
 * Load generator for bench/serve.bench.ts, run as its own process so the server's event loop is not
 * also the client's: `node serve-load-client.js <base URL> <concurrency> <seconds> <paths file>`.
 * Keeps <concurrency> requests in flight over keep-alive connections, cycling through the paths, and
 * prints one JSON line: requests, errors (non-2xx or failed), latency quantiles in ms.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [base, concurrencyText, secondsText, pathsFile] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const seconds = Number(secondsText);
const paths = readFileSync(pathsFile!, 'utf8').split('\n').filter(Boolean);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const latencies: number[] = [];
const errors: string[] = [];
let next = 0;
const end = performance.now() + seconds * 1000;

function once(path: string): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        if ((res.statusCode ?? 0) >= 300) errors.push(`${res.statusCode} ${path.slice(0, 80)}`);
        resolve();
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => {
      errors.push(`${e.message} ${path.slice(0, 80)}`);
      resolve();
    });
    req.end();
  });
}

async function worker(): Promise<void> {
  while (performance.now() < end) await once(paths[next++ % paths.length]!);
}

const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, errors: errors.length, first_errors: errors.slice(0, 5), per_second: latencies.length / elapsed, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: latencies[latencies.length - 1] ?? NaN })}\n`,
);
agent.destroy();
