-- The open day at mainnet volume (issue 13): a 24-hour window or the open day's longitudinal bucket
-- read a few hundred thousand per-node rows instead of millions of raw dials.
--
-- window_node_days holds, per UTC day and node, the stages its raw rows reached and the latest time of
-- each: built as the open day's hours close (src/store/rollup-hours.ts, together with the hour rows)
-- and rebuilt with the day's rollup (src/store/rollup.ts); window_node_day_marks says up to when a
-- day's rows are complete. A window [since, until) then reads, for the days it covers whose rows are
-- complete up to a point ≤ until, the rows whose latest time is ≥ since, and raw rows only from that
-- point on (sql/reports/window-nodes.sql, longitudinal-dials.sql): exact, like raw rows. The rows go
-- with the day's raw partitions (retention): a pruned day answers window queries as its raw rows do.
--
-- BRIN indexes on started_at let those queries, and the hourly rollups, read the raw rows of the
-- last hour without scanning the day's partition (rows are written nearly in time order; a BRIN
-- index costs a few pages per day and next to nothing per insert).

CREATE TABLE window_node_days (
  day date NOT NULL,
  node_id bytea NOT NULL,
  dial_stages smallint NOT NULL,
  dialed_at timestamptz,
  responded_at timestamptz,
  inbound_at timestamptz,
  hello_at timestamptz,
  status_at timestamptz,
  mainnet_at timestamptz,
  useless_at timestamptz,
  PRIMARY KEY (day, node_id)
);
COMMENT ON TABLE window_node_days IS 'Per UTC day and node: what its raw rows (dials, hellos, statuses) of the day reached and when last, complete up to window_node_day_marks.covered_until; dropped with the day''s raw rows.';
COMMENT ON COLUMN window_node_days.day IS 'UTC day of the raw rows (started_at).';
COMMENT ON COLUMN window_node_days.node_id IS 'The node (nodes.id).';
COMMENT ON COLUMN window_node_days.dial_stages IS 'Bit set over the node''s dials rows (as rollup_day_nodes.stages): 2 dialed out, 4 an outbound dial answered, 8 dialed us, 16 outcome hello or status, 32 outcome status.';
COMMENT ON COLUMN window_node_days.dialed_at IS 'Start of its latest outbound dial (NULL: none).';
COMMENT ON COLUMN window_node_days.responded_at IS 'Start of its latest answered outbound dial (outcome not error).';
COMMENT ON COLUMN window_node_days.inbound_at IS 'Start of its latest inbound connection.';
COMMENT ON COLUMN window_node_days.hello_at IS 'Start of the connection of its latest HELLO (hellos.started_at).';
COMMENT ON COLUMN window_node_days.status_at IS 'Start of the connection of its latest STATUS.';
COMMENT ON COLUMN window_node_days.mainnet_at IS 'Start of the connection of its latest mainnet STATUS (network 1, mainnet genesis, fork ID compatible or local_stale).';
COMMENT ON COLUMN window_node_days.useless_at IS 'Start of its latest connection that ended in useless_peer (a dial failing with it, or a DISCONNECT with that reason).';

CREATE TABLE window_inbound_ips (
  day date NOT NULL,
  ip inet NOT NULL,
  node_id bytea NOT NULL,
  last_at timestamptz NOT NULL,
  PRIMARY KEY (day, ip, node_id)
);
COMMENT ON TABLE window_inbound_ips IS 'Per UTC day: the (source IP, node) pairs of inbound connections (abusive-ips.sql), complete as window_node_days are (same mark); dropped with the day''s raw rows.';
COMMENT ON COLUMN window_inbound_ips.day IS 'UTC day of the connections (started_at).';
COMMENT ON COLUMN window_inbound_ips.ip IS 'Source IP of the inbound connection (dials.ip).';
COMMENT ON COLUMN window_inbound_ips.node_id IS 'The node that connected.';
COMMENT ON COLUMN window_inbound_ips.last_at IS 'Start of its latest inbound connection from that IP that day.';

CREATE TABLE window_node_day_marks (
  day date PRIMARY KEY,
  covered_until timestamptz NOT NULL
);
COMMENT ON TABLE window_node_day_marks IS 'How far window_node_days of a day are complete: raw rows of [day, covered_until) are in them (the day''s end once it is rolled up).';
COMMENT ON COLUMN window_node_day_marks.day IS 'UTC day.';
COMMENT ON COLUMN window_node_day_marks.covered_until IS 'Exclusive end of the raw rows summarised (an hour boundary, or the next midnight).';

CREATE INDEX dials_started_brin ON dials USING brin (started_at);
CREATE INDEX hellos_started_brin ON hellos USING brin (started_at);
CREATE INDEX statuses_started_brin ON statuses USING brin (started_at);
CREATE INDEX disconnects_started_brin ON disconnects USING brin (started_at);

-- RTT in the rollups: per UTC day, the distribution of the day's per-node network RTT (as
-- sql/reports/latency-nodes.sql over that day: per node the lowest over instances of the per-instance
-- median of rtts.rtt_ms) in fixed log buckets, four per doubling (±9 % around a bucket's centre), so
-- histograms of several days add up exactly (node-days) and percentiles come within a bucket.
CREATE TABLE rollup_rtt (
  day date NOT NULL,
  bucket smallint NOT NULL,
  nodes integer NOT NULL,
  PRIMARY KEY (day, bucket)
);
COMMENT ON TABLE rollup_rtt IS 'Per UTC day: nodes per network-RTT bucket (src/store/rollup.ts; latency-nodes.sql over the day).';
COMMENT ON COLUMN rollup_rtt.day IS 'UTC day.';
COMMENT ON COLUMN rollup_rtt.bucket IS 'floor(4·log2(RTT in ms)), RTT below 1 ms counted as 1 ms: the bucket holds [2^(bucket/4), 2^((bucket+1)/4)) ms.';
COMMENT ON COLUMN rollup_rtt.nodes IS 'Distinct nodes whose RTT of the day falls in the bucket (sums over days count node-days).';
