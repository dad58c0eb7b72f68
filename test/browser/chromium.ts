/**
 * Headless Chromium (Debian's package) for the browser tests. Locally, without a Chromium, the suites
 * are skipped with the reason in their title; under CI (CI=true) they run and fail instead, because
 * `.ci/run` installs Chromium and a skipped browser test there would prove nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe } from 'vitest';

function findChromium(): string | null {
  const env = process.env['CHROMIUM_PATH'];
  if (env) return existsSync(env) ? env : null;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

export const chromiumPath = findChromium();
const inCi = process.env['CI'] === 'true' || process.env['CI'] === '1';
const MISSING = 'no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)';

/** `describe` when Chromium is there or CI demands it; `describe.skip` (reason in the title) otherwise. */
export function describeBrowser(title: string, body: () => void): void {
  if (chromiumPath || inCi) describe(title, body);
  else describe.skip(`${title} — SKIPPED: ${MISSING}`, body);
}

/**
 * Runs headless Chromium on a local file (`--dump-dom`, `--screenshot=…`) with everything that could
 * reach the network switched off; profiles live under `workDir`.
 */
export function runChromium(workDir: string, args: string[], file: string): Promise<string> {
  if (!chromiumPath) return Promise.reject(new Error(`browser tests need Chromium in CI: ${MISSING}`));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-extensions',
    '--hide-scrollbars',
    `--user-data-dir=${mkdtempSync(join(workDir, 'profile-'))}`,
    ...args,
    pathToFileURL(file).href,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromiumPath, flags, { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}
