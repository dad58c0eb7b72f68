/**
 * The web view's page frame: the reports' stylesheet (src/report/render/html.ts) plus a few rules,
 * a header with the node search box, and the live region the client script refreshes. The CSP allows
 * exactly one inline script (this response's nonce), inline styles, and requests to this origin.
 */
import { VERSION } from '../version.js';
import { CSS } from '../report/render/html.js';
import { escapeHtml } from '../report/render/html-escape.js';
import { CLIENT_SCRIPT } from './client-script.js';

const EXTRA_CSS = `
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;border-bottom:1px solid var(--rule);padding-bottom:.75rem;margin-bottom:1rem}
header.top nav a{margin-right:1rem;font-weight:600}
form.search{display:flex;gap:.4rem;flex:1;min-width:18rem}
form.search input{flex:1;min-width:0}
input,select,button{font:inherit;padding:.25rem .45rem;border:1px solid var(--rule);border-radius:6px;background:var(--bg);color:var(--fg)}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;background:var(--card);border:1px solid var(--rule);border-radius:8px;padding:.6rem .8rem;margin:0 0 1rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:0 0 1rem}
.card{background:var(--card);border:1px solid var(--rule);border-radius:8px;padding:.4rem .8rem;min-width:7rem}
.card b{display:block;font-size:1.4rem;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:.85rem}
.verdict{font-size:1.15rem;font-weight:600;margin:.5rem 0 1rem}
.verdict.no{color:#b35900}
.pager{margin:.75rem 0;display:flex;gap:1rem;color:var(--muted)}
code.id{font-size:.85rem;word-break:break-all}
#live-status{color:var(--muted);font-size:.85rem}
h2.report{margin-top:2.5rem}
main{max-width:1240px}
#live>h2{margin-top:1.75rem}
.table-wrap.long{max-height:none}
.pager a{font-weight:600}
`.trim();

export interface PageOptions {
  title: string;
  nonce: string;
  /** Current value of the node search box. */
  search?: string;
  /** Markup above the live region (forms: not replaced on refresh). */
  head?: string;
  /** The live region's markup. */
  body: string;
  /** URL of the live region's fragment; absent = a static page. */
  liveSrc?: string;
  refreshSeconds?: number;
}

export function renderPage(o: PageOptions): string {
  const live = o.liveSrc
    ? `<p id="live-status" aria-live="polite"></p><div id="live" data-src="${escapeHtml(o.liveSrc)}" data-refresh="${o.refreshSeconds ?? 30}">${o.body}</div>`
    : `<div id="live">${o.body}</div>`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="NodeFinder ${escapeHtml(VERSION)}">`,
    `<title>${escapeHtml(o.title)} · NodeFinder</title>`,
    `<style nonce="${o.nonce}">${CSS}\n${EXTRA_CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header class="top">',
    '<nav aria-label="Pages"><a href="/">Overview</a><a href="/nodes">Nodes</a></nav>',
    '<form class="search" method="get" action="/node" role="search">',
    `<input name="q" aria-label="Node ID, enode URL or ENR" placeholder="Is my node seen? Paste a node ID, enode:// URL or enr:" value="${escapeHtml(o.search ?? '')}" maxlength="600" autocomplete="off">`,
    '<button type="submit">Find</button>',
    '</form>',
    '</header>',
    `<h1>${escapeHtml(o.title)}</h1>`,
    o.head ?? '',
    live,
    `<footer>NodeFinder ${escapeHtml(VERSION)} · read-only view of the crawl database · JSON under <a href="/api/">/api/</a></footer>`,
    '</main>',
    o.liveSrc ? `<script nonce="${o.nonce}">${CLIENT_SCRIPT}</script>` : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Timestamps from the API (ISO 8601, UTC) are shown as `YYYY-MM-DD HH:MM:SS`. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A generic table of rows (every cell escaped); `cols` = [key, label]. */
export function renderRows(
  rows: readonly Record<string, unknown>[],
  cols: readonly (readonly [string, string])[],
  opts: { caption?: string; long?: boolean; link?: (row: Record<string, unknown>, key: string) => string | null } = {},
): string {
  if (rows.length === 0) return '<p class="empty">None.</p>';
  const out = [`<div class="table-wrap${opts.long ? ' long' : ''}" tabindex="0"><table>`];
  if (opts.caption) out.push(`<caption>${escapeHtml(opts.caption)}</caption>`);
  out.push(`<thead><tr>${cols.map(([, label]) => `<th scope="col">${escapeHtml(label)}</th>`).join('')}</tr></thead><tbody>`);
  for (const row of rows) {
    const cells = cols.map(([key]) => {
      const v = row[key];
      const text = escapeHtml(v === null || v === undefined ? '–' : Array.isArray(v) ? v.join(' ') : typeof v === 'string' && ISO.test(v) ? `${v.slice(0, 10)} ${v.slice(11, 19)}` : String(v));
      const href = opts.link?.(row, key);
      const num = typeof v === 'number' ? ' class="num"' : '';
      return `<td${num} data-key="${escapeHtml(key)}">${href ? `<a href="${escapeHtml(href)}">${text}</a>` : text}</td>`;
    });
    out.push(`<tr>${cells.join('')}</tr>`);
  }
  out.push('</tbody></table></div>');
  return out.join('\n');
}
