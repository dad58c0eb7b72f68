-- Discovery v5 activity per instance and minute (the Prometheus counter nodefinder_discovery_v5_total,
-- persisted), beside discv4's discovery_counters, and its hourly and daily rollup. A sibling table, not
-- a protocol column in discovery_counters: the v5 counters are a different set (lookups, sessions,
-- records; no NEIGHBORS, no re-bonds), an instance may run v4 alone, and the v4 table's key and
-- columns stay as they are (DESIGN.md "Discovery v5 counters").
--
-- Written from discovery_v5_counters events (src/store/batch-discovery.ts: deltas summed under the
-- applied_batches guard like the v4 counters); rolled up with the other raw tables (src/store/rollup.ts),
-- and its day partitions dropped by retention only after that (src/store/retention.ts).
-- Numbered by the lead at merge time; depends on 0001 (ensure_day_partition) and 0005 (rollups) only.

CREATE TABLE discovery_v5_counters (
  minute timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  lookups integer NOT NULL,
  findnode_sent integer NOT NULL,
  nodes_received integer NOT NULL,
  records_learned integer NOT NULL,
  pings_sent integer NOT NULL,
  pongs_received integer NOT NULL,
  sessions_in integer NOT NULL,
  requests_answered integer NOT NULL,
  dropped integer NOT NULL,
  table_size integer NOT NULL,
  PRIMARY KEY (instance_id, minute)
) PARTITION BY RANGE (minute);
CREATE TABLE discovery_v5_counters_default PARTITION OF discovery_v5_counters DEFAULT;
COMMENT ON TABLE discovery_v5_counters IS 'Discovery v5 activity per instance per minute (deltas summed by the writer; src/crawler/discovery-v5.ts V5Counters).';
COMMENT ON COLUMN discovery_v5_counters.minute IS 'Start of the minute (UTC); partition key.';
COMMENT ON COLUMN discovery_v5_counters.instance_id IS 'The instance.';
COMMENT ON COLUMN discovery_v5_counters.lookups IS 'Lookups started (our own ID first, then random targets).';
COMMENT ON COLUMN discovery_v5_counters.findnode_sent IS 'FINDNODE requests sent (lookups, table enumeration, bootnode record requests).';
COMMENT ON COLUMN discovery_v5_counters.nodes_received IS 'FINDNODE requests answered (complete NODES responses received).';
COMMENT ON COLUMN discovery_v5_counters.records_learned IS 'Records new to the instance''s v5 table.';
COMMENT ON COLUMN discovery_v5_counters.pings_sent IS 'PING requests sent.';
COMMENT ON COLUMN discovery_v5_counters.pongs_received IS 'PONG responses received.';
COMMENT ON COLUMN discovery_v5_counters.sessions_in IS 'Handshakes completed by remote nodes (sessions they initiated).';
COMMENT ON COLUMN discovery_v5_counters.requests_answered IS 'Requests of remote nodes we answered.';
COMMENT ON COLUMN discovery_v5_counters.dropped IS 'Datagrams dropped on receipt (hostile, malformed, unsolicited, rate-limited).';
COMMENT ON COLUMN discovery_v5_counters.table_size IS 'v5 routing table size at the end of the minute (gauge: the latest report wins).';
COMMENT ON TABLE discovery_v5_counters_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';

CREATE TABLE rollup_discovery_v5 (
  width text NOT NULL CHECK (width IN ('hour', 'day')),
  bucket timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  lookups bigint NOT NULL,
  findnode_sent bigint NOT NULL,
  nodes_received bigint NOT NULL,
  records_learned bigint NOT NULL,
  pings_sent bigint NOT NULL,
  pongs_received bigint NOT NULL,
  sessions_in bigint NOT NULL,
  requests_answered bigint NOT NULL,
  dropped bigint NOT NULL,
  table_size integer NOT NULL,
  PRIMARY KEY (width, bucket, instance_id)
);
COMMENT ON TABLE rollup_discovery_v5 IS 'Discovery v5 activity per instance per hour and per day (sql/reports/longitudinal-discovery.sql over raw discovery_v5_counters): per instance, unlike rollup_discovery, so "what did discv5 do per instance per day" outlives the raw rows (a few instances: 25 rows per instance-day).';
COMMENT ON COLUMN rollup_discovery_v5.instance_id IS 'The instance.';
COMMENT ON COLUMN rollup_discovery_v5.width IS 'Bucket width: hour or day.';
COMMENT ON COLUMN rollup_discovery_v5.bucket IS 'Bucket start (UTC).';
COMMENT ON COLUMN rollup_discovery_v5.lookups IS 'Lookups started.';
COMMENT ON COLUMN rollup_discovery_v5.findnode_sent IS 'FINDNODE requests sent.';
COMMENT ON COLUMN rollup_discovery_v5.nodes_received IS 'FINDNODE requests answered.';
COMMENT ON COLUMN rollup_discovery_v5.records_learned IS 'Records new to the instance''s v5 table.';
COMMENT ON COLUMN rollup_discovery_v5.pings_sent IS 'PING requests sent.';
COMMENT ON COLUMN rollup_discovery_v5.pongs_received IS 'PONG responses received.';
COMMENT ON COLUMN rollup_discovery_v5.sessions_in IS 'Handshakes completed by remote nodes.';
COMMENT ON COLUMN rollup_discovery_v5.requests_answered IS 'Requests of remote nodes answered.';
COMMENT ON COLUMN rollup_discovery_v5.dropped IS 'Datagrams dropped on receipt.';
COMMENT ON COLUMN rollup_discovery_v5.table_size IS 'Largest v5 routing table size reported in the bucket.';

ALTER TABLE rollup_days ADD COLUMN v5_counter_rows bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN rollup_days.v5_counter_rows IS 'Raw discovery_v5_counters rows of the day when rolled up (0 for days rolled before this column existed).';

-- All-time v5 totals per instance, beside the v4 ones (the writer adds each batch's deltas).
ALTER TABLE instance_totals ADD COLUMN v5_lookups bigint NOT NULL DEFAULT 0;
ALTER TABLE instance_totals ADD COLUMN v5_findnode_sent bigint NOT NULL DEFAULT 0;
ALTER TABLE instance_totals ADD COLUMN v5_nodes_received bigint NOT NULL DEFAULT 0;
ALTER TABLE instance_totals ADD COLUMN v5_records_learned bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN instance_totals.v5_lookups IS 'discv5 lookups started, all time (since this column exists).';
COMMENT ON COLUMN instance_totals.v5_findnode_sent IS 'discv5 FINDNODE requests sent, all time (since this column exists).';
COMMENT ON COLUMN instance_totals.v5_nodes_received IS 'discv5 FINDNODE requests answered, all time (since this column exists).';
COMMENT ON COLUMN instance_totals.v5_records_learned IS 'Records new to the instance''s discv5 table, all time (since this column exists).';
