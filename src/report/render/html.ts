/**
 * `--format html`: ONE self-contained file — inline CSS, inline SVG charts, no scripts, no fonts, no
 * images, no links out. A Content-Security-Policy meta tag makes the browser refuse any load anyway.
 * Structure for accessibility: one h1, an h2 per section, charts as role="img" with title/desc,
 * every table with row/column headers; light and dark colour schemes; prints without clipping.
 */
import { VERSION } from '../../version.js';
import { formatCell, isoTimestamp } from './format.js';
import { escapeHtml } from './html-escape.js';
import { columnLabel, isNumericColumn, validateReport, type Report, type Section } from './model.js';
import { renderChart } from './svg-chart.js';

export interface HtmlRenderOptions {
  /** Tables longer than this are folded under a <details> when the section has a chart (default 30). */
  foldRowsAbove?: number;
}

/** Shared with the web view (src/serve), so its pages look like the reports. */
export const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#57606a;--rule:#d8dee4;--grid:#e8ebef;--card:#f6f8fa;--accent:#0a5fa3;--stripe:#f9fafb}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9aa4ae;--rule:#30363d;--grid:#22282f;--card:#151b23;--accent:#6cb6ff;--stripe:#121820}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1040px;margin:0 auto;padding:32px 24px 48px}
h1{font-size:1.8rem;line-height:1.25;margin:0 0 .3rem}
h2{font-size:1.3rem;margin:0 0 .75rem}
a{color:var(--accent)}
.meta{color:var(--muted);margin:0 0 1rem}
dl.params{display:flex;flex-wrap:wrap;gap:.4rem .6rem;margin:0 0 1rem;padding:0}
dl.params div{background:var(--card);border:1px solid var(--rule);border-radius:6px;padding:.15rem .6rem;font-size:.9rem}
dl.params dt{display:inline;color:var(--muted)}
dl.params dt::after{content:":"}
dl.params dd{display:inline;margin:0 0 0 .3em;font-weight:600;font-variant-numeric:tabular-nums}
nav.toc ol{margin:.25rem 0 0;padding-left:1.4rem}
section{margin-top:2.25rem;padding-top:1.25rem;border-top:1px solid var(--rule)}
figure{margin:0 0 1rem;background:var(--card);border:1px solid var(--rule);border-radius:10px;padding:10px 12px 4px}
svg.chart{display:block;width:100%;height:auto;color:var(--fg);font-family:inherit}
svg.chart text{fill:currentColor}
svg.chart .tick{fill:var(--muted)}
svg.chart .axis-title{font-weight:600}
svg.chart .grid line{stroke:var(--grid)}
svg.chart .axis line,svg.chart .tick-mark{stroke:var(--muted)}
svg.chart .mark:hover{opacity:.75}
.table-wrap{display:inline-block;max-width:100%;max-height:32rem;overflow:auto;border:1px solid var(--rule);border-radius:8px;vertical-align:top}
table{border-collapse:collapse;font-size:.9rem;font-variant-numeric:tabular-nums}
th,td{padding:.35rem .55rem;text-align:left;border-bottom:1px solid var(--rule);white-space:nowrap}
tbody tr:nth-child(even){background:var(--stripe)}
thead th{position:sticky;top:0;background:var(--card);z-index:1;white-space:normal;vertical-align:bottom;min-width:3.5em}
tbody th{font-weight:500}
.num{text-align:right}
details summary{cursor:pointer;color:var(--accent);margin:.25rem 0 .5rem}
ul.notes{color:var(--muted);margin:.75rem 0 0;padding-left:1.2rem}
footer{color:var(--muted);font-size:.85rem;margin-top:3rem}
.empty{color:var(--muted);font-style:italic}
@media print{.table-wrap{max-height:none;overflow:visible}figure{break-inside:avoid}details{display:block}}
`.trim();

export function renderHtml(report: Report, options: HtmlRenderOptions = {}): string {
  validateReport(report);
  const fold = options.foldRowsAbove ?? 30;
  const generated = isoTimestamp(report.generatedAt);
  const params = Object.entries(report.parameters);
  const out: string[] = [];
  out.push(
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Nothing may load from anywhere: styles are inline, charts are inline SVG.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="NodeFinder ${escapeHtml(VERSION)}">`,
    `<title>${escapeHtml(report.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p class="meta">Report <code>${escapeHtml(report.name)}</code>, generated <time datetime="${generated}">${generated.replace('T', ' ')}</time></p>`,
  );
  if (params.length > 0) {
    out.push('<dl class="params" aria-label="Parameters">');
    for (const [k, v] of params) out.push(`<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v === null ? '–' : String(v))}</dd></div>`);
    out.push('</dl>');
  }
  if (report.sections.length > 2) {
    out.push('<nav class="toc" aria-label="Sections"><ol>');
    for (const s of report.sections) out.push(`<li><a href="#${anchor(s.id)}">${escapeHtml(s.title)}</a></li>`);
    out.push('</ol></nav>');
  }
  out.push('</header>');
  report.sections.forEach((section, i) => out.push(renderSection(section, i, fold)));
  out.push(`<footer>Generated by NodeFinder ${escapeHtml(VERSION)}. Self-contained: no scripts, no external resources.</footer>`);
  out.push('</main>', '</body>', '</html>', '');
  return out.join('\n');
}

function anchor(id: string): string {
  return `s-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function renderSection(section: Section, index: number, fold: number): string {
  const id = anchor(section.id);
  const headingId = `${id}-h`;
  const out: string[] = [`<section id="${id}" aria-labelledby="${headingId}">`, `<h2 id="${headingId}">${escapeHtml(section.title)}</h2>`];
  if (section.chart && section.rows.length > 0) {
    out.push('<figure>', renderChart(section, { idPrefix: `c${index}` }), '</figure>');
  }
  const table = renderTableHtml(section, headingId);
  if (section.chart && section.rows.length > fold) {
    out.push(`<details><summary>Data table (${section.rows.length} rows)</summary>`, table, '</details>');
  } else {
    out.push(table);
  }
  if (section.notes && section.notes.length > 0) {
    out.push('<ul class="notes">', ...section.notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

function renderTableHtml(section: Section, headingId: string): string {
  if (section.rows.length === 0) return '<p class="empty">No rows.</p>';
  const cls = section.columns.map((c) => (isNumericColumn(c) ? ' class="num"' : ''));
  const out: string[] = [
    // tabindex makes the scrollable region reachable from the keyboard (WCAG 2.1.1).
    `<div class="table-wrap" role="region" aria-labelledby="${headingId}" tabindex="0">`,
    `<table aria-labelledby="${headingId}">`,
    '<thead><tr>',
    ...section.columns.map((c, i) => `<th scope="col"${cls[i]}>${escapeHtml(columnLabel(c))}</th>`),
    '</tr></thead>',
    '<tbody>',
  ];
  for (const row of section.rows) {
    const cells = section.columns.map((c, i) => {
      const text = escapeHtml(formatCell(row, c));
      return i === 0 ? `<th scope="row"${cls[i]}>${text}</th>` : `<td${cls[i]}>${text}</td>`;
    });
    out.push(`<tr>${cells.join('')}</tr>`);
  }
  out.push('</tbody>', '</table>', '</div>');
  return out.join('\n');
}
