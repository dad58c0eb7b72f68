/**
 * The HTML reports in a real browser: headless Chromium dumps the DOM (the charts parsed as SVG) and
 * takes a screenshot (the charts actually painted, found by their series colours). Skipped, with the
 * reason in the test name, when no Chromium is installed (Debian: apt-get install chromium; or set
 * CHROMIUM_PATH).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDistanceReport } from '../../src/analysis/distance-report.js';
import { runDistanceStudy } from '../../src/analysis/distance-study.js';
import { runLookupSimulation } from '../../src/analysis/lookup-sim.js';
import { renderHtml } from '../../src/report/render/index.js';
import { SERIES_COLORS } from '../../src/report/render/svg-chart.js';
import { countColor, decodePng } from './png.js';
import { sampleReport } from './fixtures.js';

function findChromium(): string | null {
  const env = process.env.CHROMIUM_PATH;
  if (env) return existsSync(env) ? env : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
      const path = join(dir, name);
      if (dir && existsSync(path)) return path;
    }
  }
  return null;
}

const chromium = findChromium();
const SKIP_REASON = 'SKIPPED: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)';
if (!chromium) console.warn(`browser.test.ts: ${SKIP_REASON}`);

const dir = mkdtempSync(join(tmpdir(), 'nodefinder-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run headless Chromium on a local file; everything that could reach the network is switched off. */
function runChromium(args: string[], file: string): Promise<string> {
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-extensions',
    '--hide-scrollbars',
    `--user-data-dir=${mkdtempSync(join(dir, 'profile-'))}`,
    ...args,
    pathToFileURL(file).href,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromium!, flags, { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

function writeReport(name: string, html: string): string {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  return file;
}

describe.skipIf(!chromium)(`HTML reports in headless Chromium${chromium ? '' : ` — ${SKIP_REASON}`}`, () => {
  const sample = writeReport('sample', renderHtml(sampleReport()));
  const study = runDistanceStudy({ samples: 20_000, seed: 3 });
  const lookup = runLookupSimulation({ nodes: 200, lookups: 30, seed: 3 });
  const distance = writeReport('distance', renderHtml(buildDistanceReport({ study, lookup, generatedAt: Date.UTC(2024, 0, 1) })));

  it('parses every chart as SVG with its marks (DOM dump)', async () => {
    const dom = await runChromium(['--dump-dom'], sample);
    const charts = [...dom.matchAll(/<svg class="chart chart-([a-z-]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual(['bar', 'histogram', 'line', 'stacked-bar']);
    expect((dom.match(/<rect class="mark bar"/g) ?? []).length).toBeGreaterThan(40);
    expect((dom.match(/<polyline class="mark line"/g) ?? []).length).toBe(3);
    // the parser kept our escaped title as text, not markup
    expect(dom).toContain('<h1>Sample report &lt;with&gt; "every" chart &amp; type</h1>');
    const distanceDom = await runChromium(['--dump-dom'], distance);
    expect([...distanceDom.matchAll(/<svg class="chart chart-([a-z-]+)"/g)].map((m) => m[1])).toEqual(['histogram', 'histogram', 'line']);
  });

  it('paints the charts: a screenshot holds each series colour in quantity', async () => {
    const png = join(dir, 'sample.png');
    await runChromium([`--screenshot=${png}`, '--window-size=1100,4200'], sample);
    const image = decodePng(readFileSync(png));
    expect(image.width).toBe(1100);
    // bar, histogram, stacked segments and lines in the first three series colours
    for (const color of SERIES_COLORS.slice(0, 3)) expect(countColor(image, color), color).toBeGreaterThan(1500);
    // …and the page is not blank: most pixels are background, but a good share is not
    const background = countColor(image, '#ffffff', 2);
    expect(background / (image.width * image.height)).toBeLessThan(0.95);
  });

  it('paints the distance report: both histograms and the lookup lines', async () => {
    const png = join(dir, 'distance.png');
    await runChromium([`--screenshot=${png}`, '--window-size=1100,3800'], distance);
    const image = decodePng(readFileSync(png));
    expect(countColor(image, SERIES_COLORS[0])).toBeGreaterThan(20_000); // two filled histograms
    expect(countColor(image, SERIES_COLORS[1])).toBeGreaterThan(200); // geth-initiator line
  });
});
