/**
 * The six NodeFinder dashboards. Every panel's SQL comes from sql/reports (the CLI's queries, with
 * Grafana's time range and interval as parameters, sometimes wrapped to reshape the result) or from
 * dashboards/sql (time-series shapes with Grafana macros). Terms follow the IMC 2018 paper: a node is
 * "discovered" when learned from discovery, "reached" when it completed HELLO, "mainnet" when its
 * STATUS names network 1, the mainnet genesis and a compatible fork ID.
 */
import type { DashboardSpec, PanelSpec, TemplateVariable } from './grafana.js';
import { dashboardQuery, from, reportQueryForGrafana as report } from './queries.js';
import { geoLookup } from './geo/tables.js';

const file = dashboardQuery;
/** A float8 ms-since-epoch column as a timestamptz named `alias` ("time" is Grafana's time column). */
const time = (ms = 'bucket_ms', alias = 'time') => `to_timestamp(${ms} / 1000.0) AS "${alias}"`;
const NOTE_ALL_IDS =
  'Dashboards count every node ID, including those of abusive IPs (like `report --include-abusive`); see the geography dashboard for those IPs.';

const abusiveMinIds: TemplateVariable = {
  name: 'abusive_min_ids',
  label: 'Abusive IP: node IDs ≥',
  description: 'An IP address carrying at least this many node IDs in the time range is flagged (report --abusive-min-ids).',
  values: ['10', '5', '20', '50', '100'],
};

// ---------------------------------------------------------------- overview

const overview: DashboardSpec = {
  uid: 'nodefinder-overview',
  title: 'NodeFinder · Overview',
  description: `What the crawl saw in the time range, stage by stage, and whether it is still running. ${NOTE_ALL_IDS}`,
  from: 'now-24h',
  refresh: '1m',
  panels: [
    {
      type: 'stat',
      title: 'Nodes per stage',
      description:
        'Distinct node IDs: discovered (learned from discovery v4), dialed (outbound), responded (an outbound dial got STATUS, HELLO or DISCONNECT), inbound (dialed us), hello, status, and mainnet (network 1, mainnet genesis, compatible fork ID). Same query as `report snapshot`.',
      sql: `SELECT discovered, dialed, responded, inbound, hello, status, mainnet\nFROM ${from(report('snapshot-stages'))}`,
      w: 24,
      h: 4,
    },
    {
      type: 'stat',
      title: 'Last data',
      description: 'The latest connection and discovery sighting written in the time range. Old values mean the crawler or its writer is down.',
      sql: file('last-data'),
      unit: 'dateTimeFromNow',
      w: 8,
      h: 4,
    },
    {
      type: 'stat',
      title: 'Outbound dials',
      description: 'Share of outbound dials with no answer at all (a typed error), and share of answered dials refused with DISCONNECT too_many_peers.',
      sql: file('error-rate'),
      unit: 'percentunit',
      decimals: 1,
      w: 8,
      h: 4,
    },
    {
      type: 'stat',
      title: 'Networks',
      description: 'Distinct nodes per network announced in STATUS (network ID + genesis hash).',
      sql: `SELECT network_id || ' ' || left(genesis, 8) AS network, nodes\nFROM ${from(report('networks'))}\nLIMIT 6`,
      options: { reduceOptions: { values: true }, textMode: 'value_and_name' },
      w: 8,
      h: 4,
    },
    {
      type: 'timeseries',
      title: 'Connections by outcome',
      description: 'Connection attempts (dials and inbound) per interval by how far they got: status, hello, disconnect (before HELLO), error.',
      sql: file('dials-by-outcome'),
      format: 'time_series',
      interval: '1m',
      w: 12,
      h: 8,
      custom: { drawStyle: 'bars', fillOpacity: 60, stacking: { mode: 'normal', group: 'A' } },
    },
    {
      type: 'timeseries',
      title: 'New nodes',
      description: 'Node IDs seen for the first time ever, per interval (sql/reports/longitudinal-new-nodes.sql).',
      sql: `SELECT ${time()}, new_nodes AS "new nodes"\nFROM ${from(report('longitudinal-new-nodes'))}\nORDER BY 1`,
      format: 'time_series',
      interval: '1m',
      w: 12,
      h: 8,
      custom: { drawStyle: 'bars', fillOpacity: 60 },
    },
    {
      type: 'timeseries',
      title: 'Discovery v4 activity',
      description: 'FINDNODE sent, NEIGHBORS received and node entries learned per interval, all instances together.',
      sql: `SELECT ${time()}, findnode_sent AS "FINDNODE sent", neighbors_received AS "NEIGHBORS received", nodes_learned AS "entries learned"\nFROM ${from(report('longitudinal-discovery'))}\nORDER BY 1`,
      format: 'time_series',
      interval: '1m',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Routing table size per instance',
      description: 'Entries in each instance’s k-bucket table (256 buckets of 16), sampled once a minute.',
      sql: file('table-sizes'),
      format: 'time_series',
      interval: '1m',
      w: 12,
      h: 8,
    },
    {
      type: 'barchart',
      title: 'Layers and discovery protocols answered',
      description:
        'Nodes learned or answering in the time range by the layer their newest node record names (execution = eth entry; consensus = eth2, counted but never dialed; other; unknown = no record), split by the discovery protocols they answered. Same query as `report discovery`.',
      sql: `SELECT layer, sum(nodes) FILTER (WHERE v4 AND NOT v5)::int AS "v4 only", sum(nodes) FILTER (WHERE v5 AND NOT v4)::int AS "v5 only",\n  sum(nodes) FILTER (WHERE v4 AND v5)::int AS both, sum(nodes) FILTER (WHERE NOT v4 AND NOT v5)::int AS neither\nFROM ${from(report('discovery-sources'))}\nGROUP BY 1\nORDER BY 1`,
      w: 12,
      h: 8,
    },
    {
      type: 'table',
      title: 'How nodes were learned',
      description:
        'Nodes by the set of discovery sources they were learned from (neighbors = discv4 NEIGHBORS, nodes = discv5 NODES, ping = discv4 packet from a bonded node, v5_session, dns, inbound, bootnode, static) and the protocols they answered. Same query as `report discovery`.',
      sql: `SELECT CASE WHEN sources = '' THEN '(answered only)' ELSE sources END AS sources, sum(nodes)::int AS nodes,\n  sum(nodes) FILTER (WHERE v4)::int AS "answered v4", sum(nodes) FILTER (WHERE v5)::int AS "answered v5"\nFROM ${from(report('discovery-sources'))}\nGROUP BY 1\nORDER BY 2 DESC, 1`,
      w: 12,
      h: 8,
    },
    {
      type: 'table',
      title: 'Instances',
      description: 'Every crawler identity with its latest run: where it listened and on which network.',
      sql: `SELECT left(instance, 16) AS instance, host, udp_port, tcp_port, network, ${time('first_started_ms', 'first started')}, ${time('last_started_ms', 'last started')}\nFROM ${from(report('instances'))}`,
      w: 24,
      h: 7,
    },
  ],
};

// ---------------------------------------------------------------- clients and versions

const clients: DashboardSpec = {
  uid: 'nodefinder-clients',
  title: 'NodeFinder · Clients and versions',
  description: `Client software of the nodes that completed HELLO (each node counted once, by its latest HELLO), their releases, capabilities and eth versions. ${NOTE_ALL_IDS}`,
  from: 'now-24h',
  refresh: '5m',
  panels: [
    {
      type: 'piechart',
      title: 'Clients',
      description: 'Nodes per client (name part of the HELLO client id, e.g. Geth).',
      sql: `SELECT client_name AS client, sum(nodes)::int AS nodes\nFROM ${from(report('clients'))}\nGROUP BY 1\nORDER BY 2 DESC, 1`,
      w: 8,
      h: 9,
    },
    {
      type: 'barchart',
      title: 'Mainnet nodes per client',
      description: 'Of the nodes per client, those whose STATUS was mainnet with a compatible fork ID.',
      sql: `SELECT client_name AS client, sum(mainnet_nodes)::int AS mainnet, (sum(nodes) - sum(mainnet_nodes))::int AS other\nFROM ${from(report('clients'))}\nGROUP BY 1\nORDER BY sum(nodes) DESC, 1\nLIMIT 15`,
      options: { stacking: 'normal', legend: { showLegend: true } },
      w: 8,
      h: 9,
    },
    {
      type: 'piechart',
      title: 'What reached nodes were',
      description:
        'The nodes that completed HELLO: mainnet, or non-productive (another network, a mainnet-genesis peer with a rejected fork ID, no eth capability, useless_peer, no STATUS). Same categories as `report snapshot`.',
      sql: `SELECT category, nodes\nFROM ${from(report('nonproductive'))}`,
      w: 8,
      h: 9,
    },
    {
      type: 'timeseries',
      title: 'Clients over time',
      description: 'Distinct nodes per client per interval, from HELLO (sql/reports/longitudinal-clients.sql, releases summed).',
      sql: `SELECT ${time()}, client_name AS metric, sum(nodes)::int AS value\nFROM ${from(report('longitudinal-clients'))}\nGROUP BY 1, 2\nORDER BY 1, 2`,
      format: 'time_series',
      interval: '1h',
      w: 24,
      h: 8,
    },
    {
      type: 'table',
      title: 'Client versions',
      description: 'Every (client, version, OS, architecture, runtime) announced in HELLO, with its nodes and mainnet nodes.',
      sql: report('clients'),
      w: 14,
      h: 10,
    },
    {
      type: 'barchart',
      title: 'Capabilities offered',
      description: 'Subprotocol capabilities offered in HELLO (eth/68, snap/1, …): distinct nodes.',
      sql: report('capabilities'),
      w: 10,
      h: 10,
    },
    {
      type: 'barchart',
      title: 'eth versions negotiated',
      description: 'Nodes by the eth version negotiated in STATUS (the highest both sides support).',
      sql: file('eth-versions'),
      w: 8,
      h: 8,
    },
    {
      type: 'table',
      title: 'Newest releases seen',
      description: 'Client releases by the first time any node announced them (the basis of client age: releases behind the newest seen).',
      sql: `SELECT client_name AS client, client_version AS version, ${time('first_seen_ms', 'first seen')}, nodes\nFROM ${from(report('client-releases'))}\nORDER BY 3 DESC\nLIMIT 50`,
      w: 16,
      h: 8,
    },
  ],
};

// ---------------------------------------------------------------- geography

const nodeGeo = geoLookup('w.ip::inet');
const placedNodes = `SELECT w.*, ${nodeGeo.country} AS country, ${nodeGeo.asn} AS asn, ${nodeGeo.org} AS org\nFROM ${from(report('window-nodes'), 'w')}\n${nodeGeo.joins}`;
const countries = `SELECT country, sum(nodes)::int AS nodes, sum(hello)::int AS hello, sum(mainnet)::int AS mainnet\nFROM ${from(placedNodes, 'g')}\nGROUP BY 1\nORDER BY 2 DESC, 1`;
const ipGeo = geoLookup('a.ip::inet');

const geography: DashboardSpec = {
  uid: 'nodefinder-geography',
  title: 'NodeFinder · Geography',
  description:
    'Where nodes are: country and autonomous system of each node’s latest address (offline ip-location-db tables loaded by `npm run geo:load`; private and reserved blocks labelled, never placed), address families, and IPs carrying many node IDs. Country: ip-location-db geo-whois-asn-country (CC0). ASN: ip-location-db asn — RouteViews and DB-IP, CC BY 4.0.',
  from: 'now-24h',
  refresh: '5m',
  variables: [abusiveMinIds],
  panels: [
    {
      type: 'geomap',
      title: 'Nodes by country',
      description: 'Nodes active in the time range (discovered, reached or with STATUS) by country of their latest endpoint.',
      sql: countries,
      options: {
        layers: [
          {
            type: 'markers',
            name: 'nodes',
            tooltip: true,
            location: { mode: 'lookup', lookup: 'country', gazetteer: 'public/gazetteer/countries.json' },
            config: {
              showLegend: true,
              style: {
                size: { field: 'nodes', min: 4, max: 40, fixed: 5 },
                color: { fixed: 'dark-green' },
                opacity: 0.5,
                symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' },
              },
            },
          },
        ],
      },
      w: 16,
      h: 12,
    },
    {
      type: 'table',
      title: 'Countries',
      description: 'Nodes, reached nodes (HELLO) and mainnet nodes per country; private/reserved for special-purpose addresses, unknown when no range matches.',
      sql: countries,
      w: 8,
      h: 12,
    },
    {
      type: 'table',
      title: 'Autonomous systems',
      description: 'The 25 ASes with the most nodes (hosting providers dominate, as in the paper).',
      sql: `SELECT asn, coalesce(org, 'unknown') AS organisation, sum(nodes)::int AS nodes, sum(hello)::int AS hello, sum(mainnet)::int AS mainnet\nFROM ${from(placedNodes, 'g')}\nGROUP BY 1, 2\nORDER BY 3 DESC, 1\nLIMIT 25`,
      w: 12,
      h: 10,
    },
    {
      type: 'piechart',
      title: 'Address families',
      description: 'Nodes by the family of their latest address.',
      sql: `SELECT CASE family(ip::inet) WHEN 4 THEN 'IPv4' ELSE 'IPv6' END AS family, sum(nodes)::int AS nodes\nFROM ${from(report('window-nodes'))}\nWHERE ip IS NOT NULL\nGROUP BY 1\nORDER BY 1`,
      w: 6,
      h: 10,
    },
    {
      type: 'stat',
      title: 'Geo tables',
      description: 'When the IP → country / AS tables were loaded. Missing tables: run `npm run geo:load -- --db <url>` (compose runs it).',
      sql: file('geo-loaded'),
      unit: 'dateTimeFromNow',
      options: { textMode: 'value_and_name', reduceOptions: { fields: '/geo tables loaded/' } },
      w: 6,
      h: 10,
    },
    {
      type: 'table',
      title: 'Abusive IPs',
      description:
        'IP addresses carrying at least $abusive_min_ids node IDs in the time range (Sybil-like identity churn). `report snapshot` leaves their node IDs out of network size unless --include-abusive (private and reserved addresses are exempt).',
      sql: `SELECT a.ip, ${ipGeo.country} AS country, ${ipGeo.org} AS organisation, a.node_ids, a.new_node_ids, a.hello_node_ids, ${time('a.first_seen_ms', 'first seen')}, ${time('a.last_seen_ms', 'last seen')}\nFROM ${from(report('abusive-ips'), 'a')}\n${ipGeo.joins}\nORDER BY a.node_ids DESC, a.ip`,
      w: 24,
      h: 8,
    },
  ],
};

// ---------------------------------------------------------------- latency

const latency: DashboardSpec = {
  uid: 'nodefinder-latency',
  title: 'NodeFinder · Latency',
  description:
    'Network round-trip times measured on connections: per connection the lowest of its p2p PING→PONG samples (else the discv4 PING→PONG), per (instance, node) the median over the node’s connections. The RLPx handshake and HELLO→STATUS include the peer’s own work and are shown apart.',
  from: 'now-24h',
  refresh: '5m',
  panels: [
    {
      type: 'stat',
      title: 'Node RTT',
      description: 'Percentiles over nodes of the network RTT: per node the lowest over instances of the per-instance median (the latency_ms of `report snapshot`).',
      sql: `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms)::float8 AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY rtt_ms)::float8 AS p90, count(*)::int AS nodes\nFROM ${from(report('latency-nodes'))}`,
      unit: 'ms',
      decimals: 1,
      overrides: [{ matcher: { id: 'byName', options: 'nodes' }, properties: [{ id: 'unit', value: 'none' }, { id: 'decimals', value: 0 }] }],
      options: { orientation: 'horizontal' },
      w: 6,
      h: 8,
    },
    {
      type: 'histogram',
      title: 'RTT distribution',
      description: 'Network RTT per node (lowest per-instance median of the connections’ lowest p2p PING→PONG), ms.',
      sql: `SELECT rtt_ms AS "rtt ms"\nFROM ${from(report('latency-nodes'))}`,
      w: 9,
      h: 8,
    },
    {
      type: 'table',
      title: 'By vantage point',
      description: 'RTT percentiles per instance and its listen host: the paper compared vantage points this way.',
      sql: `SELECT host AS vantage, left(instance, 12) AS instance, count(*)::int AS nodes, percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms)::float8 AS "p50 ms", percentile_cont(0.9) WITHIN GROUP (ORDER BY rtt_ms)::float8 AS "p90 ms"\nFROM ${from(report('latency-samples'))}\nGROUP BY 1, 2\nORDER BY 1, 2`,
      decimals: 1,
      w: 9,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'RTT over time',
      description: 'Median and 90th percentile of the connections’ network RTT in each interval, the median discv4 PING→PONG, and the medians of the RLPx handshake and HELLO→STATUS (round trip plus the peer’s work: rising values show slow or overloaded clients).',
      sql: file('latency-over-time'),
      format: 'time_series',
      unit: 'ms',
      interval: '5m',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'TCP connect time',
      description: 'Median and 90th percentile of the TCP connect time (SYN to established) of outbound dials.',
      sql: file('connect-over-time'),
      format: 'time_series',
      unit: 'ms',
      interval: '5m',
      w: 12,
      h: 8,
    },
    {
      type: 'table',
      title: 'Peer work by client',
      description: 'Per client: the median network RTT, and the medians of RLPx auth→ack and HELLO→STATUS minus the RTT — the time the peer itself spends (ECIES, peer setup). High values show slow or overloaded clients.',
      sql: file('remote-work-by-client'),
      decimals: 1,
      w: 24,
      h: 8,
    },
  ],
};

// ---------------------------------------------------------------- longitudinal

const longitudinal: DashboardSpec = {
  uid: 'nodefinder-longitudinal',
  title: 'NodeFinder · Longitudinal',
  description: `The crawl over days or weeks: connection attempts and their results, discovery, new node IDs and clients per interval (hourly at least), and the network RTT per day. Same queries as \`report longitudinal\`. ${NOTE_ALL_IDS}`,
  from: 'now-7d',
  refresh: '15m',
  panels: [
    {
      type: 'timeseries',
      title: 'Connection attempts',
      description: 'Dynamic dials (from discovery), static redials (every known node, each redial interval) and inbound connections per interval.',
      sql: `SELECT ${time()}, dynamic_dials AS dynamic, static_dials AS static, inbound\nFROM ${from(report('longitudinal-dials'))}\nORDER BY 1`,
      format: 'time_series',
      interval: '1h',
      w: 12,
      h: 8,
      custom: { stacking: { mode: 'normal', group: 'A' }, fillOpacity: 30 },
    },
    {
      type: 'timeseries',
      title: 'Nodes per stage',
      description: 'Distinct node IDs per interval: dialed out, of those answered, and (outbound or inbound) completed HELLO and STATUS.',
      sql: `SELECT ${time()}, nodes_attempted AS dialed, nodes_responded AS responded, hello_nodes AS hello, status_nodes AS status\nFROM ${from(report('longitudinal-dials'))}\nORDER BY 1`,
      format: 'time_series',
      interval: '1h',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'Discovery',
      description: 'discv4: FINDNODE sent, NEIGHBORS received, node entries learned and new nodes (per instance); discv5 beside it: FINDNODE sent, lookups and records new to the instance tables; per interval, all instances together.',
      sql: `SELECT ${time()}, findnode_sent AS "v4 FINDNODE sent", neighbors_received AS "v4 NEIGHBORS received", nodes_learned AS "v4 entries learned", new_nodes AS "v4 new (per instance)",\n  v5_findnode_sent AS "v5 FINDNODE sent", v5_lookups AS "v5 lookups", v5_records_learned AS "v5 records learned"\nFROM ${from(report('longitudinal-discovery'))}\nORDER BY 1`,
      format: 'time_series',
      interval: '1h',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'New node IDs',
      description: 'Node IDs seen for the first time ever, per interval: the churn of identities.',
      sql: `SELECT ${time()}, new_nodes AS "new node IDs"\nFROM ${from(report('longitudinal-new-nodes'))}\nORDER BY 1`,
      format: 'time_series',
      interval: '1h',
      w: 12,
      h: 8,
      custom: { drawStyle: 'bars', fillOpacity: 60 },
    },
    {
      type: 'timeseries',
      title: 'Client releases over time',
      description: 'Distinct nodes per client release (MAJOR.MINOR.PATCH) per interval: how fast upgrades spread.',
      sql: `SELECT ${time()}, client_name || ' ' || release AS metric, nodes AS value\nFROM ${from(report('longitudinal-clients'))}\nORDER BY 1, 2`,
      format: 'time_series',
      interval: '1h',
      w: 16,
      h: 9,
    },
    {
      type: 'stat',
      title: 'Recorded data',
      description: 'First and last connection or sighting in the whole database (the default span of `report longitudinal`).',
      sql: `SELECT first_ms AS first, last_ms AS last\nFROM ${from(report('data-range'))}`,
      unit: 'dateTimeAsIso',
      w: 8,
      h: 9,
    },
    {
      type: 'timeseries',
      title: 'Network RTT per day',
      description:
        'Median and 90th percentile over the day’s nodes of their network RTT (per node the lowest per-instance median, as the latency dashboard), from the daily RTT histograms the rollups keep (log buckets, ±9 %): months stay cheap after the raw rows are pruned.',
      sql: `SELECT ${time()}, p50_ms AS "p50", p90_ms AS "p90"\nFROM ${from(report('longitudinal-rtt'))}\nORDER BY 1`,
      format: 'time_series',
      unit: 'ms',
      decimals: 1,
      interval: '1d',
      w: 24,
      h: 8,
    },
  ],
};

// ---------------------------------------------------------------- errors and disconnects

const errors: DashboardSpec = {
  uid: 'nodefinder-errors',
  title: 'NodeFinder · Errors and disconnects',
  description: 'Why connections fail or end: typed error kinds (src/errors.ts) and DEVp2p DISCONNECT reasons (rlpx.md), by kind of dial and by client.',
  from: 'now-24h',
  refresh: '1m',
  panels: [
    {
      type: 'stat',
      title: 'Outbound dials',
      description: 'Share of outbound dials with no answer at all, and of answered dials refused with too_many_peers (the paper found most nodes full).',
      sql: file('error-rate'),
      unit: 'percentunit',
      decimals: 1,
      options: { orientation: 'horizontal' },
      w: 6,
      h: 8,
    },
    {
      type: 'barchart',
      title: 'Error kinds',
      description: 'Failed connection attempts by error kind.',
      sql: `SELECT error_kind AS kind, sum(dials)::int AS dials\nFROM ${from(report('dial-outcomes'))}\nWHERE error_kind IS NOT NULL\nGROUP BY 1\nORDER BY 2 DESC, 1`,
      w: 9,
      h: 8,
    },
    {
      type: 'barchart',
      title: 'DISCONNECT reasons received',
      description: 'DISCONNECT messages peers sent us, by reason.',
      sql: `SELECT reason, messages\nFROM ${from(report('disconnects'))}\nWHERE direction = 'received'\nORDER BY 2 DESC, 1`,
      w: 9,
      h: 8,
    },
    {
      type: 'table',
      title: 'Outcomes by kind of dial',
      description: 'Every (kind, outcome, error kind) with its attempts and distinct nodes (sql/reports/dial-outcomes.sql).',
      sql: report('dial-outcomes'),
      w: 24,
      h: 7,
    },
    {
      type: 'timeseries',
      title: 'Errors over time',
      description: 'Failed connection attempts per interval by error kind.',
      sql: file('errors-over-time'),
      format: 'time_series',
      interval: '1m',
      w: 12,
      h: 8,
    },
    {
      type: 'timeseries',
      title: 'DISCONNECT reasons over time',
      description: 'DISCONNECT messages received per interval by reason.',
      sql: file('disconnects-over-time'),
      format: 'time_series',
      interval: '1m',
      w: 12,
      h: 8,
    },
    {
      type: 'table',
      title: 'Disconnects by client',
      description: 'DISCONNECT reasons received, by the client that sent them (from the HELLO on the same connection).',
      sql: report('disconnects-by-client'),
      w: 12,
      h: 9,
    },
    {
      type: 'table',
      title: 'Disconnects sent and received',
      description: 'DISCONNECT messages by direction and reason, with distinct nodes and connections.',
      sql: report('disconnects'),
      w: 12,
      h: 9,
    },
  ],
};

export const DASHBOARDS: readonly DashboardSpec[] = [overview, clients, geography, latency, longitudinal, errors];

/** Report queries no panel uses, each for a reason (a test fails when a new report is neither used nor listed). */
export const REPORTS_NOT_ON_DASHBOARDS: Readonly<Record<string, string>> = {
  'coverage-external': 'needs an external node list (report coverage --external)',
  freshness: 'needs the chain head from the data and a per-node best block: report freshness',
  'instance-captures': 'capture–recapture estimation is computed in TypeScript: report snapshot',
  'fork-ids': 'fork IDs with the verdict of the crawl: report forks and report snapshot',
  'fork-readiness': 'FORK_NEXT by client release, merged with ENR eth entries in TypeScript: report forks',
  'fork-enrs': 'ENR eth entries are decoded in TypeScript: report forks',
  'findnode-rebonds': 'cumulative per node since the database began (no time window): report rebonds',
  nodes: 'one row per node, filtered by chain and client: report nodes (or the web view)',
};

export type { PanelSpec };
