/**
 * Every report's HTML in a real browser (headless Chromium, Debian's package): built from the
 * hand-built dataset, each file is self-contained (no network, no scripts), parses with one SVG chart
 * per charted section, and a screenshot of the snapshot shows the charts painted. Skipped locally without a
 * Chromium, failed in CI (test/browser/chromium.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, runChromium } from '../browser/chromium.js';
import { ReportContext } from '../../src/report/context.js';
import { buildReport, REPORT_NAMES } from '../../src/report/registry.js';
import { renderHtml } from '../../src/report/render/index.js';
import type { Report } from '../../src/report/render/model.js';
import { SERIES_COLORS } from '../../src/report/render/svg-chart.js';
import { migrate } from '../../src/store/migrations.js';
import { EventWriter } from '../../src/store/writer.js';
import { closeSharedPglite, pgliteEngine, warmUp, type TestDb } from '../store/helpers.js';
import { datasetEvents, datasetGeo, externalEnodes, SINCE, UNTIL } from './dataset.js';
import { parseExternalList } from '../../src/report/external-list.js';
import { countColor, decodePng } from './png.js';

const dir = mkdtempSync(join(tmpdir(), 'nodefinder-reports-browser-'));

describeBrowser('report HTML in headless Chromium', () => {
  let t: TestDb;
  const reports = new Map<string, Report>();
  beforeAll(async () => {
    await warmUp();
    t = await pgliteEngine.fresh();
    await migrate(t.db);
    const writer = await EventWriter.open(t.db, { journalDir: null });
    const events = datasetEvents();
    writer.writeMany(events);
    // The dataset has no FINDNODE re-bonds; one answered re-bond of a node that sent HELLO gives
    // `report rebonds` a row, so its chart is drawn like every other report's.
    const helloDial = events.find((e) => e.type === 'dial' && e.hello !== null && e.nodeId !== null);
    if (helloDial?.type !== 'dial' || helloDial.nodeId === null) throw new Error('dataset has no HELLO dial');
    writer.writeMany([{ type: 'findnode_rebond', instance: helloDial.instance, nodeId: helloDial.nodeId, answered: true, at: helloDial.startedAt }]);
    await writer.flush();
    await writer.close();
    const external = parseExternalList(externalEnodes(), 'nodes.txt');
    for (const name of REPORT_NAMES) {
      const ctx = new ReportContext(t.db, { since: SINCE, until: UNTIL, generatedAt: UNTIL, geo: datasetGeo(), external: name === 'coverage' ? external : undefined });
      reports.set(name, await buildReport(name, ctx));
    }
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    await closeSharedPglite();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every report: self-contained, one SVG chart per charted section, parsed by the browser', async () => {
    for (const [name, report] of reports) {
      const html = renderHtml(report);
      expect(html).not.toMatch(/<script|<link|<img|https?:\/\//i);
      const file = join(dir, `${name}.html`);
      writeFileSync(file, html);
      const dom = await runChromium(dir, ['--dump-dom'], file);
      const charted = report.sections.filter((s) => s.chart).length;
      expect(charted, name).toBeGreaterThan(0);
      expect((dom.match(/<svg class="chart chart-/g) ?? []).length, name).toBe(charted);
      expect((dom.match(/<h2/g) ?? []).length, name).toBeGreaterThanOrEqual(report.sections.length);
      expect(dom, name).toContain(`<h1>${report.title}</h1>`);
    }
  }, 300_000);

  it('paints the snapshot charts (screenshot pixels in the series colours)', async () => {
    const file = join(dir, 'snapshot.html');
    const png = join(dir, 'snapshot.png');
    await runChromium(dir, [`--screenshot=${png}`, '--window-size=1100,9000'], file);
    const image = decodePng(readFileSync(png));
    expect(image.width).toBe(1100);
    expect(countColor(image, SERIES_COLORS[0])).toBeGreaterThan(5000);
    expect(countColor(image, SERIES_COLORS[1])).toBeGreaterThan(1000);
  }, 120_000);
});
