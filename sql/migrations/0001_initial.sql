-- NodeFinder schema, version 1.
--
-- Rules for this directory (enforced by src/store/migrations.ts):
-- * Forward-only and versioned: files are NNNN_name.sql, applied in order, each in one transaction.
-- * Never edit a migration once released: the runner stores a SHA-256 of each applied file and
--   refuses to run when it changed. Fix things with a new file.
-- * Adding an error kind (src/errors.ts ERROR_KINDS) or a disconnect reason
--   (src/devp2p/disconnect-reasons.ts) = a new migration, e.g.
--       ALTER TYPE error_kind ADD VALUE 'new_kind';
--   (allowed inside a transaction since PostgreSQL 12; the value becomes usable after the commit).
--   test/store/schema.test.ts fails until the enum and the code agree again.
-- * Do not schema-qualify names: tests run each file in its own schema via search_path.
--
-- Conventions: node IDs and keys are bytea; times are timestamptz (UTC); values that are uint64 on
-- the wire (network id, fork next, block numbers, ENR seq) are numeric(20,0) because bigint is signed
-- and a hostile peer may send 2^64-1; total difficulty is unbounded, so numeric.
--
-- High-volume tables are partitioned by UTC day (declarative RANGE partitioning). The writer calls
-- ensure_day_partition() before inserting into a new day; each table also has a DEFAULT partition as
-- a safety net that ensure_day_partition() empties when it creates the day's partition. A 24-hour
-- query touches at most two day partitions whatever the length of the crawl.

-- ---------------------------------------------------------------------------------------------
-- Enums
-- ---------------------------------------------------------------------------------------------

CREATE TYPE error_kind AS ENUM (
  'bad_rlp', 'too_large', 'too_small',
  'bad_hash', 'bad_signature', 'unknown_packet', 'expired', 'bad_packet', 'bad_enr', 'bad_enode', 'unbonded',
  'timeout', 'aborted', 'connection_refused', 'connection_reset', 'host_unreachable', 'address_in_use',
  'socket_error', 'closed', 'disconnected', 'netrestrict',
  'handshake_failed', 'bad_mac', 'snappy', 'protocol_breach',
  'bad_hello', 'no_shared_capability', 'bad_status', 'network_mismatch', 'fork_mismatch', 'useless_peer',
  'database', 'internal'
);
COMMENT ON TYPE error_kind IS 'Stable failure kinds; exactly ERROR_KINDS in src/errors.ts (checked by a test).';

CREATE TYPE disconnect_reason AS ENUM (
  'disconnect_requested', 'tcp_error', 'breach_of_protocol', 'useless_peer', 'too_many_peers',
  'already_connected', 'incompatible_p2p_version', 'null_node_identity', 'client_quitting',
  'unexpected_identity', 'connected_to_self', 'ping_timeout', 'subprotocol_error', 'unknown'
);
COMMENT ON TYPE disconnect_reason IS 'DEVp2p DISCONNECT reasons (rlpx.md); exactly DISCONNECT_REASON_NAMES in src/devp2p/disconnect-reasons.ts.';

CREATE TYPE address_source AS ENUM ('neighbors', 'inbound', 'bootnode', 'ping', 'static', 'dial');
COMMENT ON TYPE address_source IS 'Where an address was learned: AddressSource in src/crawler/events.ts, plus dial (the endpoint of an outbound dial).';

CREATE TYPE dial_kind AS ENUM ('dynamic', 'static', 'inbound');
COMMENT ON TYPE dial_kind IS 'dynamic = dialed from discovery, static = redial of a known node, inbound = the peer dialed us.';

CREATE TYPE dial_outcome AS ENUM ('status', 'hello', 'disconnect', 'error');
COMMENT ON TYPE dial_outcome IS 'How far a connection got: STATUS exchanged, HELLO only, DISCONNECT before HELLO, or a typed error.';

CREATE TYPE fork_verdict AS ENUM ('compatible', 'incompatible', 'remote_stale', 'local_stale', 'unchecked');
COMMENT ON TYPE fork_verdict IS 'EIP-2124 fork ID validation result against our network''s fork schedule.';

CREATE TYPE disconnect_direction AS ENUM ('sent', 'received');
COMMENT ON TYPE disconnect_direction IS 'Whether we sent the DISCONNECT or received it.';

-- ---------------------------------------------------------------------------------------------
-- Partition helper
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION ensure_day_partition(parent text, day date) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
  part text := parent || '_' || to_char(day, 'YYYYMMDD');
  -- Explicit UTC bounds: a day is a UTC day whatever the session TimeZone.
  lo text := day::text || ' 00:00:00+00';
  hi text := (day + 1)::text || ' 00:00:00+00';
  key text;
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  -- Several writers (processes, hosts) may race for the same day.
  PERFORM pg_advisory_xact_lock(hashtext('nodefinder.partition.' || parent));
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  BEGIN
    -- Tables updated in place (upserts) keep room in each page for HOT updates.
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s', part, parent, lo, hi,
                   CASE WHEN parent IN ('node_sightings', 'discovery_counters') THEN ' WITH (fillfactor = 80)' ELSE '' END);
  EXCEPTION WHEN check_violation THEN
    -- Rows of that day already sit in the DEFAULT partition: move them into a new table, then attach
    -- it (ATTACH creates the partitioned indexes the new table lacks).
    SELECT a.attname INTO key
      FROM pg_partitioned_table t
      JOIN pg_attribute a ON a.attrelid = t.partrelid AND a.attnum = t.partattrs[0]
     WHERE t.partrelid = parent::regclass;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                   parent || '_default', key, lo, key, hi, part);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
  END;
  RETURN part;
END
$fn$;
COMMENT ON FUNCTION ensure_day_partition(text, date) IS
  'Create the partition of a day-partitioned table for one UTC day if missing (idempotent, safe under concurrency); returns its name.';

-- ---------------------------------------------------------------------------------------------
-- Instances (our own node identities)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE instances (
  id bytea PRIMARY KEY,
  public_key bytea NOT NULL,
  first_started_at timestamptz NOT NULL,
  last_started_at timestamptz NOT NULL
);
COMMENT ON TABLE instances IS 'One row per crawler identity (node key); identities persist across restarts.';
COMMENT ON COLUMN instances.id IS 'Node ID = keccak256(public_key), 32 bytes.';
COMMENT ON COLUMN instances.public_key IS 'secp256k1 public key, 64 bytes without the 0x04 prefix.';
COMMENT ON COLUMN instances.first_started_at IS 'First time this identity started.';
COMMENT ON COLUMN instances.last_started_at IS 'Most recent start of this identity.';

CREATE TABLE instance_runs (
  instance_id bytea NOT NULL REFERENCES instances (id),
  started_at timestamptz NOT NULL,
  stopped_at timestamptz,
  host text NOT NULL,
  udp_port integer NOT NULL,
  tcp_port integer NOT NULL,
  network text NOT NULL,
  code_version text NOT NULL,
  PRIMARY KEY (instance_id, started_at)
);
COMMENT ON TABLE instance_runs IS 'Each start of an instance: where it listened and which code ran it.';
COMMENT ON COLUMN instance_runs.instance_id IS 'The instance (instances.id).';
COMMENT ON COLUMN instance_runs.started_at IS 'When this run started.';
COMMENT ON COLUMN instance_runs.stopped_at IS 'When this run stopped cleanly; NULL while running or after a crash.';
COMMENT ON COLUMN instance_runs.host IS 'Listen host (IP literal or name) of this run.';
COMMENT ON COLUMN instance_runs.udp_port IS 'Discovery v4 UDP port.';
COMMENT ON COLUMN instance_runs.tcp_port IS 'RLPx TCP port.';
COMMENT ON COLUMN instance_runs.network IS 'Network crawled (mainnet, sepolia, holesky, hoodi, ...).';
COMMENT ON COLUMN instance_runs.code_version IS 'NodeFinder version that ran the instance.';

CREATE TABLE instance_totals (
  instance_id bytea PRIMARY KEY,
  findnode_sent bigint NOT NULL DEFAULT 0,
  neighbors_received bigint NOT NULL DEFAULT 0,
  nodes_learned bigint NOT NULL DEFAULT 0,
  new_nodes bigint NOT NULL DEFAULT 0,
  pings_sent bigint NOT NULL DEFAULT 0,
  pongs_received bigint NOT NULL DEFAULT 0,
  pings_received bigint NOT NULL DEFAULT 0,
  findnode_received bigint NOT NULL DEFAULT 0,
  dials bigint NOT NULL DEFAULT 0,
  hellos bigint NOT NULL DEFAULT 0,
  statuses bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE instance_totals IS 'Running totals per instance, kept by the writer so a restarted crawler restores its counters in one read.';
COMMENT ON COLUMN instance_totals.instance_id IS 'The instance (instances.id).';
COMMENT ON COLUMN instance_totals.findnode_sent IS 'FINDNODE packets sent, all time.';
COMMENT ON COLUMN instance_totals.neighbors_received IS 'NEIGHBORS packets received, all time.';
COMMENT ON COLUMN instance_totals.nodes_learned IS 'Node entries received in NEIGHBORS (with repeats), all time.';
COMMENT ON COLUMN instance_totals.new_nodes IS 'Nodes this instance had never seen before, all time.';
COMMENT ON COLUMN instance_totals.pings_sent IS 'PING packets sent, all time.';
COMMENT ON COLUMN instance_totals.pongs_received IS 'PONG packets received, all time.';
COMMENT ON COLUMN instance_totals.pings_received IS 'PING packets received, all time.';
COMMENT ON COLUMN instance_totals.findnode_received IS 'FINDNODE packets received, all time.';
COMMENT ON COLUMN instance_totals.dials IS 'Connections recorded (outbound dials and inbound accepts), all time.';
COMMENT ON COLUMN instance_totals.hellos IS 'Connections that completed HELLO, all time.';
COMMENT ON COLUMN instance_totals.statuses IS 'Connections that completed STATUS, all time.';
COMMENT ON COLUMN instance_totals.updated_at IS 'Time of the latest event counted.';

-- ---------------------------------------------------------------------------------------------
-- Nodes and addresses (one row per node / per endpoint: upserted, not partitioned)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE nodes (
  id bytea PRIMARY KEY,
  public_key bytea,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz,
  last_hello_at timestamptz,
  last_status_at timestamptz,
  last_too_many_peers_at timestamptz,
  expired_at timestamptz
);
COMMENT ON TABLE nodes IS 'Every node ID ever learned (discovery, inbound peers, dials).';
COMMENT ON COLUMN nodes.id IS 'Node ID = keccak256(public_key), 32 bytes.';
COMMENT ON COLUMN nodes.public_key IS 'secp256k1 public key, 64 bytes; NULL until an event carried it.';
COMMENT ON COLUMN nodes.first_seen IS 'First time any instance learned of or talked to the node.';
COMMENT ON COLUMN nodes.last_seen IS 'Last sign of life: learned from discovery, ENR reply, or a connection that did not fail; NULL = never heard from (only dialed, without answer). Discovery sightings refresh it at most once a minute per writer (node_sightings has every one).';
COMMENT ON COLUMN nodes.last_hello_at IS 'Start of the latest connection that completed HELLO.';
COMMENT ON COLUMN nodes.last_status_at IS 'Start of the latest connection that completed STATUS.';
COMMENT ON COLUMN nodes.last_too_many_peers_at IS 'Start of the latest connection the node refused with DISCONNECT too_many_peers.';
COMMENT ON COLUMN nodes.expired_at IS 'When the node left the static set after --expire-after without being seen; NULL = not expired (cleared when seen again).';
-- Deliberately no index on last_seen: nearly every batch moves last_seen of thousands of nodes, and
-- with no index on the columns it changes the update is HOT (heap-only, no index writes), which
-- measured about twice as fast. Expiry sweeps and the static set read the table sequentially.
ALTER TABLE nodes SET (fillfactor = 80);

CREATE TABLE addresses (
  node_id bytea NOT NULL,
  ip inet NOT NULL,
  udp_port integer NOT NULL,
  tcp_port integer NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  first_source address_source NOT NULL,
  last_source address_source NOT NULL,
  PRIMARY KEY (node_id, ip, udp_port, tcp_port)
);
COMMENT ON TABLE addresses IS 'Endpoints of nodes as learned; a node that moves gets a new row.';
COMMENT ON COLUMN addresses.node_id IS 'The node (nodes.id).';
COMMENT ON COLUMN addresses.ip IS 'IPv4 or IPv6 address.';
COMMENT ON COLUMN addresses.udp_port IS 'Discovery UDP port; 0 = unknown (inbound peers announce only TCP).';
COMMENT ON COLUMN addresses.tcp_port IS 'RLPx TCP listen port; 0 = none announced.';
COMMENT ON COLUMN addresses.first_seen IS 'First time this endpoint was learned.';
COMMENT ON COLUMN addresses.last_seen IS 'Last time this endpoint was learned or confirmed (refreshed at most once a minute per writer).';
COMMENT ON COLUMN addresses.first_source IS 'Where the endpoint was first learned: neighbors, inbound, bootnode, ping, static, dial.';
COMMENT ON COLUMN addresses.last_source IS 'Where the endpoint was most recently learned.';
-- The primary key (node_id first) finds a node's endpoints; no index on last_seen keeps updates HOT.
ALTER TABLE addresses SET (fillfactor = 80);

CREATE TABLE enrs (
  node_id bytea NOT NULL,
  seq numeric(20, 0) NOT NULL,
  raw bytea NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  PRIMARY KEY (node_id, seq)
);
COMMENT ON TABLE enrs IS 'Node records (EIP-778) received via ENRRequest (EIP-868), one row per node and sequence number.';
COMMENT ON COLUMN enrs.node_id IS 'The node (nodes.id).';
COMMENT ON COLUMN enrs.seq IS 'Record sequence number (uint64).';
COMMENT ON COLUMN enrs.raw IS 'The RLP-encoded record as received (at most 300 bytes, EIP-778).';
COMMENT ON COLUMN enrs.first_seen IS 'First time this record version was received.';
COMMENT ON COLUMN enrs.last_seen IS 'Last time this record version was received.';
COMMENT ON COLUMN enrs.instance_id IS 'Instance that first received this record version.';

CREATE TABLE redial_leases (
  node_id bytea PRIMARY KEY,
  holder text,
  leased_at timestamptz,
  due_at timestamptz NOT NULL
);
COMMENT ON TABLE redial_leases IS 'Who redials which static node and when next: processes and hosts sharing the database claim due rows with FOR UPDATE SKIP LOCKED, so each node goes to one holder per period.';
COMMENT ON COLUMN redial_leases.node_id IS 'The static node (nodes.id).';
COMMENT ON COLUMN redial_leases.holder IS 'Crawler process (host/pid/instance label) that holds the current lease; NULL = never claimed.';
COMMENT ON COLUMN redial_leases.leased_at IS 'When the current lease was claimed.';
COMMENT ON COLUMN redial_leases.due_at IS 'When the node may be claimed again.';
CREATE INDEX redial_leases_due_idx ON redial_leases (due_at);

CREATE TABLE applied_batches (
  batch_id text PRIMARY KEY,
  applied_at timestamptz NOT NULL,
  events integer NOT NULL
);
COMMENT ON TABLE applied_batches IS 'Writer batches already committed: replaying a batch from the journal after a crash is a no-op. Rows older than 30 days are pruned.';
COMMENT ON COLUMN applied_batches.batch_id IS 'Client-generated batch ID (UUID, with a suffix when a failing batch was split).';
COMMENT ON COLUMN applied_batches.applied_at IS 'Commit time (database clock).';
COMMENT ON COLUMN applied_batches.events IS 'Number of events in the batch.';

-- ---------------------------------------------------------------------------------------------
-- High-volume tables, partitioned by UTC day
-- ---------------------------------------------------------------------------------------------

CREATE TABLE node_sightings (
  day date NOT NULL,
  instance_id bytea NOT NULL,
  node_id bytea NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  sightings integer NOT NULL,
  first_source address_source NOT NULL,
  PRIMARY KEY (day, instance_id, node_id)
) PARTITION BY RANGE (day);
CREATE TABLE node_sightings_default PARTITION OF node_sightings DEFAULT;
COMMENT ON TABLE node_sightings IS 'Which instance learned which node on which UTC day (coverage per instance); node_seen events folded per day.';
COMMENT ON COLUMN node_sightings.day IS 'UTC day; partition key.';
COMMENT ON COLUMN node_sightings.instance_id IS 'The instance that learned the node.';
COMMENT ON COLUMN node_sightings.node_id IS 'The node learned.';
COMMENT ON COLUMN node_sightings.first_seen IS 'First sighting that day.';
COMMENT ON COLUMN node_sightings.last_seen IS 'Last sighting that day.';
COMMENT ON COLUMN node_sightings.sightings IS 'Number of node_seen events that day.';
COMMENT ON COLUMN node_sightings.first_source IS 'How the instance first learned the node that day.';
COMMENT ON TABLE node_sightings_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';
-- No index on node_id: coverage reports read whole days; a node's history comes from dials.

CREATE TABLE discovery_counters (
  minute timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  findnode_sent integer NOT NULL,
  neighbors_received integer NOT NULL,
  nodes_learned integer NOT NULL,
  new_nodes integer NOT NULL,
  pings_sent integer NOT NULL,
  pongs_received integer NOT NULL,
  pings_received integer NOT NULL,
  findnode_received integer NOT NULL,
  table_size integer NOT NULL,
  PRIMARY KEY (instance_id, minute)
) PARTITION BY RANGE (minute);
CREATE TABLE discovery_counters_default PARTITION OF discovery_counters DEFAULT;
COMMENT ON TABLE discovery_counters IS 'Discovery v4 activity per instance per minute (deltas summed by the writer).';
COMMENT ON COLUMN discovery_counters.minute IS 'Start of the minute (UTC); partition key.';
COMMENT ON COLUMN discovery_counters.instance_id IS 'The instance.';
COMMENT ON COLUMN discovery_counters.findnode_sent IS 'FINDNODE packets sent.';
COMMENT ON COLUMN discovery_counters.neighbors_received IS 'NEIGHBORS packets received.';
COMMENT ON COLUMN discovery_counters.nodes_learned IS 'Node entries received in NEIGHBORS, with repeats.';
COMMENT ON COLUMN discovery_counters.new_nodes IS 'Nodes this instance had never seen before.';
COMMENT ON COLUMN discovery_counters.pings_sent IS 'PING packets sent.';
COMMENT ON COLUMN discovery_counters.pongs_received IS 'PONG packets received.';
COMMENT ON COLUMN discovery_counters.pings_received IS 'PING packets received.';
COMMENT ON COLUMN discovery_counters.findnode_received IS 'FINDNODE packets received.';
COMMENT ON COLUMN discovery_counters.table_size IS 'Routing table size at the end of the minute (gauge: the latest report wins).';
COMMENT ON TABLE discovery_counters_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';

CREATE TABLE dials (
  dial_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  kind dial_kind NOT NULL,
  node_id bytea,
  ip inet NOT NULL,
  tcp_port integer NOT NULL,
  connect_ms real,
  outcome dial_outcome NOT NULL,
  error_kind error_kind,
  error_message text,
  PRIMARY KEY (dial_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE dials_default PARTITION OF dials DEFAULT;
COMMENT ON TABLE dials IS 'Every connection attempt: outbound dials and inbound accepts, with how far it got.';
COMMENT ON COLUMN dials.dial_id IS 'Client-generated UUID of the attempt; makes journal replay idempotent and keys hellos/statuses/disconnects/rtts.';
COMMENT ON COLUMN dials.started_at IS 'When the attempt started (TCP connect or accept); partition key.';
COMMENT ON COLUMN dials.ended_at IS 'When the connection closed or the attempt failed.';
COMMENT ON COLUMN dials.instance_id IS 'The instance that dialed or accepted.';
COMMENT ON COLUMN dials.kind IS 'dynamic, static (redial) or inbound.';
COMMENT ON COLUMN dials.node_id IS 'The remote node; NULL for an inbound peer that failed before the RLPx handshake revealed it.';
COMMENT ON COLUMN dials.ip IS 'Remote IP address.';
COMMENT ON COLUMN dials.tcp_port IS 'Remote TCP port (for inbound connections the ephemeral source port).';
COMMENT ON COLUMN dials.connect_ms IS 'TCP connect duration in ms; NULL when the connect failed or for inbound.';
COMMENT ON COLUMN dials.outcome IS 'status, hello, disconnect (before HELLO) or error.';
COMMENT ON COLUMN dials.error_kind IS 'Typed failure kind when outcome = error.';
COMMENT ON COLUMN dials.error_message IS 'One-line failure message (may quote peer-supplied text).';
COMMENT ON TABLE dials_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';
CREATE INDEX dials_node_idx ON dials (node_id, started_at);
COMMENT ON INDEX dials_node_idx IS 'Per-node history (dials, and through dial_id its hellos, statuses, disconnects, rtts).';

CREATE TABLE hellos (
  dial_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  node_id bytea,
  p2p_version integer NOT NULL,
  client_id text NOT NULL,
  client_name text NOT NULL,
  client_version text,
  os text,
  arch text,
  runtime text,
  caps text[] NOT NULL,
  listen_port integer NOT NULL,
  PRIMARY KEY (dial_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE hellos_default PARTITION OF hellos DEFAULT;
COMMENT ON TABLE hellos IS 'DEVp2p HELLO received on a connection (one per dial).';
COMMENT ON COLUMN hellos.dial_id IS 'The connection (dials.dial_id).';
COMMENT ON COLUMN hellos.started_at IS 'The connection''s start (dials.started_at); partition key, copied so joins prune partitions.';
COMMENT ON COLUMN hellos.instance_id IS 'The instance on our side of the connection.';
COMMENT ON COLUMN hellos.node_id IS 'The remote node (copied from the dial so reports need no join).';
COMMENT ON COLUMN hellos.p2p_version IS 'DEVp2p protocol version announced.';
COMMENT ON COLUMN hellos.client_id IS 'Client identifier string as sent (peer-supplied text).';
COMMENT ON COLUMN hellos.client_name IS 'Name part of client_id, e.g. Geth.';
COMMENT ON COLUMN hellos.client_version IS 'Version part of client_id, e.g. v1.14.0-stable-abcdef.';
COMMENT ON COLUMN hellos.os IS 'Operating system part of client_id, e.g. linux.';
COMMENT ON COLUMN hellos.arch IS 'Architecture part of client_id, e.g. amd64.';
COMMENT ON COLUMN hellos.runtime IS 'Runtime part of client_id, e.g. go1.22.1.';
COMMENT ON COLUMN hellos.caps IS 'Capabilities as name/version, e.g. {eth/68,snap/1}.';
COMMENT ON COLUMN hellos.listen_port IS 'TCP listen port announced in HELLO (0 = none).';
COMMENT ON TABLE hellos_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';
-- A node's HELLO history: dials_node_idx, then the primary key (dial_id, started_at); one index
-- per row inserted less keeps ingest fast.

CREATE TABLE statuses (
  dial_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  node_id bytea,
  eth_version integer NOT NULL,
  network_id numeric(20, 0) NOT NULL,
  total_difficulty numeric,
  best_hash bytea NOT NULL,
  genesis_hash bytea NOT NULL,
  fork_hash bytea NOT NULL,
  fork_next numeric(20, 0) NOT NULL,
  fork_verdict fork_verdict NOT NULL,
  best_block numeric(20, 0),
  earliest_block numeric(20, 0),
  PRIMARY KEY (dial_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE statuses_default PARTITION OF statuses DEFAULT;
COMMENT ON TABLE statuses IS 'eth STATUS received on a connection (one per dial).';
COMMENT ON COLUMN statuses.dial_id IS 'The connection (dials.dial_id).';
COMMENT ON COLUMN statuses.started_at IS 'The connection''s start (dials.started_at); partition key.';
COMMENT ON COLUMN statuses.instance_id IS 'The instance on our side of the connection.';
COMMENT ON COLUMN statuses.node_id IS 'The remote node.';
COMMENT ON COLUMN statuses.eth_version IS 'Negotiated eth protocol version (66..69+).';
COMMENT ON COLUMN statuses.network_id IS 'Network ID (uint64; 1 = mainnet).';
COMMENT ON COLUMN statuses.total_difficulty IS 'Total difficulty; NULL from eth/69 on (EIP-7642 removed it).';
COMMENT ON COLUMN statuses.best_hash IS 'Hash of the peer''s best block (32 bytes).';
COMMENT ON COLUMN statuses.genesis_hash IS 'Genesis block hash (32 bytes).';
COMMENT ON COLUMN statuses.fork_hash IS 'EIP-2124 fork ID hash (4 bytes).';
COMMENT ON COLUMN statuses.fork_next IS 'EIP-2124 fork ID next (block number or timestamp, uint64; 0 = none).';
COMMENT ON COLUMN statuses.fork_verdict IS 'Result of validating the fork ID against our fork schedule.';
COMMENT ON COLUMN statuses.best_block IS 'Best block number when learned (eth/69 latest block, or a header request); NULL if unknown.';
COMMENT ON COLUMN statuses.earliest_block IS 'Earliest available block (eth/69 history serving range); NULL before eth/69.';
COMMENT ON TABLE statuses_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';
-- A node's STATUS history: via dials_node_idx and the primary key, as for hellos.

CREATE TABLE disconnects (
  dial_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  seq smallint NOT NULL,
  instance_id bytea NOT NULL,
  node_id bytea,
  direction disconnect_direction NOT NULL,
  reason disconnect_reason NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (dial_id, started_at, seq)
) PARTITION BY RANGE (started_at);
CREATE TABLE disconnects_default PARTITION OF disconnects DEFAULT;
COMMENT ON TABLE disconnects IS 'DEVp2p DISCONNECT messages sent or received on a connection.';
COMMENT ON COLUMN disconnects.dial_id IS 'The connection (dials.dial_id).';
COMMENT ON COLUMN disconnects.started_at IS 'The connection''s start (dials.started_at); partition key.';
COMMENT ON COLUMN disconnects.seq IS 'Order of the message on the connection, from 0.';
COMMENT ON COLUMN disconnects.instance_id IS 'The instance on our side of the connection.';
COMMENT ON COLUMN disconnects.node_id IS 'The remote node, if known.';
COMMENT ON COLUMN disconnects.direction IS 'sent by us or received from the peer.';
COMMENT ON COLUMN disconnects.reason IS 'Reason name; codes outside the table are recorded as unknown.';
COMMENT ON COLUMN disconnects.at IS 'When the message was sent or received.';
COMMENT ON TABLE disconnects_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';

CREATE TABLE rtts (
  dial_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  instance_id bytea NOT NULL,
  node_id bytea,
  srtt_ms real NOT NULL,
  min_ms real NOT NULL,
  samples integer NOT NULL,
  tcp_connect_ms real,
  disc_ping_ms real,
  PRIMARY KEY (dial_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE rtts_default PARTITION OF rtts DEFAULT;
COMMENT ON TABLE rtts IS 'Round-trip times measured on a connection (one per dial).';
COMMENT ON COLUMN rtts.dial_id IS 'The connection (dials.dial_id).';
COMMENT ON COLUMN rtts.started_at IS 'The connection''s start (dials.started_at); partition key.';
COMMENT ON COLUMN rtts.instance_id IS 'The instance on our side of the connection.';
COMMENT ON COLUMN rtts.node_id IS 'The remote node.';
COMMENT ON COLUMN rtts.srtt_ms IS 'Smoothed RTT in ms (RFC 6298, alpha = 1/8).';
COMMENT ON COLUMN rtts.min_ms IS 'Minimum RTT sample in ms.';
COMMENT ON COLUMN rtts.samples IS 'Number of RTT samples (DEVp2p PING/PONG and request/response pairs).';
COMMENT ON COLUMN rtts.tcp_connect_ms IS 'TCP connect duration in ms (SYN to established); NULL for inbound.';
COMMENT ON COLUMN rtts.disc_ping_ms IS 'Discovery v4 PING to PONG time in ms, if measured.';
COMMENT ON TABLE rtts_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';
