/** Axis ticks for the SVG charts (svg-chart.ts): "nice" numeric steps and calendar-aligned time steps. Pure. */
import { isoTimestamp } from './format.js';
import type { ColumnType } from './model.js';

export function numericTicks(lo: number, hi: number, type: ColumnType): { value: number; label: string }[] {
  const step = niceStep((hi - lo) / 8 || 1);
  const out: { value: number; label: string }[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    const v = roundTo(t, step);
    out.push({ value: v, label: tickLabel(v, type, step) });
  }
  return out;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [SECOND, 5 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 365 * DAY];

/** Ticks on round UTC times; labels show only what changes at that step. */
export function timeTicks(lo: number, hi: number): { value: number; label: string }[] {
  const span = Math.max(1, hi - lo);
  const step = TIME_STEPS.find((s) => span / s <= 8) ?? Math.ceil(span / 8 / DAY) * DAY;
  const out: { value: number; label: string }[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
    const iso = isoTimestamp(t);
    // Within a day, midnight shows the date (MM-DD) so day changes stay visible.
    const label =
      step >= DAY ? iso.slice(0, 10) : t % DAY === 0 ? iso.slice(5, 10) : step >= MINUTE ? iso.slice(11, 16) : iso.slice(11, 19);
    out.push({ value: t, label });
  }
  return out;
}

/** 1, 2 or 5 × 10^k, the smallest such step ≥ raw. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

export function roundTo(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(20, digits)));
}

/** Compact tick label: 12k, 1.5M, 25%, 120 ms — digits just enough for the step. */
export function tickLabel(v: number, type: ColumnType, step: number): string {
  if (type === 'percent') {
    const digits = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9));
    return `${(v * 100).toFixed(Math.min(6, digits))}%`;
  }
  if (type === 'timestamp') return isoTimestamp(v).slice(0, 16).replace('T', ' ');
  const abs = Math.abs(v);
  const unit = type === 'ms' ? ' ms' : '';
  for (const [scale, suffix] of [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (abs >= scale) {
      const digits = Math.max(0, -Math.floor(Math.log10(step / scale) + 1e-9));
      return `${(v / scale).toFixed(Math.min(3, digits))}${suffix}${unit}`;
    }
  }
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return `${v.toFixed(Math.min(6, digits))}${unit}`;
}
