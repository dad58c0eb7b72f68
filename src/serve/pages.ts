/**
 * The three pages' live regions (server-rendered; the same markup is served as a fragment for the
 * refresh) and their forms. Charts and tables of the overview are the HTML reports' own
 * (renderSection → svg-chart.ts); every value from the database is escaped.
 */
import { escapeHtml } from '../report/render/html-escape.js';
import { renderSection } from '../report/render/html.js';
import { NETWORK_NAMES, NETWORKS } from '../eth/networks.js';
import type { NodeDetail } from './node-detail.js';
import type { NodeListPage } from './node-list.js';
import type { Overview } from './overview.js';
import { DIRECTIONS, FORK_VERDICTS, NODE_LIST_PARAMS, type NodeListQuery } from './params.js';
import { renderRows } from './html-page.js';

const NUMBER = new Intl.NumberFormat('en-US');

export function overviewBody(o: Overview): string {
  const out: string[] = [];
  const snapshot = o.reports[0];
  const nodes = (snapshot?.data?.['nodes'] ?? {}) as Record<string, unknown>;
  out.push('<div class="cards" id="stages">');
  for (const [key, label] of [['discovered', 'Discovered'], ['dialed', 'Dialed'], ['responded', 'Responded'], ['inbound', 'Inbound'], ['hello', 'HELLO'], ['status', 'STATUS'], ['mainnet', 'Mainnet']] as const) {
    const v = nodes[key];
    out.push(`<div class="card" data-stage="${key}"><b>${typeof v === 'number' ? NUMBER.format(v) : '–'}</b><span>${label}</span></div>`);
  }
  out.push('</div>');
  out.push(`<p class="meta">Built <time datetime="${new Date(o.builtAt).toISOString()}">${new Date(o.builtAt).toISOString().replace('T', ' ').slice(0, 19)} UTC</time> from the report queries; the same data as JSON: <a href="/api/overview">/api/overview</a>.</p>`);
  let index = 0;
  for (const report of o.reports) {
    out.push(`<h2 class="report">${escapeHtml(report.title)}</h2>`);
    for (const section of report.sections) out.push(renderSection(section, index++, 30));
  }
  return out.join('\n');
}

function select(name: string, label: string, current: string | null, options: readonly (readonly [string, string])[], any = true): string {
  const opts = [...(any ? [['', 'any'] as const] : []), ...options].map(([v, l]) => `<option value="${escapeHtml(v)}"${v === (current ?? '') ? ' selected' : ''}>${escapeHtml(l)}</option>`);
  return `<label>${escapeHtml(label)}<select name="${name}">${opts.join('')}</select></label>`;
}

function input(name: string, label: string, current: string | null, placeholder: string): string {
  return `<label>${escapeHtml(label)}<input name="${name}" value="${escapeHtml(current ?? '')}" placeholder="${escapeHtml(placeholder)}" maxlength="40"></label>`;
}

/** The filter form, filled with the request's raw values (re-shown as typed, escaped). */
export function nodeFilterForm(raw: URLSearchParams): string {
  const v = (k: string) => raw.get(k);
  const networkOptions = NETWORK_NAMES.map((n) => [n, `${n} (${NETWORKS[n].networkId})`] as const);
  return [
    '<form class="filters" method="get" action="/nodes" aria-label="Filters">',
    select('network', 'Network', v('network'), networkOptions),
    input('client', 'Client', v('client'), 'Geth'),
    input('version', 'Version (prefix)', v('version'), 'v1.14'),
    input('country', 'Country', v('country'), 'DE'),
    input('asn', 'AS', v('asn'), '24940'),
    select('fork_verdict', 'Fork verdict', v('fork_verdict'), FORK_VERDICTS.map((f) => [f, f] as const)),
    input('seen_since', 'Seen since', v('seen_since'), '24h or 2024-01-15'),
    select('direction', 'Connection', v('direction'), DIRECTIONS.map((d) => [d, d] as const)),
    select('limit', 'Per page', v('limit') ?? '50', [['50', '50'], ['100', '100'], ['200', '200']], false),
    '<button type="submit">Filter</button>',
    '</form>',
  ].join('\n');
}

export function nodeListBody(page: NodeListPage, q: NodeListQuery, raw: URLSearchParams): string {
  const rows = page.nodes.map((n) => ({
    ...n,
    node: `${n.id.slice(0, 16)}…`,
    endpoint: n.ip === null ? null : `${n.ip.includes(':') ? `[${n.ip}]` : n.ip}:${n.tcp_port ?? 0}`,
    asn_text: n.asn === null ? null : `AS${n.asn}`,
    fork: n.fork_id === null ? null : `${n.fork_id.hash}/${n.fork_id.next ?? '?'}`,
    seen: n.last_seen?.replace('T', ' ').slice(0, 19) ?? null,
    connection: [n.dialed ? 'dialed' : '', n.inbound ? 'inbound' : ''].filter(Boolean).join('+') || null,
  }));
  const out = [
    `<p class="meta" id="list-summary">${page.nodes.length} node${page.nodes.length === 1 ? '' : 's'} on this page${page.scanned !== null ? ` (${NUMBER.format(page.scanned)} node IDs scanned)` : ''}; ordered by node ID.</p>`,
    renderRows(rows, [
      ['node', 'Node'], ['endpoint', 'Endpoint'], ['country', 'Country'], ['asn_text', 'AS'], ['client', 'Client'], ['version', 'Version'],
      ['network_id', 'Network'], ['fork', 'Fork ID'], ['fork_verdict', 'Fork verdict'], ['best_block', 'Best block'], ['rtt_ms', 'RTT ms'], ['connection', 'Connection'], ['last_outcome', 'Last outcome'], ['seen', 'Last seen (UTC)'],
    ], { long: true, link: (row, key) => (key === 'node' ? `/node?q=${row['id'] as string}` : null) }),
  ];
  const keep = new URLSearchParams();
  for (const k of NODE_LIST_PARAMS) {
    const value = raw.get(k);
    if (k !== 'after' && value) keep.set(k, value);
  }
  const first = `/nodes${keep.toString() ? `?${keep.toString()}` : ''}`;
  const pager = [q.after ? `<a href="${escapeHtml(first)}" id="first-page">« First page</a>` : ''];
  if (page.next) {
    keep.set('after', page.next);
    pager.push(`<a href="/nodes?${escapeHtml(keep.toString())}" id="next-page" rel="next">Next page »</a>`);
  } else pager.push('<span>End of the list</span>');
  out.push(`<div class="pager">${pager.join('')}</div>`);
  return out.join('\n');
}

const when = (iso: string | null): string => (iso === null ? '–' : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`);

export function nodeBody(n: NodeDetail | null, id: string): string {
  if (!n) {
    return `<p class="verdict no" id="verdict">Not seen: node <code class="id">${escapeHtml(id)}</code> is not in this database.</p>
<p>NodeFinder learns nodes from discovery (NEIGHBORS), from dialing them and from their inbound connections. A node behind NAT without a reachable UDP port, or on a network the crawl does not follow, may never appear.</p>`;
  }
  const last = n.dials[0];
  const summary = [
    `Seen: yes. First seen ${when(n.first_seen)}, last seen ${when(n.last_seen)} UTC.`,
    last ? `Latest connection: ${String(last['kind'])} ${String(last['outcome'])}${last['client_id'] ? ` (${String(last['client_id'])})` : ''}.` : 'No connection recorded.',
  ];
  return [
    `<p class="verdict" id="verdict">${escapeHtml(summary.join(' '))}</p>`,
    `<p>Node ID <code class="id" id="node-id">${escapeHtml(n.id)}</code></p>`,
    `<p class="meta">Layer (newest record): ${escapeHtml(n.layer ?? 'unknown')} · answered discovery ${escapeHtml(n.discovery.map((d) => String(d['protocol'])).join(' and ') || 'never')} · last HELLO ${escapeHtml(when(n.last_hello_at))} · last STATUS ${escapeHtml(when(n.last_status_at))} · last too_many_peers ${escapeHtml(when(n.last_too_many_peers_at))} · JSON: <a href="/api/node/${n.id}">/api/node/${n.id.slice(0, 8)}…</a></p>`,
    '<h2>Endpoints</h2>',
    renderRows(n.addresses, [['ip', 'IP'], ['udp_port', 'UDP'], ['tcp_port', 'TCP'], ['country', 'Country'], ['asn', 'AS'], ['org', 'Organisation'], ['first_seen', 'First seen'], ['last_seen', 'Last seen'], ['last_source', 'Learned from']]),
    '<h2>Connections (dials, HELLO, STATUS, RTT, DISCONNECT)</h2>',
    renderRows(n.dials, [
      ['started_at', 'Started'], ['kind', 'Kind'], ['outcome', 'Outcome'], ['error_kind', 'Error'], ['client_id', 'Client ID (HELLO)'], ['caps', 'Capabilities'],
      ['network_id', 'Network'], ['fork_id', 'Fork ID'], ['fork_verdict', 'Verdict'], ['best_block', 'Best block'], ['rtt_ms', 'RTT ms'], ['disconnects', 'Disconnects'],
    ]),
    '<h2>Discovery sightings (recent days)</h2>',
    renderRows(n.sightings.map((s) => ({ ...s, instance: `${String(s['instance']).slice(0, 12)}…` })), [['day', 'Day'], ['instance', 'Instance'], ['sightings', 'Sightings'], ['first_source', 'First source'], ['sources', 'Sources'], ['first_seen', 'First'], ['last_seen', 'Last']]),
    '<h2>Discovery protocols answered</h2>',
    renderRows(n.discovery, [['protocol', 'Protocol'], ['first_answered', 'First'], ['last_answered', 'Last'], ['answers', 'Reports']]),
    '<h2>ENR history</h2>',
    renderRows(n.enrs, [['seq', 'Seq'], ['ip', 'IP'], ['tcp_port', 'TCP'], ['udp_port', 'UDP'], ['layer', 'Layer'], ['fork_id', 'eth fork ID'], ['eth2', 'eth2 fork digest'], ['snap', 'snap'], ['client_hint', 'Client (EIP-7636)'], ['keys', 'Keys'], ['first_seen', 'First seen'], ['last_seen', 'Last seen'], ['error', 'Error']]),
  ].join('\n');
}

export function errorBody(message: string): string {
  return `<p class="verdict no" id="error">${escapeHtml(message)}</p>`;
}
