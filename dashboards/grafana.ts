/**
 * A small builder for Grafana's dashboard JSON model (schemaVersion 39, Grafana 10.4–11.x): panels
 * on the NodeFinder Postgres data source with raw SQL targets, laid out left to right on the 24-column
 * grid. Only what the NodeFinder dashboards use; everything else keeps Grafana's defaults.
 */

/** Must match dashboards/provisioning/datasources/nodefinder.yml (a test checks it). */
export const DATASOURCE = { type: 'grafana-postgresql-datasource', uid: 'nodefinder-pg' } as const;
export const SCHEMA_VERSION = 39;
export const GRID_COLUMNS = 24;
export const DASHBOARD_TAG = 'nodefinder';

export type PanelType = 'stat' | 'table' | 'timeseries' | 'barchart' | 'piechart' | 'geomap' | 'histogram';
export type QueryFormat = 'table' | 'time_series';

export interface PanelSpec {
  type: PanelType;
  title: string;
  /** Shown as the panel's (i) tooltip: what it counts, in the paper's terms. */
  description: string;
  sql: string;
  format?: QueryFormat;
  /** Grid size (width of 24 columns, height in rows of 30 px). */
  w: number;
  h: number;
  unit?: string;
  decimals?: number;
  /** Minimum $__interval (e.g. '1h' for hourly buckets). */
  interval?: string;
  /** Merged over the panel type's default options. */
  options?: Record<string, unknown>;
  /** Merged over fieldConfig.defaults.custom. */
  custom?: Record<string, unknown>;
  overrides?: unknown[];
  /** Stat panels: a fixed color instead of thresholds. */
  color?: string;
}

export interface TemplateVariable {
  name: string;
  label: string;
  description: string;
  /** Custom variable: the values offered; the first is the default. */
  values: string[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** Default time range, e.g. 'now-24h'. */
  from: string;
  refresh: string;
  variables?: TemplateVariable[];
  panels: PanelSpec[];
}

const DEFAULT_OPTIONS: Record<PanelType, Record<string, unknown>> = {
  stat: {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: 'auto',
    textMode: 'value_and_name',
    colorMode: 'value',
    graphMode: 'none',
    justifyMode: 'auto',
    wideLayout: true,
    showPercentChange: false,
  },
  table: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' } },
  timeseries: { legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } },
  barchart: {
    orientation: 'horizontal',
    showValue: 'auto',
    stacking: 'none',
    groupWidth: 0.7,
    barWidth: 0.9,
    xTickLabelRotation: 0,
    xTickLabelSpacing: 0,
    legend: { showLegend: false, displayMode: 'list', placement: 'bottom', calcs: [] },
    tooltip: { mode: 'single', sort: 'none' },
  },
  piechart: {
    pieType: 'donut',
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true },
    displayLabels: ['name', 'percent'],
    legend: { showLegend: true, displayMode: 'table', placement: 'right', values: ['value', 'percent'] },
    tooltip: { mode: 'single', sort: 'none' },
  },
  geomap: {
    view: { id: 'zero', lat: 20, lon: 0, zoom: 1, allLayers: true },
    controls: { showZoom: true, mouseWheelZoom: false, showAttribution: true },
    basemap: { type: 'default', name: 'Basemap', config: {} },
    layers: [],
    tooltip: { mode: 'details' },
  },
  histogram: { bucketCount: 30, combine: false, legend: { showLegend: false, displayMode: 'list', placement: 'bottom', calcs: [] } },
};

const DEFAULT_CUSTOM: Partial<Record<PanelType, Record<string, unknown>>> = {
  timeseries: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false, stacking: { mode: 'none', group: 'A' } },
  barchart: { fillOpacity: 80, lineWidth: 1, gradientMode: 'none' },
  histogram: { fillOpacity: 80, lineWidth: 1 },
  table: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects (arrays and scalars from `over` replace). */
function merge(base: Record<string, unknown>, over: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!over) return structuredClone(base);
  const out = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : structuredClone(v);
  }
  return out;
}

function panelJson(p: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    color: p.color ? { mode: 'fixed', fixedColor: p.color } : { mode: p.type === 'stat' || p.type === 'table' ? 'thresholds' : 'palette-classic' },
    mappings: [],
    thresholds: { mode: 'absolute', steps: [{ color: p.type === 'stat' ? 'blue' : 'green', value: null }] },
  };
  if (p.unit) defaults.unit = p.unit;
  if (p.decimals !== undefined) defaults.decimals = p.decimals;
  const custom = merge(DEFAULT_CUSTOM[p.type] ?? {}, p.custom);
  if (Object.keys(custom).length > 0) defaults.custom = custom;
  return {
    id,
    type: p.type,
    title: p.title,
    description: p.description,
    gridPos,
    datasource: { ...DATASOURCE },
    ...(p.interval ? { interval: p.interval } : {}),
    targets: [
      {
        refId: 'A',
        datasource: { ...DATASOURCE },
        editorMode: 'code',
        format: p.format ?? 'table',
        rawQuery: true,
        rawSql: p.sql,
      },
    ],
    fieldConfig: { defaults, overrides: p.overrides ?? [] },
    options: merge(DEFAULT_OPTIONS[p.type], p.options),
  };
}

function variableJson(v: TemplateVariable): Record<string, unknown> {
  const options = v.values.map((value, i) => ({ text: value, value, selected: i === 0 }));
  return {
    name: v.name,
    label: v.label,
    description: v.description,
    type: 'custom',
    query: v.values.join(','),
    current: { text: v.values[0], value: v.values[0], selected: true },
    options,
    hide: 0,
    multi: false,
    includeAll: false,
    skipUrlSync: false,
  };
}

/** The dashboard JSON (what Grafana's file provisioning reads). */
export function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = d.panels.map((p, i) => {
    if (p.w < 1 || p.w > GRID_COLUMNS || p.h < 1) throw new Error(`${d.uid}: panel ${p.title} has a bad size`);
    if (x + p.w > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: p.w, h: p.h };
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
    return panelJson(p, i + 1, gridPos);
  });
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: [DASHBOARD_TAG],
    timezone: 'utc',
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: d.refresh,
    time: { from: d.from, to: 'now' },
    timepicker: {},
    weekStart: '',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [{ title: 'NodeFinder', type: 'dashboards', tags: [DASHBOARD_TAG], asDropdown: true, includeVars: false, keepTime: true, targetBlank: false, icon: 'external link', tooltip: '', url: '' }],
    templating: { list: (d.variables ?? []).map(variableJson) },
    panels,
  };
}
