/** A report exercising every column type and chart type, shared by the renderer and browser tests. */
import type { Report } from '../../src/report/render/model.js';

export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

export function sampleReport(): Report {
  const clients = [
    { client: 'Geth', count: 6120, share: 0.612 },
    { client: 'Nethermind', count: 1830, share: 0.183 },
    { client: 'Erigon', count: 1020, share: 0.102 },
    { client: 'besu', count: 640, share: 0.064 },
    { client: 'reth', count: 390, share: 0.039 },
  ];
  return {
    name: 'sample',
    title: 'Sample report <with> "every" chart & type',
    generatedAt: T0,
    parameters: { db: './nodefinder-data', since: '24h', limit: 10, strict: true, missing: null },
    sections: [
      {
        id: 'clients',
        title: 'Clients',
        columns: [
          { key: 'client', label: 'Client', type: 'text' },
          { key: 'count', label: 'Nodes', type: 'integer' },
          { key: 'share', label: 'Share', type: 'percent' },
        ],
        rows: clients,
        chart: { type: 'bar', x: 'client', series: ['count'] },
        notes: ['Client = the name part of the HELLO client id.'],
      },
      {
        id: 'latency',
        title: 'RTT histogram',
        columns: [
          { key: 'bucket_ms', label: 'RTT bucket', type: 'ms', digits: 0 },
          { key: 'mainnet', label: 'Mainnet peers', type: 'integer' },
          { key: 'other', label: 'Other peers', type: 'integer' },
        ],
        rows: Array.from({ length: 24 }, (_, i) => ({
          bucket_ms: i * 25,
          mainnet: Math.round(900 * Math.exp(-((i - 6) ** 2) / 18)),
          other: Math.round(400 * Math.exp(-((i - 10) ** 2) / 30)),
        })),
        chart: { type: 'histogram', x: 'bucket_ms', series: ['mainnet', 'other'] },
      },
      {
        id: 'timeline',
        title: 'Nodes seen per hour',
        columns: [
          { key: 'hour', label: 'Hour', type: 'timestamp' },
          { key: 'discovered', label: 'Discovered', type: 'integer' },
          { key: 'status', label: 'STATUS', type: 'integer' },
        ],
        rows: Array.from({ length: 36 }, (_, i) => ({
          hour: T0 + i * 3_600_000,
          discovered: 1000 + Math.round(400 * Math.sin(i / 4)) + i * 20,
          status: i === 10 ? null : 400 + Math.round(150 * Math.sin(i / 4)) + i * 8,
        })),
        chart: { type: 'line', x: 'hour', series: ['discovered', 'status'] },
      },
      {
        id: 'disconnects',
        title: 'Disconnect reasons by client',
        columns: [
          { key: 'client', label: 'Client', type: 'text' },
          { key: 'too_many_peers', label: 'Too many peers', type: 'integer' },
          { key: 'useless_peer', label: 'Useless peer', type: 'integer' },
          { key: 'other', label: 'Other', type: 'integer' },
        ],
        rows: clients.map((c, i) => ({
          client: c.client,
          too_many_peers: Math.round(c.count * 0.5),
          useless_peer: Math.round(c.count * (0.1 + i * 0.05)),
          other: Math.round(c.count * 0.08),
        })),
        chart: { type: 'stacked-bar', x: 'client', series: ['too_many_peers', 'useless_peer', 'other'] },
      },
      {
        id: 'empty',
        title: 'Nothing here',
        columns: [{ key: 'x', type: 'number' }],
        rows: [],
        chart: { type: 'bar', x: 'x', series: ['x'] },
      },
    ],
    data: { nodes: { discovered: 10000, hello: 4000 } },
  };
}
