/**
 * `crawl --metrics host:port` end to end: a short loopback crawl of a small testnet (src/testnet)
 * through main(argv), scraped over HTTP while it runs, until it has been through every stage checked
 * (then stopped as a service manager would, SIGTERM; no --duration that must be long enough). Every family an operator graphs must be there
 * with values that agree with each other and with the testnet: dials by outcome, live discovery
 * counters, table sizes, write-queue depth, writer flush latency, RLPx handshake durations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startTestnet, type Testnet } from '../../src/testnet/testnet.js';
import { LOADED_DEADLINE_MS, metricsUrl, parseExposition, sumSeries as sum } from '../integration/scrape.js';

const root = mkdtempSync(join(tmpdir(), 'nf-ops-metrics-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crawl --metrics', () => {
  let testnet: Testnet | undefined;
  afterAll(async () => {
    await testnet?.close();
  });

  it('serves dials by outcome, discovery counters, table sizes, writer queue and latency, handshake durations', async () => {
    testnet = await startTestnet({ nodes: 12, port: 0, seed: 7, fullFraction: 0.2, noTcpFraction: 0.1 });
    const summary = testnet.manifest.summary;
    expect(summary.full).toBeGreaterThan(0);
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const port = 20000 + Math.floor(Math.random() * 12000); // below the ephemeral range (32768+)
    const run = main([
      'node', 'nodefinder', 'crawl', '--db', join(root, 'db'), '--listen', '127.0.0.1', '--port', String(port), '--instances', '2',
      '--bootnodes', testnet.enodes.slice(0, 3).join(','), '--netrestrict', '127.0.0.0/8', '--metrics', '127.0.0.1:0',
      '--no-status',
    ]);
    let ended = false;
    void run.finally(() => (ended = true)).catch(() => {});
    let text = '';
    let notFound = 0;
    try {
      let url: string | undefined;
      // Start-up (a new embedded database, migrations) takes seconds, more on a loaded machine.
      for (const deadline = Date.now() + LOADED_DEADLINE_MS; !url && !ended && Date.now() < deadline; ) {
        url = metricsUrl(err);
        if (!url) await sleep(100);
      }
      expect(url, err).toBeDefined();
      notFound = (await fetch(url!.replace('/metrics', '/other'))).status;
      // Scrape until the crawl has been through every stage we check (however long that takes).
      for (const deadline = Date.now() + LOADED_DEADLINE_MS; !ended && Date.now() < deadline; ) {
        const res = await fetch(url!);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        text = await res.text();
        const m = parseExposition(text);
        const ready =
          sum(m, 'nodefinder_dials_total', 'outcome="status"') > 0 &&
          sum(m, 'nodefinder_dials_total', 'outcome="disconnect"') > 0 &&
          sum(m, 'nodefinder_disconnects_total', 'direction="received"', 'reason="too_many_peers"') > 0 &&
          sum(m, 'nodefinder_discovery_total', 'kind="neighbors_received"') > 0 &&
          sum(m, 'nodefinder_discovery_total', 'kind="pongs_received"') > 0 &&
          (m.get('nodefinder_table_nodes{instance="0"}') ?? 0) > 0 &&
          (m.get('nodefinder_table_nodes{instance="1"}') ?? 0) > 0 &&
          sum(m, 'nodefinder_writer_written_events') > 0 &&
          sum(m, 'nodefinder_writer_last_flush_ms') > 0 &&
          sum(m, 'nodefinder_rlpx_handshake_ms_count') > 0 &&
          sum(m, 'nodefinder_tcp_connect_ms_count') > 0;
        if (ready) break;
        await sleep(250);
      }
    } finally {
      process.emit('SIGTERM'); // vitest's worker has no SIGTERM handler of its own: this reaches only the crawl's
      const code = await run;
      spy.mockRestore();
      expect(code, err).toBe(0);
    }
    expect(notFound).toBe(404);

    const m = parseExposition(text);
    // dials by kind and outcome; the histograms saw each of them once
    const dials = sum(m, 'nodefinder_dials_total');
    expect(sum(m, 'nodefinder_dials_total', 'kind="dynamic"', 'outcome="status"')).toBeGreaterThan(0);
    expect(sum(m, 'nodefinder_dials_total', 'outcome="disconnect"')).toBeGreaterThan(0);
    expect(sum(m, 'nodefinder_disconnects_total', 'direction="received"', 'reason="too_many_peers"')).toBeGreaterThan(0);
    expect(sum(m, 'nodefinder_dial_duration_ms_count')).toBe(dials);
    // live discovery counters: we asked and were answered
    expect(sum(m, 'nodefinder_discovery_total', 'kind="findnode_sent"')).toBeGreaterThan(0);
    expect(sum(m, 'nodefinder_discovery_total', 'kind="neighbors_received"')).toBeGreaterThan(0);
    expect(sum(m, 'nodefinder_discovery_total', 'kind="pongs_received"')).toBeGreaterThan(0);
    expect(sum(m, 'nodefinder_discovery_total', 'kind="pongs_received"')).toBeLessThanOrEqual(sum(m, 'nodefinder_discovery_total', 'kind="pings_sent"'));
    // table sizes per instance: some peers, never more than exist (12 peers + the other instance)
    for (const i of ['0', '1']) {
      const size = m.get(`nodefinder_table_nodes{instance="${i}"}`);
      expect(size).toBeGreaterThan(0);
      expect(size).toBeLessThanOrEqual(13);
    }
    expect(m.get('nodefinder_known_nodes')).toBeGreaterThan(0);
    // writer: queue depth present, something committed, the last flush took a plausible time
    expect(m.get('nodefinder_write_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(m.get('nodefinder_writer_written_events')).toBeGreaterThan(0);
    const flushMs = m.get('nodefinder_writer_last_flush_ms')!;
    expect(flushMs).toBeGreaterThan(0);
    expect(flushMs).toBeLessThan(60_000);
    expect(m.get('nodefinder_writer_dropped_events')).toBe(0);
    // RLPx handshake durations: consistent histogram, loopback handshakes well under the 5 s timeout
    const count = sum(m, 'nodefinder_rlpx_handshake_ms_count');
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(dials);
    expect(sum(m, 'nodefinder_rlpx_handshake_ms_bucket', 'le="+Inf"')).toBe(count);
    const mean = sum(m, 'nodefinder_rlpx_handshake_ms_sum') / count;
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(5_000);
    expect(sum(m, 'nodefinder_tcp_connect_ms_count')).toBeGreaterThan(0);
  }, 2 * LOADED_DEADLINE_MS + 60_000);
});
