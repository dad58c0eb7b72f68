/**
 * Inline SVG charts for the HTML renderer, drawn by our own code: no scripts, no fonts, no network.
 * One function per chart type over a shared frame (nice ticks, grid, axes, legend). Each chart is an
 * accessible image: role="img" with a <title> and a generated <desc>; each mark carries a <title>
 * (the browser's tooltip). The data table below the chart is the full text alternative.
 */
import { escapeHtml } from './html-escape.js';
import { formatValue, isoTimestamp } from './format.js';
import { niceStep, numericTicks, roundTo, tickLabel, timeTicks } from './chart-ticks.js';
import { cellValue, columnLabel, type ChartSpec, type Column, type ColumnType, type Section } from './model.js';

/** Okabe & Ito's colour-blind-safe palette (2008), in an order that keeps neighbours distinct. */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#999999'] as const;

const WIDTH = 760;
const HEIGHT = 340;
const FONT_PX = 12;
/** Rough advance width of a 12 px sans-serif character, to size margins and thin out labels. */
const CHAR_PX = 6.8;
const MAX_MARKERS = 80;

interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface SeriesData {
  column: Column;
  label: string;
  color: string;
  /** Line pattern, so overlapping lines (and greyscale prints) stay distinguishable. */
  dash: string;
}

const DASHES = ['', '7 4', '2 4', '10 4 2 4', '4 3', '12 3'] as const;

interface Scale {
  (v: number): number;
}

export interface ChartRenderOptions {
  /** Prefix for element ids, unique within the page. */
  idPrefix: string;
}

/** Render a section's chart as an inline <svg> string. */
export function renderChart(section: Section, options: ChartRenderOptions): string {
  // A stack has no log scale (its segments start at 0): stacked bars ignore logY.
  const spec: ChartSpec = { ...section.chart!, logY: section.chart!.logY === true && section.chart!.type !== 'stacked-bar' };
  const byKey = new Map(section.columns.map((c) => [c.key, c]));
  const xColumn = byKey.get(spec.x)!;
  const series: SeriesData[] = spec.series.map((key, i) => {
    const column = byKey.get(key)!;
    return { column, label: columnLabel(column), color: SERIES_COLORS[i % SERIES_COLORS.length]!, dash: DASHES[i % DASHES.length]! };
  });
  const titleId = `${options.idPrefix}-title`;
  const descId = `${options.idPrefix}-desc`;
  const body = drawChart(section, spec, xColumn, series);
  const description = spec.description ?? describe(section, spec, xColumn, series);
  return [
    `<svg class="chart chart-${spec.type}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${titleId} ${descId}" font-size="${FONT_PX}">`,
    `<title id="${titleId}">${escapeHtml(section.title)}</title>`,
    `<desc id="${descId}">${escapeHtml(description)}</desc>`,
    body,
    '</svg>',
  ].join('\n');
}

function drawChart(section: Section, spec: ChartSpec, xColumn: Column, series: SeriesData[]): string {
  const rows = section.rows;
  const legendItems = series.length > 1 ? layoutLegend(series) : [];
  const legendHeight = legendItems.length > 0 ? Math.max(...legendItems.map((i) => i.y)) + 16 : 0;
  // y domain
  const values = (row: (typeof rows)[number], s: SeriesData): number | null => {
    const v = cellValue(row, s.column);
    if (typeof v !== 'number') return null;
    if (spec.logY && v <= 0) return null;
    return v;
  };
  let yMax = 0;
  let yMin = 0;
  let positiveMin = Number.POSITIVE_INFINITY;
  for (const row of rows) {
    let stack = 0;
    for (const s of series) {
      const v = values(row, s);
      if (v === null) continue;
      if (spec.type === 'stacked-bar') stack += Math.max(0, v);
      else {
        yMax = Math.max(yMax, v);
        yMin = Math.min(yMin, v);
      }
      if (v > 0) positiveMin = Math.min(positiveMin, v);
    }
    if (spec.type === 'stacked-bar') yMax = Math.max(yMax, stack);
  }
  const yType = series[0]!.column.type;
  const yColumn = series[0]!.column;
  let yTicks: number[];
  let yScaleOf: (frame: Frame) => Scale;
  if (spec.logY && Number.isFinite(positiveMin)) {
    const lo = 10 ** Math.floor(Math.log10(positiveMin));
    const hi = 10 ** Math.max(Math.ceil(Math.log10(yMax)), Math.log10(lo) + 1);
    yTicks = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) yTicks.push(t);
    yScaleOf = (f) => (v) => f.bottom - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (f.bottom - f.top);
  } else {
    if (yMax === yMin) yMax = yMin + 1;
    const step = niceStep((yMax - yMin) / 5);
    const lo = Math.floor(yMin / step) * step;
    const hi = Math.ceil(yMax / step) * step;
    yTicks = [];
    for (let t = lo; t <= hi + step / 2; t += step) yTicks.push(roundTo(t, step));
    yScaleOf = (f) => (v) => f.bottom - ((v - lo) / (hi - lo)) * (f.bottom - f.top);
  }
  const yStep = yTicks.length > 1 ? Math.abs(yTicks[1]! - yTicks[0]!) : 1;
  const yLabels = yTicks.map((t) => tickLabel(t, yType, spec.logY ? t : yStep));
  const yTitle = spec.yLabel ?? (series.length === 1 ? series[0]!.label : '');
  const left = Math.ceil(Math.max(...yLabels.map((l) => l.length)) * CHAR_PX) + (yTitle ? 34 : 14);
  const frame: Frame = { left, top: 14 + legendHeight, right: WIDTH - 18, bottom: HEIGHT - 54 };
  const y = yScaleOf(frame);
  const parts: string[] = [];
  // grid + y axis labels
  parts.push('<g class="grid" aria-hidden="true">');
  yTicks.forEach((t, i) => {
    const py = y(t).toFixed(1);
    parts.push(`<line x1="${frame.left}" x2="${frame.right}" y1="${py}" y2="${py}"/>`);
    parts.push(`<text class="tick" x="${frame.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeHtml(yLabels[i]!)}</text>`);
  });
  parts.push('</g>');
  if (yTitle) {
    const cy = (frame.top + frame.bottom) / 2;
    parts.push(`<text class="axis-title" x="14" y="${cy}" text-anchor="middle" dominant-baseline="middle" transform="rotate(-90 14 ${cy})">${escapeHtml(yTitle)}</text>`);
  }
  const xTitle = spec.xLabel ?? columnLabel(xColumn);
  parts.push(`<text class="axis-title" x="${(frame.left + frame.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(xTitle)}</text>`);
  // marks
  const fmtY = (v: number) => formatValue(v, yColumn);
  switch (spec.type) {
    case 'bar':
    case 'stacked-bar':
      parts.push(drawBars(section, spec, xColumn, series, frame, y, values, fmtY));
      break;
    case 'histogram':
      parts.push(drawHistogram(section, xColumn, series, frame, y, values, fmtY));
      break;
    case 'line':
      parts.push(drawLines(section, xColumn, series, frame, y, values, fmtY));
      break;
  }
  // axes on top of the marks
  parts.push(`<g class="axis" aria-hidden="true"><line x1="${frame.left}" x2="${frame.left}" y1="${frame.top}" y2="${frame.bottom}"/><line x1="${frame.left}" x2="${frame.right}" y1="${frame.bottom}" y2="${frame.bottom}"/></g>`);
  if (legendItems.length > 0) parts.push(legend(legendItems, spec.type === 'line'));
  return parts.join('\n');
}

type ValueOf = (row: Section['rows'][number], s: SeriesData) => number | null;

function drawBars(
  section: Section,
  spec: ChartSpec,
  xColumn: Column,
  series: SeriesData[],
  f: Frame,
  y: Scale,
  valueOf: ValueOf,
  fmtY: (v: number) => string,
): string {
  const rows = section.rows;
  const n = Math.max(1, rows.length);
  const band = (f.right - f.left) / n;
  const inner = band * (n > 40 ? 0.9 : 0.72);
  const stacked = spec.type === 'stacked-bar';
  const barW = stacked ? inner : inner / series.length;
  const base = spec.logY ? f.bottom : y(0);
  const out: string[] = ['<g class="marks">'];
  rows.forEach((row, i) => {
    const x0 = f.left + i * band + (band - inner) / 2;
    const category = formatValue(cellValue(row, xColumn), xColumn);
    let stackTop = 0;
    series.forEach((s, j) => {
      const v = valueOf(row, s);
      if (v === null) return;
      let top: number;
      let bottom: number;
      let x: number;
      if (stacked) {
        bottom = y(stackTop);
        stackTop += Math.max(0, v);
        top = y(stackTop);
        x = x0;
      } else {
        top = Math.min(y(v), base);
        bottom = Math.max(y(v), base);
        x = x0 + j * barW;
      }
      const h = Math.max(bottom - top, v !== 0 ? 0.5 : 0);
      out.push(
        `<rect class="mark bar" data-series="${escapeHtml(s.column.key)}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(0.5, barW - (stacked ? 0 : 1)).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${category} — ${s.label}: ${fmtY(v)}`)}</title></rect>`,
      );
    });
  });
  out.push('</g>');
  // category labels, thinned to what fits; rotated when long
  const labels = rows.map((row) => formatValue(cellValue(row, xColumn), xColumn));
  const longest = Math.max(1, ...labels.map((l) => Math.min(l.length, 18)));
  const rotate = longest * CHAR_PX > band * 0.95;
  const every = Math.max(1, Math.ceil((rotate ? 14 : longest * CHAR_PX + 8) / band));
  out.push('<g class="x-ticks" aria-hidden="true">');
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    const cx = f.left + (i + 0.5) * band;
    const text = escapeHtml(truncate(label, 18));
    if (rotate) {
      out.push(`<text class="tick" x="${cx.toFixed(1)}" y="${f.bottom + 10}" text-anchor="end" transform="rotate(-35 ${cx.toFixed(1)} ${f.bottom + 10})">${text}</text>`);
    } else {
      out.push(`<text class="tick" x="${cx.toFixed(1)}" y="${f.bottom + 16}" text-anchor="middle">${text}</text>`);
    }
  });
  out.push('</g>');
  return out.join('\n');
}

function drawHistogram(
  section: Section,
  xColumn: Column,
  series: SeriesData[],
  f: Frame,
  y: Scale,
  valueOf: ValueOf,
  fmtY: (v: number) => string,
): string {
  const points = section.rows
    .map((row) => ({ row, x: cellValue(row, xColumn) }))
    .filter((p): p is { row: (typeof p)['row']; x: number } => typeof p.x === 'number')
    .sort((a, b) => a.x - b.x);
  if (points.length === 0) return '';
  let width = Number.POSITIVE_INFINITY;
  for (let i = 1; i < points.length; i++) {
    const d = points[i]!.x - points[i - 1]!.x;
    if (d > 0) width = Math.min(width, d);
  }
  if (!Number.isFinite(width)) width = 1;
  const lo = points[0]!.x - width / 2;
  const hi = points[points.length - 1]!.x + width / 2;
  const x: Scale = (v) => f.left + ((v - lo) / (hi - lo)) * (f.right - f.left);
  const binPx = x(lo + width) - x(lo);
  const gap = binPx > 6 ? 1 : 0;
  const barW = (binPx - gap) / series.length;
  const base = f.bottom;
  const out: string[] = ['<g class="marks">'];
  for (const p of points) {
    const label = formatValue(p.x, xColumn);
    series.forEach((s, j) => {
      const v = valueOf(p.row, s);
      if (v === null || v <= 0) return;
      const top = Math.min(y(v), base - 0.5);
      out.push(
        `<rect class="mark bar" data-series="${escapeHtml(s.column.key)}" x="${(x(p.x - width / 2) + gap / 2 + j * barW).toFixed(2)}" y="${top.toFixed(1)}" width="${Math.max(0.5, barW).toFixed(2)}" height="${(base - top).toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${columnLabel(xColumn)} ${label} — ${s.label}: ${fmtY(v)}`)}</title></rect>`,
      );
    });
  }
  out.push('</g>');
  out.push(xTicks(xColumn, points[0]!.x, points[points.length - 1]!.x, x, f));
  return out.join('\n');
}

function drawLines(
  section: Section,
  xColumn: Column,
  series: SeriesData[],
  f: Frame,
  y: Scale,
  valueOf: ValueOf,
  fmtY: (v: number) => string,
): string {
  const points = section.rows
    .map((row) => ({ row, x: cellValue(row, xColumn) }))
    .filter((p): p is { row: (typeof p)['row']; x: number } => typeof p.x === 'number')
    .sort((a, b) => a.x - b.x);
  if (points.length === 0) return '';
  let lo = points[0]!.x;
  let hi = points[points.length - 1]!.x;
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const pad = (f.right - f.left) * 0.02;
  const x: Scale = (v) => f.left + pad + ((v - lo) / (hi - lo)) * (f.right - f.left - 2 * pad);
  const out: string[] = ['<g class="marks">'];
  series.forEach((s) => {
    // A null value breaks the line rather than drawing through the gap.
    const runs: string[][] = [[]];
    for (const p of points) {
      const v = valueOf(p.row, s);
      if (v === null) {
        if (runs[runs.length - 1]!.length > 0) runs.push([]);
        continue;
      }
      runs[runs.length - 1]!.push(`${x(p.x).toFixed(1)},${y(v).toFixed(1)}`);
    }
    for (const run of runs) {
      if (run.length > 1) out.push(`<polyline class="mark line" data-series="${escapeHtml(s.column.key)}" points="${run.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    }
    if (points.length <= MAX_MARKERS) {
      for (const p of points) {
        const v = valueOf(p.row, s);
        if (v === null) continue;
        out.push(
          `<circle class="mark point" data-series="${escapeHtml(s.column.key)}" cx="${x(p.x).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${s.color}"><title>${escapeHtml(`${formatValue(p.x, xColumn)} — ${s.label}: ${fmtY(v)}`)}</title></circle>`,
        );
      }
    }
  });
  out.push('</g>');
  out.push(xTicks(xColumn, lo, hi, x, f));
  return out.join('\n');
}

function xTicks(xColumn: Column, lo: number, hi: number, x: Scale, f: Frame): string {
  const ticks = xColumn.type === 'timestamp' ? timeTicks(lo, hi) : numericTicks(lo, hi, xColumn.type);
  const out = ['<g class="x-ticks" aria-hidden="true">'];
  for (const t of ticks) {
    const px = x(t.value).toFixed(1);
    out.push(`<line class="tick-mark" x1="${px}" x2="${px}" y1="${f.bottom}" y2="${f.bottom + 5}"/>`);
    out.push(`<text class="tick" x="${px}" y="${f.bottom + 18}" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

interface LegendItem {
  series: SeriesData;
  x: number;
  y: number;
}

/** Place legend entries left to right, wrapping to a new row when the next would not fit. */
function layoutLegend(series: SeriesData[]): LegendItem[] {
  const items: LegendItem[] = [];
  let x = 12;
  let y = 12;
  for (const s of series) {
    const w = 26 + Math.ceil(s.label.length * CHAR_PX) + 20;
    if (x > 12 && x + w > WIDTH - 12) {
      x = 12;
      y += 22;
    }
    items.push({ series: s, x, y });
    x += w;
  }
  return items;
}

function legend(items: LegendItem[], lines: boolean): string {
  const out = ['<g class="legend">'];
  for (const { series: s, x, y } of items) {
    if (lines) {
      out.push(`<line x1="${x}" x2="${x + 20}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
      out.push(`<circle cx="${x + 10}" cy="${y}" r="3.5" fill="${s.color}"/>`);
    } else {
      out.push(`<rect x="${x + 3}" y="${y - 7}" width="14" height="14" rx="2" fill="${s.color}"/>`);
    }
    out.push(`<text x="${x + 26}" y="${y}" dominant-baseline="middle">${escapeHtml(s.label)}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A one-sentence summary of the data for screen readers. */
function describe(section: Section, spec: ChartSpec, xColumn: Column, series: SeriesData[]): string {
  const kind = { bar: 'Bar chart', histogram: 'Histogram', line: 'Line chart', 'stacked-bar': 'Stacked bar chart' }[spec.type];
  const parts = [`${kind} of ${series.map((s) => s.label).join(', ')} by ${columnLabel(xColumn)}, ${section.rows.length} ${spec.type === 'histogram' ? 'bins' : 'points'}.`];
  for (const s of series) {
    let best: { x: string; v: number } | null = null;
    for (const row of section.rows) {
      const v = cellValue(row, s.column);
      if (typeof v === 'number' && (best === null || v > best.v)) best = { x: formatValue(cellValue(row, xColumn), xColumn), v };
    }
    if (best) parts.push(`Largest ${s.label}: ${formatValue(best.v, s.column)} at ${best.x}.`);
  }
  return parts.join(' ');
}
