import { describe, expect, it } from 'vitest';
import { NodeFinderError } from '../../src/errors.js';
import {
  ReportModelError,
  renderCsv,
  renderHtml,
  renderJson,
  renderReport,
  renderTable,
  toJsonObject,
  validateReport,
  REPORT_FORMATS,
  type Report,
  type Section,
} from '../../src/report/render/index.js';
import { displayWidth, sanitizeForTerminal } from '../../src/report/render/format.js';
import { escapeHtml } from '../../src/report/render/html-escape.js';
import { niceStep, tickLabel, timeTicks } from '../../src/report/render/chart-ticks.js';
import { Prng } from '../../src/analysis/prng.js';
import { sampleReport, T0 } from './fixtures.js';

/** An independent RFC 4180 reader: records of fields, CRLF line ends, "" for a quote inside quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      if (c === '"' || c === '\n' || c === '\r') throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error('unterminated quote');
  if (field !== '' || record.length > 0) throw new Error('last record not terminated by CRLF');
  return records;
}

/** Random strings biased towards what breaks renderers: markup, quotes, separators, controls, bidi, wide and astral characters. */
function hostileString(p: Prng): string {
  const pieces = ['<', '>', '&', '"', "'", ',', '\r\n', '\n', '\r', '\t', '\u0000', '\u001b[2J', '\u202e', '\u0085', 'é', '中', '😀', '\ud800', '=cmd|', '+', '-', '@', ' ', 'a', 'Z', '</script>', '<svg onload=x>', ']]>', '&amp;', '-->', '\\'];
  let s = '';
  const n = p.nextBelow(12);
  for (let i = 0; i < n; i++) s += pieces[p.nextBelow(pieces.length)]!;
  return s;
}

function hostileReport(p: Prng): Report {
  const rows = Array.from({ length: 1 + p.nextBelow(8) }, () => ({
    name: hostileString(p),
    value: [0, -1, 1e12, 1e-9, Number.NaN, Number.POSITIVE_INFINITY, null, p.nextFloat() * 1000][p.nextBelow(8)]!,
    share: p.nextFloat(),
    at: T0 + p.nextBelow(1e9),
  }));
  const types = ['bar', 'histogram', 'line', 'stacked-bar'] as const;
  const type = types[p.nextBelow(4)]!;
  return {
    name: hostileString(p) || 'r',
    title: hostileString(p),
    generatedAt: T0,
    parameters: { [hostileString(p) || 'k']: hostileString(p) },
    sections: [
      {
        id: 's1',
        title: hostileString(p),
        columns: [
          { key: 'name', label: hostileString(p), type: 'text' },
          { key: 'value', label: hostileString(p), type: 'number' },
          { key: 'share', type: 'percent' },
          { key: 'at', type: 'timestamp' },
        ],
        rows,
        chart: { type, x: type === 'histogram' || type === 'line' ? 'at' : 'name', series: ['value', 'share'], logY: p.nextBelow(2) === 0 },
        notes: [hostileString(p)],
      },
    ],
  };
}

describe('validateReport', () => {
  const base = sampleReport;
  const bad: [string, (r: Report) => void][] = [
    ['duplicate section id', (r) => r.sections.push({ ...r.sections[0]! })],
    ['duplicate column key', (r) => r.sections[0]!.columns.push({ key: 'client', type: 'text' })],
    ['text in a numeric column', (r) => ((r.sections[0]!.rows as unknown[])[0] = { client: 'x', count: '12', share: 0.1 })],
    ['number in a text column', (r) => ((r.sections[0]!.rows as unknown[])[0] = { client: 12, count: 1, share: 0.1 })],
    ['chart on a missing column', (r) => (r.sections[0]!.chart = { type: 'bar', x: 'nope', series: ['count'] })],
    ['chart series on a text column', (r) => (r.sections[0]!.chart = { type: 'bar', x: 'client', series: ['client'] })],
    ['histogram over a text x', (r) => (r.sections[0]!.chart = { type: 'histogram', x: 'client', series: ['count'] })],
    ['chart without series', (r) => (r.sections[0]!.chart = { type: 'line', x: 'count', series: [] })],
    ['reserved data key', (r) => (r.data = { sections: 1 })],
    ['non-finite generatedAt', (r) => (r.generatedAt = Number.NaN)],
    ['bad digits', (r) => (r.sections[0]!.columns[1]!.digits = 99)],
  ];
  for (const [name, mutate] of bad) {
    it(`rejects ${name} with ReportModelError (kind internal), in every renderer`, () => {
      const r = base();
      mutate(r);
      expect(() => validateReport(r)).toThrow(ReportModelError);
      for (const format of REPORT_FORMATS) {
        try {
          renderReport(r, format);
          expect.unreachable();
        } catch (err) {
          expect(err).toBeInstanceOf(NodeFinderError);
          expect((err as NodeFinderError).kind).toBe('internal');
        }
      }
    });
  }
  it('accepts the sample report', () => {
    expect(() => validateReport(base())).not.toThrow();
  });
});

describe('table renderer', () => {
  const text = renderTable(sampleReport());

  it('prints title, generation time, parameters and every section', () => {
    expect(text.startsWith('Sample report <with> "every" chart & type\n')).toBe(true);
    expect(text).toContain('Generated 2024-05-01 12:00:00Z');
    expect(text).toContain('db=./nodefinder-data  since=24h  limit=10  strict=true  missing=–');
    for (const s of sampleReport().sections) expect(text).toContain(`\n${s.title}\n`);
    expect(text).toContain('(no rows)');
  });

  it('formats by column type: thousands, percent, ms, timestamps, null', () => {
    expect(text).toContain('6,120');
    expect(text).toContain('61.2%');
    expect(text).toContain('575 ms');
    expect(text).toContain('2024-05-01 22:00:00Z');
    const row10 = text.split('\n').find((l) => l.startsWith('2024-05-01 22:00:00Z'))!;
    expect(row10.trimEnd().endsWith('–')).toBe(true);
  });

  it('aligns columns: right for numbers, every row of a section as wide as its header', () => {
    const lines = renderTable(sampleReport(), { bars: false }).split('\n');
    const start = lines.indexOf('Clients') + 2;
    const block = lines.slice(start, start + 7);
    expect(block[0]).toMatch(/^Client\s+Nodes\s+Share$/);
    const width = displayWidth(block[0]!);
    for (const l of block.slice(1)) expect(displayWidth(l)).toBe(width);
    // right-aligned: the numbers end where their headers end
    const nodesEnd = block[0]!.indexOf('Nodes') + 'Nodes'.length;
    expect(block[2]!.slice(0, nodesEnd).endsWith('6,120')).toBe(true);
  });

  it('draws proportional bars for bar charts', () => {
    const line = (client: string) => text.split('\n').find((l) => l.startsWith(client + ' '))!;
    const blocks = (l: string) => [...l].filter((c) => '█▏▎▍▌▋▊▉'.includes(c)).length;
    expect(blocks(line('Geth'))).toBe(24);
    expect(blocks(line('reth'))).toBeGreaterThanOrEqual(1);
    expect(blocks(line('reth'))).toBeLessThan(4);
  });

  it('strips terminal control sequences and bidi overrides from hostile text', () => {
    const r = sampleReport();
    r.title = 'evil\u001b]52;c;cGF5bG9hZA==\u0007\u001b[2J title\u202e';
    (r.sections[0]!.rows as { client: string }[])[0]!.client = 'Geth\u001b[31m\r\n/v1.0';
    const out = renderTable(r);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain('Geth\uFFFD[31m\uFFFD\uFFFD/v1.0');
    expect(sanitizeForTerminal('a\u0085b\u2066c')).toBe('a\uFFFDb\uFFFDc');
  });

  it('measures wide characters as two columns', () => {
    expect(displayWidth('中文')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    const r = sampleReport();
    (r.sections[0]!.rows as { client: string }[])[0]!.client = '以太坊';
    const lines = renderTable(r, { bars: false }).split('\n');
    const start = lines.indexOf('Clients') + 2;
    const width = displayWidth(lines[start]!);
    for (const l of lines.slice(start + 1, start + 7)) expect(displayWidth(l)).toBe(width);
  });
});

describe('CSV renderer (RFC 4180)', () => {
  it('writes one block per section: a name record, a header of column keys, the rows', () => {
    const csv = renderCsv(sampleReport());
    expect(csv.includes('\n') && !/[^\r]\n/.test(csv)).toBe(true); // CRLF only
    const blocks = csv.slice(0, -2).split('\r\n\r\n');
    expect(blocks).toHaveLength(5);
    const first = parseCsv(blocks[0]! + '\r\n');
    expect(first[0]).toEqual(['# clients: Clients']);
    expect(first[1]).toEqual(['client', 'count', 'share']);
    expect(first[2]).toEqual(['Geth', '6120', '0.612']);
    const timeline = parseCsv(blocks[2]! + '\r\n');
    expect(timeline[2]![0]).toBe('2024-05-01T12:00:00.000Z');
    expect(timeline[12]![2]).toBe(''); // null
    expect(parseCsv(blocks[4]! + '\r\n')).toEqual([['# empty: Nothing here'], ['x']]);
  });

  it('one selected section is a plain CSV table; unknown ids are refused', () => {
    const csv = renderCsv(sampleReport(), { sections: ['clients'] });
    const records = parseCsv(csv);
    expect(records[0]).toEqual(['client', 'count', 'share']);
    expect(records).toHaveLength(6);
    expect(() => renderCsv(sampleReport(), { sections: ['nope'] })).toThrow(ReportModelError);
  });

  it('round-trips arbitrary text exactly (property test)', () => {
    const p = new Prng(4180);
    for (let iter = 0; iter < 300; iter++) {
      const values = Array.from({ length: 1 + p.nextBelow(5) }, () => hostileString(p).replace(/[\ud800-\udfff]/g, ''));
      const r: Report = {
        name: 'p',
        title: 't',
        generatedAt: T0,
        parameters: {},
        sections: [{ id: 's', title: 's', columns: [{ key: 'v', type: 'text' }, { key: 'n', type: 'number' }], rows: values.map((v, i) => ({ v, n: i - 2.5 })) }],
      };
      const records = parseCsv(renderCsv(r, { sections: ['s'], formulaGuard: false }));
      expect(records.slice(1)).toEqual(values.map((v, i) => [v, String(i - 2.5)]));
    }
  });

  it('neutralizes spreadsheet formulas in text cells only', () => {
    const r: Report = {
      name: 'p',
      title: 't',
      generatedAt: T0,
      parameters: {},
      sections: [{ id: 's', title: 's', columns: [{ key: 'v', type: 'text' }, { key: 'n', type: 'integer' }], rows: [{ v: '=HYPERLINK("http://x")', n: -5 }, { v: '@SUM(A1)', n: 1 }, { v: 'Geth/v1', n: 2 }] }],
    };
    const records = parseCsv(renderCsv(r, { sections: ['s'] }));
    expect(records.slice(1)).toEqual([
      ["'=HYPERLINK(\"http://x\")", '-5'],
      ["'@SUM(A1)", '1'],
      ['Geth/v1', '2'],
    ]);
  });
});

describe('JSON renderer', () => {
  it('has the documented shape: metadata, the report data at top level, sections with keyed rows', () => {
    const json = JSON.parse(renderJson(sampleReport())) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['report', 'title', 'generated_at', 'parameters', 'nodes', 'sections']);
    expect(json.report).toBe('sample');
    expect(json.generated_at).toBe('2024-05-01T12:00:00Z');
    expect(json.parameters).toEqual({ db: './nodefinder-data', since: '24h', limit: 10, strict: true, missing: null });
    expect(json.nodes).toEqual({ discovered: 10000, hello: 4000 });
    const sections = json.sections as { id: string; columns: unknown[]; rows: Record<string, unknown>[]; chart?: unknown; notes: string[] }[];
    expect(sections.map((s) => s.id)).toEqual(['clients', 'latency', 'timeline', 'disconnects', 'empty']);
    expect(sections[0]!.rows[0]).toEqual({ client: 'Geth', count: 6120, share: 0.612 });
    expect(sections[0]!.columns[2]).toEqual({ key: 'share', label: 'Share', type: 'percent' });
    expect(sections[0]!.chart).toEqual({ type: 'bar', x: 'client', series: ['count'] });
    expect(sections[2]!.rows[0]!.hour).toBe('2024-05-01T12:00:00.000Z');
    expect(sections[2]!.rows[10]!.status).toBeNull();
    expect(JSON.parse(renderJson(sampleReport()))).toEqual(JSON.parse(JSON.stringify(toJsonObject(sampleReport()))));
  });

  it('writes non-finite numbers as null', () => {
    const r = sampleReport();
    (r.sections[0]!.rows as { count: number }[])[0]!.count = Number.NaN;
    (r.sections[0]!.rows as { count: number }[])[1]!.count = Number.POSITIVE_INFINITY;
    const rows = (JSON.parse(renderJson(r)) as { sections: { rows: { count: unknown }[] }[] }).sections[0]!.rows;
    expect(rows[0]!.count).toBeNull();
    expect(rows[1]!.count).toBeNull();
  });
});

const ALLOWED_TAGS = new Set(
  'html head meta title style body main header h1 p code time dl div dt dd nav ol li a section h2 figure svg desc g line text rect polyline circle details summary table thead tr th tbody td ul footer'.split(' '),
);

function tagNames(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()));
}

describe('HTML renderer', () => {
  const html = renderHtml(sampleReport());

  it('is one self-contained document: no scripts, no external loads, a CSP that forbids them', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=|https?:|javascript:/i);
    for (const href of html.matchAll(/href="([^"]*)"/g)) expect(href[1]).toMatch(/^#s-/);
    for (const tag of tagNames(html)) expect(ALLOWED_TAGS.has(tag), tag).toBe(true);
  });

  it('has an accessible structure: one h1, an h2 and labelled region per section, charts as titled images', () => {
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html.match(/<h2 /g)).toHaveLength(5);
    const svgs = [...html.matchAll(/<svg class="chart chart-([a-z-]+)"[^>]*role="img" aria-labelledby="(c\d+-title) (c\d+-desc)"/g)];
    expect(svgs.map((m) => m[1])).toEqual(['bar', 'histogram', 'line', 'stacked-bar']);
    for (const m of svgs) {
      expect(html).toContain(`<title id="${m[2]}">`);
      expect(html).toContain(`<desc id="${m[3]}">`);
    }
    expect(html).toContain('<th scope="col" class="num">Nodes</th>');
    expect(html).toContain('<th scope="row">Geth</th>');
    expect(html).toContain('<p class="empty">No rows.</p>');
    expect(html).toContain('Largest Nodes: 6,120 at Geth.');
  });

  it('draws one mark per value: bars, grouped histogram bins, stacked segments, line points', () => {
    const marks = (section: string) => {
      const start = html.indexOf(`<section id="s-${section}"`);
      const body = html.slice(start, html.indexOf('</section>', start));
      return {
        bars: (body.match(/<rect class="mark bar"/g) ?? []).length,
        points: (body.match(/<circle class="mark point"/g) ?? []).length,
        lines: (body.match(/<polyline class="mark line"/g) ?? []).length,
      };
    };
    expect(marks('clients').bars).toBe(5);
    const r = sampleReport();
    const latencyNonZero = (r.sections[1]!.rows as { mainnet: number; other: number }[]).reduce((n, row) => n + (row.mainnet > 0 ? 1 : 0) + (row.other > 0 ? 1 : 0), 0);
    expect(marks('latency').bars).toBe(latencyNonZero);
    expect(marks('disconnects').bars).toBe(15);
    // 36 + 35 points (one null); the null splits the STATUS line in two
    expect(marks('timeline').points).toBe(71);
    expect(marks('timeline').lines).toBe(3);
  });

  it('folds long tables under <details> when a chart shows the data', () => {
    expect(renderHtml(sampleReport(), { foldRowsAbove: 30 })).toContain('<details><summary>Data table (36 rows)</summary>');
    expect(renderHtml(sampleReport(), { foldRowsAbove: 100 })).not.toContain('<details>');
  });

  it('escapes hostile text everywhere (property test over random reports)', () => {
    const p = new Prng(1337);
    for (let i = 0; i < 200; i++) {
      const r = hostileReport(p);
      const out = renderHtml(r);
      for (const tag of tagNames(out)) expect(ALLOWED_TAGS.has(tag), tag).toBe(true);
      expect(out).not.toMatch(/NaN|Infinity|undefined/);
      expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
      expect(out).toContain(`<h1>${escapeHtml(r.title)}</h1>`);
    }
  });

  it('escapeHtml leaves no markup characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml('ok\u0000\ud800x\ud83d\ude00')).toBe('ok\uFFFD\uFFFDx\ud83d\ude00');
  });
});

describe('every renderer survives random reports (fuzz)', () => {
  it('renders without throwing and without NaN in human formats', () => {
    const p = new Prng(99);
    for (let i = 0; i < 150; i++) {
      const r = hostileReport(p);
      for (const format of REPORT_FORMATS) {
        const out = renderReport(r, format);
        expect(typeof out).toBe('string');
        if (format === 'table' || format === 'html') expect(out).not.toMatch(/NaN|Infinity/);
      }
      expect(() => JSON.parse(renderJson(r))).not.toThrow();
    }
  });

  it('charts degenerate data: one row, all zeros, all null, log scale with zeros', () => {
    const section = (rows: Record<string, number | null>[], type: 'bar' | 'histogram' | 'line' | 'stacked-bar', logY = false): Section => ({
      id: 's',
      title: 's',
      columns: [
        { key: 'x', type: 'integer' },
        { key: 'y', type: 'number' },
      ],
      rows,
      chart: { type, x: 'x', series: ['y'], logY },
    });
    for (const type of ['bar', 'histogram', 'line', 'stacked-bar'] as const) {
      for (const rows of [[{ x: 1, y: 5 }], [{ x: 1, y: 0 }, { x: 2, y: 0 }], [{ x: 1, y: null }], [{ x: 3, y: 0 }, { x: 4, y: 1000 }]]) {
        for (const logY of [false, true]) {
          const out = renderHtml({ name: 'd', title: 'd', generatedAt: T0, parameters: {}, sections: [section(rows, type, logY)] });
          expect(out).toContain(`chart-${type}`);
          expect(out).not.toMatch(/NaN|Infinity/);
        }
      }
    }
  });
});

describe('axis helpers', () => {
  it('niceStep picks 1, 2 or 5 × 10^k', () => {
    expect(niceStep(0.7)).toBe(1);
    expect(niceStep(1.3)).toBe(2);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(1234)).toBe(2000);
    expect(niceStep(0.00032)).toBeCloseTo(0.0005, 12);
    expect(niceStep(0)).toBe(1);
    expect(niceStep(Number.NaN)).toBe(1);
  });

  it('tick labels are compact and typed', () => {
    expect(tickLabel(20000, 'integer', 10000)).toBe('20k');
    expect(tickLabel(1500000, 'integer', 500000)).toBe('1.5M');
    expect(tickLabel(0.25, 'percent', 0.05)).toBe('25%');
    expect(tickLabel(0.005, 'percent', 0.005)).toBe('0.5%');
    expect(tickLabel(120, 'ms', 20)).toBe('120 ms');
    expect(tickLabel(0.5, 'number', 0.1)).toBe('0.5');
  });

  it('time ticks fall on round UTC times with labels fitting the span', () => {
    const hours = timeTicks(T0 + 60_000, T0 + 35 * 3_600_000);
    expect(hours.length).toBeGreaterThanOrEqual(4);
    expect(hours.length).toBeLessThanOrEqual(9);
    for (const t of hours) expect(t.value % 3_600_000).toBe(0);
    expect(hours[0]!.label).toMatch(/^\d\d:00$/);
    const days = timeTicks(T0, T0 + 30 * 86_400_000);
    for (const t of days) expect(t.label).toMatch(/^\d{4}-\d\d-\d\d$/);
  });
});
