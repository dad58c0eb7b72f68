/**
 * The HTML reports in a real browser: headless Chromium dumps the DOM (the charts parsed as SVG) and
 * takes a screenshot (the charts actually painted, found by their series colours). Skipped locally
 * without a Chromium, failed in CI (test/browser/chromium.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBrowser, runChromium } from '../browser/chromium.js';
import { buildDistanceReport } from '../../src/analysis/distance-report.js';
import { runDistanceStudy } from '../../src/analysis/distance-study.js';
import { runLookupSimulation } from '../../src/analysis/lookup-sim.js';
import { renderHtml } from '../../src/report/render/index.js';
import { SERIES_COLORS } from '../../src/report/render/svg-chart.js';
import { countColor, decodePng } from './png.js';
import { sampleReport } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'nodefinder-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeReport(name: string, html: string): string {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  return file;
}

describeBrowser('HTML reports in headless Chromium', () => {
  const sample = writeReport('sample', renderHtml(sampleReport()));
  const study = runDistanceStudy({ samples: 20_000, seed: 3 });
  const lookup = runLookupSimulation({ nodes: 200, lookups: 30, seed: 3 });
  const distance = writeReport('distance', renderHtml(buildDistanceReport({ study, lookup, generatedAt: Date.UTC(2024, 0, 1) })));

  it('parses every chart as SVG with its marks (DOM dump)', async () => {
    const dom = await runChromium(dir, ['--dump-dom'], sample);
    const charts = [...dom.matchAll(/<svg class="chart chart-([a-z-]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual(['bar', 'histogram', 'line', 'stacked-bar']);
    expect((dom.match(/<rect class="mark bar"/g) ?? []).length).toBeGreaterThan(40);
    expect((dom.match(/<polyline class="mark line"/g) ?? []).length).toBe(3);
    // the parser kept our escaped title as text, not markup
    expect(dom).toContain('<h1>Sample report &lt;with&gt; "every" chart &amp; type</h1>');
    const distanceDom = await runChromium(dir, ['--dump-dom'], distance);
    expect([...distanceDom.matchAll(/<svg class="chart chart-([a-z-]+)"/g)].map((m) => m[1])).toEqual(['histogram', 'histogram', 'line']);
  });

  it('paints the charts: a screenshot holds each series colour in quantity', async () => {
    const png = join(dir, 'sample.png');
    await runChromium(dir, [`--screenshot=${png}`, '--window-size=1100,4200'], sample);
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
    await runChromium(dir, [`--screenshot=${png}`, '--window-size=1100,3800'], distance);
    const image = decodePng(readFileSync(png));
    expect(countColor(image, SERIES_COLORS[0])).toBeGreaterThan(20_000); // two filled histograms
    expect(countColor(image, SERIES_COLORS[1])).toBeGreaterThan(200); // geth-initiator line
  });
});
