import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/metrics/registry.js';
import { parseHostPort, startMetricsServer } from '../../src/metrics/server.js';

describe('metrics registry', () => {
  it('renders counters, gauges and histograms in Prometheus text format', () => {
    const r = new Registry();
    const dials = r.counter('nodefinder_dials_total', 'Dials by outcome');
    dials.inc({ outcome: 'status' });
    dials.inc({ outcome: 'status' });
    dials.inc({ outcome: 'error', kind: 'timeout' });
    let depth = 7;
    const queue = r.gauge('nodefinder_write_queue_depth', 'Events waiting');
    queue.collect(() => queue.set(depth));
    const g = r.gauge('nodefinder_table_nodes', 'Nodes in tables');
    g.set(3, { instance: '0' });
    const h = r.histogram('nodefinder_handshake_seconds', 'Handshake time', [0.1, 0.5, 1]);
    h.observe(0.05);
    h.observe(0.7);
    const text = r.render();
    expect(text).toContain('# TYPE nodefinder_dials_total counter');
    expect(text).toContain('nodefinder_dials_total{outcome="status"} 2');
    expect(text).toContain('nodefinder_dials_total{kind="timeout",outcome="error"} 1');
    expect(text).toContain('nodefinder_table_nodes{instance="0"} 3');
    expect(text).toContain('nodefinder_handshake_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('nodefinder_handshake_seconds_bucket{le="1"} 2');
    expect(text).toContain('nodefinder_handshake_seconds_bucket{le="+Inf"} 2');
    expect(text).toContain('nodefinder_handshake_seconds_count 2');
    expect(text).toContain('nodefinder_write_queue_depth 7');
    depth = 9;
    expect(r.render()).toContain('nodefinder_write_queue_depth 9');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes label values and refuses duplicate names', () => {
    const r = new Registry();
    r.counter('x_total', 'x').inc({ client: 'a"b\\c\nd' });
    expect(r.render()).toContain('x_total{client="a\\"b\\\\c\\nd"} 1');
    expect(() => r.counter('x_total', 'again')).toThrow();
  });

  it('parses host:port', () => {
    expect(parseHostPort('127.0.0.1:9100')).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseHostPort('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseHostPort('nope')).toBeUndefined();
    expect(parseHostPort('h:99999')).toBeUndefined();
  });

  it('serves /metrics over HTTP on loopback', async () => {
    const r = new Registry();
    r.counter('up_total', 'up').inc();
    const server = await startMetricsServer(r, '127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(await res.text()).toContain('up_total 1');
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
