/**
 * Load generator for bench/serve.bench.ts, run as its own process so the server's event loop is not
 * also the client's: `node serve-load-client.js <base URL> <concurrency> <seconds> <paths file>`.
 * Keeps <concurrency> requests in flight over keep-alive connections, cycling through the paths, and
 * prints one JSON line: requests, errors (non-2xx or failed after retries), latency quantiles in ms.
 * A 503 with Retry-After is what a well-behaved client retries after that delay (as browsers'
 * fetch wrappers and HTTP libraries do): counted in `shed`, and its latency runs to the final answer.
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
let shed = 0;
let resets = 0;
const MAX_RETRIES = 5;
let next = 0;
const end = performance.now() + seconds * 1000;

/** One attempt: the status, and the Retry-After seconds of a 503 (null otherwise). */
function attempt(path: string): Promise<{ status: number; retryAfter: number | null } | Error> {
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const ra = Number(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 0, retryAfter: res.statusCode === 503 && Number.isFinite(ra) && ra >= 0 ? ra : null });
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e));
    req.end();
  });
}

async function once(path: string): Promise<void> {
  const t0 = performance.now();
  for (let tries = 0; ; tries++) {
    const r = await attempt(path);
    if (r instanceof Error) {
      // A kept-alive socket the server closed as it was reused: GET is idempotent, so try once more
      // on a fresh one (as undici does).
      if (tries === 0) {
        resets++;
        continue;
      }
      errors.push(`${r.message} ${path.slice(0, 80)}`);
      return;
    }
    if (r.retryAfter !== null && tries < MAX_RETRIES) {
      shed++;
      await new Promise((res) => setTimeout(res, r.retryAfter! * 1000));
      continue;
    }
    latencies.push(performance.now() - t0);
    if (r.status >= 300) errors.push(`${r.status} ${path.slice(0, 80)}`);
    return;
  }
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
  `${JSON.stringify({ cpu_ms: (process.cpuUsage().user + process.cpuUsage().system) / 1000, requests: latencies.length, errors: errors.length, shed, resets, first_errors: errors.slice(0, 5), per_second: latencies.length / elapsed, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: latencies[latencies.length - 1] ?? NaN })}\n`,
);
agent.destroy();
