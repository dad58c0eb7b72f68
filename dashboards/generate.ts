/**
 * Dashboard JSON from dashboards/definitions.ts, one file per dashboard (dashboards/json/<uid>.json,
 * the folder Grafana's file provisioning reads). Pure: build.ts writes the files, the test compares.
 */
import { DASHBOARDS } from './definitions.js';
import { dashboardJson } from './grafana.js';

export const DASHBOARD_JSON_DIR = 'dashboards/json';

export interface DashboardFile {
  /** File name inside dashboards/json. */
  file: string;
  text: string;
}

export function generateDashboardFiles(): DashboardFile[] {
  return DASHBOARDS.map((d) => ({ file: `${d.uid}.json`, text: `${JSON.stringify(dashboardJson(d), null, 2)}\n` }));
}
