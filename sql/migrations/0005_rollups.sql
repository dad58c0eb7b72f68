-- Rollups: per-hour and per-day aggregates of closed UTC days, so longitudinal reports and dashboards
-- over months read a few rows per day instead of millions of raw rows, and raw day partitions can be
-- dropped (retention) once their day is rolled up. Written by src/store/rollup.ts: one transaction per
-- day deletes the day's rollup rows and inserts them again from the raw rows (idempotent, atomic).
--
-- To be numbered 0008 when merged (0002–0007 belong to other branches); depends on 0001 only.
--
-- Distinct counts cannot be summed across buckets, so every bucket width a report asks for is stored
-- (hour and day rows side by side, `width`); counts of events (dials, messages, packets) are sums.
-- Distinct counts over a range of days come from rollup_day_nodes (one row per node per day: the day's
-- node-ID set, ~30x smaller than its dials). RTT is not rolled up (the rtts table is being reshaped).

CREATE TABLE rollup_days (
  day date PRIMARY KEY,
  rolled_at timestamptz NOT NULL,
  dials bigint NOT NULL,
  hellos bigint NOT NULL,
  statuses bigint NOT NULL,
  disconnects bigint NOT NULL,
  sightings bigint NOT NULL,
  counter_rows bigint NOT NULL
);
COMMENT ON TABLE rollup_days IS 'UTC days whose rollups exist (one row per rolled day, written in the same transaction as its rollup rows); retention drops raw partitions of these days only.';
COMMENT ON COLUMN rollup_days.day IS 'The UTC day rolled up.';
COMMENT ON COLUMN rollup_days.rolled_at IS 'When the rollup was (last) built (database clock).';
COMMENT ON COLUMN rollup_days.dials IS 'Raw dials rows of the day when rolled up.';
COMMENT ON COLUMN rollup_days.hellos IS 'Raw hellos rows of the day when rolled up.';
COMMENT ON COLUMN rollup_days.statuses IS 'Raw statuses rows of the day when rolled up.';
COMMENT ON COLUMN rollup_days.disconnects IS 'Raw disconnects rows of the day when rolled up.';
COMMENT ON COLUMN rollup_days.sightings IS 'Raw node_sightings rows of the day when rolled up.';
COMMENT ON COLUMN rollup_days.counter_rows IS 'Raw discovery_counters rows of the day when rolled up.';

CREATE TABLE rollup_dials (
  width text NOT NULL CHECK (width IN ('hour', 'day')),
  bucket timestamptz NOT NULL,
  dynamic_dials integer NOT NULL,
  static_dials integer NOT NULL,
  inbound integer NOT NULL,
  nodes_attempted integer NOT NULL,
  nodes_responded integer NOT NULL,
  hello_nodes integer NOT NULL,
  status_nodes integer NOT NULL,
  PRIMARY KEY (width, bucket)
);
COMMENT ON TABLE rollup_dials IS 'Connection attempts and distinct nodes per stage per hour and per day (sql/reports/longitudinal-dials.sql over raw dials).';
COMMENT ON COLUMN rollup_dials.width IS 'Bucket width: hour or day.';
COMMENT ON COLUMN rollup_dials.bucket IS 'Bucket start (UTC, aligned to the width).';
COMMENT ON COLUMN rollup_dials.dynamic_dials IS 'Dials from discovery.';
COMMENT ON COLUMN rollup_dials.static_dials IS 'Redials of known nodes.';
COMMENT ON COLUMN rollup_dials.inbound IS 'Inbound connections.';
COMMENT ON COLUMN rollup_dials.nodes_attempted IS 'Distinct node IDs dialed out.';
COMMENT ON COLUMN rollup_dials.nodes_responded IS 'Of those, distinct node IDs that answered (STATUS, HELLO or DISCONNECT).';
COMMENT ON COLUMN rollup_dials.hello_nodes IS 'Distinct node IDs that completed HELLO (outbound or inbound).';
COMMENT ON COLUMN rollup_dials.status_nodes IS 'Distinct node IDs that completed STATUS (outbound or inbound).';

CREATE TABLE rollup_clients (
  width text NOT NULL CHECK (width IN ('hour', 'day')),
  bucket timestamptz NOT NULL,
  client_name text NOT NULL,
  release text NOT NULL,
  nodes integer NOT NULL,
  PRIMARY KEY (width, bucket, client_name, release)
);
COMMENT ON TABLE rollup_clients IS 'Distinct HELLO nodes per client release per hour and per day (sql/reports/longitudinal-clients.sql over raw hellos).';
COMMENT ON COLUMN rollup_clients.width IS 'Bucket width: hour or day.';
COMMENT ON COLUMN rollup_clients.bucket IS 'Bucket start (UTC).';
COMMENT ON COLUMN rollup_clients.client_name IS 'Name part of the HELLO client id, e.g. Geth.';
COMMENT ON COLUMN rollup_clients.release IS 'MAJOR.MINOR.PATCH from the client version, ? when it has no number.';
COMMENT ON COLUMN rollup_clients.nodes IS 'Distinct node IDs announcing it in the bucket.';

CREATE TABLE rollup_discovery (
  width text NOT NULL CHECK (width IN ('hour', 'day')),
  bucket timestamptz NOT NULL,
  findnode_sent bigint NOT NULL,
  neighbors_received bigint NOT NULL,
  nodes_learned bigint NOT NULL,
  new_nodes bigint NOT NULL,
  pings_sent bigint NOT NULL,
  pongs_received bigint NOT NULL,
  instances integer NOT NULL,
  PRIMARY KEY (width, bucket)
);
COMMENT ON TABLE rollup_discovery IS 'Discovery v4 activity of all instances per hour and per day (sql/reports/longitudinal-discovery.sql over raw discovery_counters).';
COMMENT ON COLUMN rollup_discovery.width IS 'Bucket width: hour or day.';
COMMENT ON COLUMN rollup_discovery.bucket IS 'Bucket start (UTC).';
COMMENT ON COLUMN rollup_discovery.findnode_sent IS 'FINDNODE packets sent.';
COMMENT ON COLUMN rollup_discovery.neighbors_received IS 'NEIGHBORS packets received.';
COMMENT ON COLUMN rollup_discovery.nodes_learned IS 'Node entries received in NEIGHBORS, with repeats.';
COMMENT ON COLUMN rollup_discovery.new_nodes IS 'Nodes new to the instance that learned them (summed over instances).';
COMMENT ON COLUMN rollup_discovery.pings_sent IS 'PING packets sent.';
COMMENT ON COLUMN rollup_discovery.pongs_received IS 'PONG packets received.';
COMMENT ON COLUMN rollup_discovery.instances IS 'Distinct instances reporting in the bucket.';

CREATE TABLE rollup_dial_outcomes (
  day date NOT NULL,
  kind dial_kind NOT NULL,
  outcome dial_outcome NOT NULL,
  error_kind error_kind,
  dials integer NOT NULL,
  nodes integer NOT NULL
);
COMMENT ON TABLE rollup_dial_outcomes IS 'Connection attempts per UTC day by kind, outcome and error kind (sql/reports/dial-outcomes.sql for one day).';
COMMENT ON COLUMN rollup_dial_outcomes.day IS 'UTC day.';
COMMENT ON COLUMN rollup_dial_outcomes.kind IS 'dynamic, static or inbound.';
COMMENT ON COLUMN rollup_dial_outcomes.outcome IS 'status, hello, disconnect or error.';
COMMENT ON COLUMN rollup_dial_outcomes.error_kind IS 'Failure kind when outcome = error, else NULL.';
COMMENT ON COLUMN rollup_dial_outcomes.dials IS 'Attempts (sums over days).';
COMMENT ON COLUMN rollup_dial_outcomes.nodes IS 'Distinct node IDs that day (not summable over days).';
CREATE INDEX rollup_dial_outcomes_day_idx ON rollup_dial_outcomes (day);

CREATE TABLE rollup_disconnects (
  day date NOT NULL,
  direction disconnect_direction NOT NULL,
  reason disconnect_reason NOT NULL,
  messages integer NOT NULL,
  nodes integer NOT NULL,
  connections integer NOT NULL,
  PRIMARY KEY (day, direction, reason)
);
COMMENT ON TABLE rollup_disconnects IS 'DEVp2p DISCONNECT messages per UTC day by direction and reason (sql/reports/disconnects.sql for one day).';
COMMENT ON COLUMN rollup_disconnects.day IS 'UTC day.';
COMMENT ON COLUMN rollup_disconnects.direction IS 'sent by us or received from the peer.';
COMMENT ON COLUMN rollup_disconnects.reason IS 'Reason name.';
COMMENT ON COLUMN rollup_disconnects.messages IS 'Messages (sums over days).';
COMMENT ON COLUMN rollup_disconnects.nodes IS 'Distinct node IDs that day.';
COMMENT ON COLUMN rollup_disconnects.connections IS 'Distinct connections that day.';

CREATE TABLE rollup_day_nodes (
  day date NOT NULL,
  node_id bytea NOT NULL,
  stages smallint NOT NULL,
  ip inet,
  client_name text,
  release text,
  PRIMARY KEY (day, node_id)
);
COMMENT ON TABLE rollup_day_nodes IS 'The node-ID set of each UTC day with the stages each node reached: distinct counts over any range of days (per stage, client, or country/AS with the IP placed by src/geo at report time).';
COMMENT ON COLUMN rollup_day_nodes.day IS 'UTC day.';
COMMENT ON COLUMN rollup_day_nodes.node_id IS 'The node (nodes.id).';
COMMENT ON COLUMN rollup_day_nodes.stages IS 'Bit set: 1 discovered (sighted), 2 dialed out, 4 responded to an outbound dial, 8 dialed us (inbound), 16 HELLO, 32 STATUS, 64 mainnet (network 1, mainnet genesis, compatible fork ID) — as in snapshot-stages.sql.';
COMMENT ON COLUMN rollup_day_nodes.ip IS 'IP of the node''s connections that day (the greatest if it used several), else the endpoint of it first learned most recently before the end of the day (stable under re-rolls); NULL if none known.';
COMMENT ON COLUMN rollup_day_nodes.client_name IS 'Client name of the node''s last HELLO that day (NULL without HELLO).';
COMMENT ON COLUMN rollup_day_nodes.release IS 'Release (MAJOR.MINOR.PATCH, or ?) of that HELLO.';

CREATE TABLE rollup_open_hours (
  day date PRIMARY KEY,
  hours_until timestamptz NOT NULL
);
COMMENT ON TABLE rollup_open_hours IS 'Hour rows (width hour) of the open day, the day after the last rolled-up day, exist up to hours_until (src/store/rollup-hours.ts); removed when the day itself is rolled up.';
COMMENT ON COLUMN rollup_open_hours.day IS 'The open UTC day.';
COMMENT ON COLUMN rollup_open_hours.hours_until IS 'End of the last closed hour rolled up (exclusive bound).';
