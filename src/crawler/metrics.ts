/**
 * Prometheus metrics of a crawl (`--metrics host:port`): an event consumer for counters and
 * histograms, plus gauges sampled at scrape time from the crawler and the writer.
 */
import { Registry, type Counter } from '../metrics/registry.js';
import type { Discv4Counters } from '../discv4/endpoint.js';
import { V5_COUNTER_COLUMNS, V5_COUNTER_FIELDS, type CrawlerEvent } from '../events.js';
import type { V5Counters } from './discovery-v5.js';

export interface CrawlGauges {
  knownNodes(): number;
  tableSizes(): { instance: string; size: number }[];
  dialsInFlight(): number;
  dialsQueued(): number;
  staticNodes(): number;
  socketsInUse(): number;
  writer(): { buffered: number; spilled: number; dropped: number; written: number; lastFlushMs: number; failures: number } | undefined;
  /**
   * Live discv4 packet counters of each instance since it started. With it, discovery counters are
   * current at every scrape; without it they move once a minute (discovery_counters events).
   */
  discovery?(): (Discv4Counters | undefined)[];
  /** Live discv5 counters of each instance since it started (undefined where discv5 is off). */
  discoveryV5?(): (V5Counters | undefined)[];
}

/** Discovery kinds sampled live from the endpoints (new_nodes comes from the per-minute events). */
const LIVE_DISCOVERY_KINDS = {
  findnode_sent: 'findnodeSent',
  neighbors_received: 'neighborsReceived',
  nodes_learned: 'nodesLearned',
  pings_sent: 'pingsSent',
  pongs_received: 'pongsReceived',
  pings_received: 'pingsReceived',
  findnode_received: 'findnodeReceived',
  neighbors_dropped: 'invalidNeighbors',
  findnode_rebonds: 'findnodeRebonds',
} as const satisfies Record<string, keyof Discv4Counters>;

/** discv5 kinds sampled live from each instance's v5 node (src/crawler/discovery-v5.ts V5Counters). */
export const LIVE_V5_KINDS: Readonly<Record<string, keyof V5Counters>> = Object.fromEntries(V5_COUNTER_FIELDS.map((f, i) => [V5_COUNTER_COLUMNS[i]!, f]));

/**
 * At each scrape, `counter{kind}` = the sum of `field` over the instances' live counters. Instances
 * only count up; max() keeps the counter monotonic if one stopped and lost its discovery node.
 */
function collectLive<C>(counter: Counter, kinds: Readonly<Record<string, keyof C>>, sample: () => (C | undefined)[]): void {
  counter.collect(() => {
    const all = sample();
    for (const [kind, field] of Object.entries(kinds)) {
      let sum = 0;
      for (const c of all) sum += (c?.[field] as number | undefined) ?? 0;
      counter.set(Math.max(sum, counter.get({ kind })), { kind });
    }
  });
}

const MS_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];
/** A handshake costs ~1 ms of ECDH+ECIES on each side plus one round trip (timeout 5 s). */
const HANDSHAKE_BUCKETS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

export function createCrawlMetrics(gauges: CrawlGauges): { registry: Registry; consume: (e: CrawlerEvent) => void } {
  const r = new Registry();
  const dials = r.counter('nodefinder_dials_total', 'Connection attempts by kind (dynamic/static/inbound) and outcome');
  const errors = r.counter('nodefinder_dial_errors_total', 'Failed connection attempts by error kind');
  const disconnects = r.counter('nodefinder_disconnects_total', 'DISCONNECT messages by direction and reason');
  const live = gauges.discovery;
  const discovery = r.counter('nodefinder_discovery_total', 'discv4 activity by kind (findnode_sent, neighbors_received, nodes_learned, pings_sent, pongs_received, pings_received, findnode_received, new_nodes, neighbors_dropped, findnode_rebonds)');
  if (live) collectLive(discovery, LIVE_DISCOVERY_KINDS, live);
  const liveV5 = gauges.discoveryV5;
  if (liveV5) {
    const v5 = r.counter('nodefinder_discovery_v5_total', 'discv5 activity by kind (lookups, findnode_sent, nodes_received, records_learned, pings_sent, pongs_received, sessions_in, requests_answered, dropped)');
    collectLive(v5, LIVE_V5_KINDS, liveV5);
  }
  const neighborsDropped = r.counter('nodefinder_neighbors_dropped_total', 'NEIGHBORS entries dropped on receipt by reason (low_port, invalid, unspecified, special, loopback, lan, bad_key, self, malformed)');
  if (live) {
    neighborsDropped.collect(() => {
      const sums = new Map<string, number>();
      for (const c of live()) for (const [reason, n] of Object.entries(c?.neighborsDropped ?? {})) sums.set(reason, (sums.get(reason) ?? 0) + (n ?? 0));
      for (const [reason, sum] of sums) neighborsDropped.set(Math.max(sum, neighborsDropped.get({ reason })), { reason });
    });
  }
  const sightings = r.counter('nodefinder_node_sightings_total', 'Node addresses recorded, by source');
  const enrs = r.counter('nodefinder_enrs_total', 'ENR records received');
  const handshake = r.histogram('nodefinder_dial_duration_ms', 'Connection attempt duration (connect to disconnect), ms', MS_BUCKETS);
  const connect = r.histogram('nodefinder_tcp_connect_ms', 'TCP connect time, ms', MS_BUCKETS);
  const rlpx = r.histogram('nodefinder_rlpx_handshake_ms', 'RLPx handshake (auth → ack, crypto included) by dial kind, ms', HANDSHAKE_BUCKETS);
  const srtt = r.histogram('nodefinder_srtt_ms', 'Smoothed RTT of the p2p PINGs per connection (RFC 6298), ms', MS_BUCKETS);
  const rtt = r.histogram('nodefinder_rtt_ms', 'Network RTT per connection (lowest p2p PING, else the discv4 PING), ms', MS_BUCKETS);

  const known = r.gauge('nodefinder_known_nodes', 'Distinct node IDs seen by this process (sighting window)');
  known.collect(() => known.set(gauges.knownNodes()));
  const table = r.gauge('nodefinder_table_nodes', 'Nodes in each instance\'s k-bucket table');
  table.collect(() => {
    for (const t of gauges.tableSizes()) table.set(t.size, { instance: t.instance });
  });
  const inflight = r.gauge('nodefinder_dials_in_flight', 'Dials in flight across instances');
  inflight.collect(() => inflight.set(gauges.dialsInFlight()));
  const queued = r.gauge('nodefinder_dials_queued', 'Dials waiting for a slot');
  queued.collect(() => queued.set(gauges.dialsQueued()));
  const statics = r.gauge('nodefinder_static_nodes', 'Nodes in the static redial set');
  statics.collect(() => statics.set(gauges.staticNodes()));
  const sockets = r.gauge('nodefinder_sockets_in_use', 'Dial sockets held from the process-wide budget');
  sockets.collect(() => sockets.set(gauges.socketsInUse()));
  const queue = r.gauge('nodefinder_write_queue_depth', 'Events buffered in memory by the writer');
  const spilled = r.gauge('nodefinder_writer_spilled_events', 'Events written to the local journal (database unavailable)');
  const dropped = r.gauge('nodefinder_writer_dropped_events', 'Events that could not be kept');
  const written = r.gauge('nodefinder_writer_written_events', 'Events committed to the database');
  const flush = r.gauge('nodefinder_writer_last_flush_ms', 'Duration of the last committed batch, ms');
  const failures = r.gauge('nodefinder_writer_failures', 'Failed write attempts');
  queue.collect(() => {
    const w = gauges.writer();
    if (!w) return;
    queue.set(w.buffered);
    spilled.set(w.spilled);
    dropped.set(w.dropped);
    written.set(w.written);
    flush.set(w.lastFlushMs);
    failures.set(w.failures);
  });

  const consume = (e: CrawlerEvent): void => {
    switch (e.type) {
      case 'dial':
        dials.inc({ kind: e.kind, outcome: e.outcome });
        if (e.errorKind) errors.inc({ kind: e.errorKind });
        for (const d of e.disconnects) disconnects.inc({ direction: d.direction, reason: d.reason });
        handshake.observe(e.endedAt - e.startedAt);
        if (e.connectMs !== null) connect.observe(e.connectMs);
        if (e.handshakeMs !== undefined && e.handshakeMs !== null) rlpx.observe(e.handshakeMs, { kind: e.kind });
        if (e.rtt && e.rtt.srttMs !== null) srtt.observe(e.rtt.srttMs);
        if (e.rtt && e.rtt.rttMs !== null) rtt.observe(e.rtt.rttMs);
        break;
      case 'discovery_counters':
        discovery.inc({ kind: 'new_nodes' }, e.newNodes);
        if (live) break;
        discovery.inc({ kind: 'findnode_sent' }, e.findnodeSent);
        discovery.inc({ kind: 'neighbors_received' }, e.neighborsReceived);
        discovery.inc({ kind: 'nodes_learned' }, e.nodesLearned);
        discovery.inc({ kind: 'pings_sent' }, e.pingsSent);
        discovery.inc({ kind: 'pongs_received' }, e.pongsReceived);
        discovery.inc({ kind: 'pings_received' }, e.pingsReceived);
        discovery.inc({ kind: 'findnode_received' }, e.findnodeReceived);
        discovery.inc({ kind: 'neighbors_dropped' }, e.neighborsDropped ?? 0);
        discovery.inc({ kind: 'findnode_rebonds' }, e.findnodeRebonds ?? 0);
        break;
      case 'node_seen':
        sightings.inc({ source: e.source });
        break;
      case 'enr':
        enrs.inc();
        break;
      default:
        break;
    }
  };
  return { registry: r, consume };
}
