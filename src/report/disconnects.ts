/**
 * `report disconnects`: DEVp2p DISCONNECT reasons received from peers and sent by us, by client,
 * and how connection attempts ended (outcome, error kind).
 */
import type { Report, Row, Section } from './render/model.js';
import { ReportContext, share } from './context.js';

export interface DisconnectRow {
  direction: 'received' | 'sent';
  reason: string;
  messages: number;
  nodes: number;
  connections: number;
  [key: string]: unknown;
}

export interface DisconnectByClientRow {
  client: string;
  reason: string;
  messages: number;
  nodes: number;
  [key: string]: unknown;
}

export interface DialOutcomeRow {
  kind: string;
  outcome: string;
  error_kind: string | null;
  dials: number;
  nodes: number;
  [key: string]: unknown;
}

export function loadDisconnects(ctx: ReportContext): Promise<DisconnectRow[]> {
  return ctx.once('disconnects', () => ctx.query<DisconnectRow>('disconnects'));
}

export function loadDialOutcomes(ctx: ReportContext): Promise<DialOutcomeRow[]> {
  return ctx.once('dial-outcomes', () => ctx.query<DialOutcomeRow>('dial-outcomes'));
}

export function reasonSection(rows: readonly DisconnectRow[], direction: 'received' | 'sent'): Section {
  const mine = rows.filter((r) => r.direction === direction);
  const total = mine.reduce((s, r) => s + r.messages, 0);
  return {
    id: `disconnects-${direction}`,
    title: direction === 'received' ? 'DISCONNECT reasons received from peers' : 'DISCONNECT reasons we sent',
    columns: [
      { key: 'reason', label: 'Reason', type: 'text' },
      { key: 'messages', label: 'Messages', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
      { key: 'connections', label: 'Connections', type: 'integer' },
    ],
    rows: mine.map((r): Row => ({ reason: r.reason, messages: r.messages, share: share(r.messages, total), nodes: r.nodes, connections: r.connections })),
    chart: { type: 'bar', x: 'reason', series: ['messages', 'nodes'], yLabel: 'count' },
    notes: direction === 'received'
      ? ['too_many_peers is the usual answer of a full node: it stays in the static set and is redialed.']
      : ['We leave with client_quitting after measuring; other reasons say why we cut a session short.'],
  };
}

/** The JSON contract's `disconnects`: reasons received, [{reason, count, nodes}]. */
export function disconnectsData(rows: readonly DisconnectRow[]): { reason: string; count: number; nodes: number }[] {
  return rows.filter((r) => r.direction === 'received').map((r) => ({ reason: r.reason, count: r.messages, nodes: r.nodes }));
}

export function outcomeSection(rows: readonly DialOutcomeRow[]): Section {
  const total = rows.reduce((s, r) => s + r.dials, 0);
  return {
    id: 'dial-outcomes',
    title: 'Connection outcomes',
    columns: [
      { key: 'what', label: 'Kind / outcome / error', type: 'text' },
      { key: 'kind', label: 'Kind', type: 'text' },
      { key: 'outcome', label: 'Outcome', type: 'text' },
      { key: 'error_kind', label: 'Error', type: 'text' },
      { key: 'dials', label: 'Connections', type: 'integer' },
      { key: 'share', label: 'Share', type: 'percent' },
      { key: 'nodes', label: 'Nodes', type: 'integer' },
    ],
    rows: rows.map((r): Row => ({ what: [r.kind, r.outcome, r.error_kind].filter(Boolean).join(' / '), kind: r.kind, outcome: r.outcome, error_kind: r.error_kind, dials: r.dials, share: share(r.dials, total), nodes: r.nodes })),
    chart: { type: 'bar', x: 'what', series: ['dials', 'nodes'], yLabel: 'count' },
    notes: ['status = HELLO and STATUS exchanged; hello = HELLO only; disconnect = the peer left before HELLO; error = a typed failure.'],
  };
}

function byClientSection(rows: readonly DisconnectByClientRow[], top: number): Section {
  const reasons = [...new Set(rows.map((r) => r.reason))].sort();
  const clients = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const m = clients.get(r.client) ?? new Map<string, number>();
    m.set(r.reason, (m.get(r.reason) ?? 0) + r.messages);
    clients.set(r.client, m);
  }
  const total = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
  const shown = [...clients.entries()].sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, top);
  const keys = reasons.map((_, i) => `r${i}`);
  return {
    id: 'disconnects-by-client',
    title: 'DISCONNECT reasons received, by client',
    columns: [{ key: 'client', label: 'Client', type: 'text' }, ...reasons.map((r, i) => ({ key: keys[i]!, label: r, type: 'integer' as const }))],
    rows: shown.map(([client, m]): Row => Object.fromEntries([['client', client], ...reasons.map((r, i) => [keys[i]!, m.get(r) ?? 0])])),
    ...(keys.length > 0 ? { chart: { type: 'stacked-bar' as const, x: 'client', series: keys, yLabel: 'messages' } } : {}),
    notes: ['The client is taken from the HELLO on the same connection; peers that left before HELLO are grouped as "(before HELLO)".'],
  };
}

export async function buildDisconnectsReport(ctx: ReportContext): Promise<Report> {
  const rows = await loadDisconnects(ctx);
  const byClient = await ctx.query<DisconnectByClientRow>('disconnects-by-client');
  const outcomes = await loadDialOutcomes(ctx);
  return {
    name: 'disconnects',
    title: 'Disconnect reasons and connection outcomes',
    generatedAt: ctx.generatedAt,
    parameters: ctx.baseParameters(),
    sections: [reasonSection(rows, 'received'), reasonSection(rows, 'sent'), byClientSection(byClient, ctx.top), outcomeSection(outcomes)],
    data: {
      disconnects: disconnectsData(rows),
      sent: rows.filter((r) => r.direction === 'sent').map((r) => ({ reason: r.reason, count: r.messages, nodes: r.nodes })),
      outcomes: outcomes.map((r) => ({ kind: r.kind, outcome: r.outcome, error_kind: r.error_kind, count: r.dials, nodes: r.nodes })),
    },
  };
}
