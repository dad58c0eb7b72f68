-- The snapshot's HELLO, STATUS and DISCONNECT sections on the open day (issue 13): clients, capabilities,
-- networks, fork IDs, freshness, non-productive peers and disconnect reasons read per-node-day rows for
-- the part of a window that window_node_days cover, and raw rows only from the split point on, exactly
-- as window-nodes.sql does for the stages (0007_open_day.sql). Same upkeep as window_node_days: merged
-- as the open day's hours close (src/store/rollup-hours.ts), rebuilt with the day's rollup
-- (src/store/rollup.ts), complete up to window_node_day_marks.covered_until, dropped with the day's raw
-- rows (retention). SQL that builds them: src/store/window-section-days.ts.
--
-- "Latest" below means the row with the greatest (started_at, dial_id): the report SQL breaks ties the
-- same way, so per-node-day rows and raw rows pick the same HELLO or STATUS.

-- Where a window [since, until) splits (was copied into window-nodes, abusive-ips and nonproductive):
-- days before days_until (from since's day on) are read from the per-node-day rows, raw rows from
-- raw_from on. A day counts while its rows are complete up to its end (or up to a mark ≤ until, then it
-- is the last one read and raw rows start at its mark); the first day that is not ends the run.
CREATE FUNCTION window_raw_split(since timestamptz, until timestamptz, OUT raw_from timestamptz, OUT days_until date)
LANGUAGE sql STABLE AS $fn$
  WITH gap AS (
    -- the first day of the window whose per-node rows are not complete up to its end (or end after until)
    SELECT min(g.day) AS day FROM (
      SELECT gs::date AS day FROM generate_series(date_trunc('day', since AT TIME ZONE 'UTC'), (until - interval '1 microsecond') AT TIME ZONE 'UTC', interval '1 day') gs
    ) g LEFT JOIN window_node_day_marks m ON m.day = g.day
    WHERE m.covered_until IS NULL OR m.covered_until <> (g.day + 1)::timestamp AT TIME ZONE 'UTC' OR m.covered_until > until
  )
  SELECT CASE WHEN since >= until THEN since
              WHEN gap.day IS NULL THEN until
              WHEN m.covered_until <= until THEN greatest(since, m.covered_until)
              ELSE greatest(since, gap.day::timestamp AT TIME ZONE 'UTC') END,
         CASE WHEN since >= until THEN '-infinity'::date
              WHEN gap.day IS NULL THEN ((until - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1
              WHEN m.covered_until <= until THEN gap.day + 1
              ELSE gap.day END
  FROM gap LEFT JOIN window_node_day_marks m ON m.day = gap.day
$fn$;
COMMENT ON FUNCTION window_raw_split(timestamptz, timestamptz) IS 'Split of a window [since, until): per-node-day rows (window_*_days) of days from since''s day to before days_until, raw rows from raw_from on.';

CREATE TABLE window_hello_days (
  day date NOT NULL,
  node_id bytea NOT NULL,
  hello_at timestamptz NOT NULL,
  dial_id uuid NOT NULL,
  client_name text NOT NULL,
  client_version text,
  os text,
  arch text,
  runtime text,
  PRIMARY KEY (day, node_id)
);
COMMENT ON TABLE window_hello_days IS 'Per UTC day and node: its latest HELLO of the day (clients.sql), complete as window_node_days are (same mark); dropped with the day''s raw rows.';
COMMENT ON COLUMN window_hello_days.day IS 'UTC day of the HELLOs (started_at).';
COMMENT ON COLUMN window_hello_days.node_id IS 'The node (hellos.node_id).';
COMMENT ON COLUMN window_hello_days.hello_at IS 'Start of the connection of its latest HELLO (hellos.started_at).';
COMMENT ON COLUMN window_hello_days.dial_id IS 'The connection of that HELLO (ties on hello_at: the greatest dial_id is the latest).';
COMMENT ON COLUMN window_hello_days.client_name IS 'hellos.client_name of that HELLO.';
COMMENT ON COLUMN window_hello_days.client_version IS 'hellos.client_version of that HELLO.';
COMMENT ON COLUMN window_hello_days.os IS 'hellos.os of that HELLO.';
COMMENT ON COLUMN window_hello_days.arch IS 'hellos.arch of that HELLO.';
COMMENT ON COLUMN window_hello_days.runtime IS 'hellos.runtime of that HELLO.';

CREATE TABLE window_cap_days (
  day date NOT NULL,
  node_id bytea NOT NULL,
  capability text NOT NULL,
  last_at timestamptz NOT NULL,
  PRIMARY KEY (day, node_id, capability)
);
COMMENT ON TABLE window_cap_days IS 'Per UTC day, node and capability offered in any of its HELLOs that day (capabilities.sql, nonproductive.sql), complete as window_node_days are; dropped with the day''s raw rows.';
COMMENT ON COLUMN window_cap_days.day IS 'UTC day of the HELLOs (started_at).';
COMMENT ON COLUMN window_cap_days.node_id IS 'The node.';
COMMENT ON COLUMN window_cap_days.capability IS 'One element of hellos.caps ("name/version").';
COMMENT ON COLUMN window_cap_days.last_at IS 'Start of the connection of its latest HELLO that offered it.';

CREATE TABLE window_status_days (
  day date NOT NULL,
  node_id bytea NOT NULL,
  network_id numeric(20, 0) NOT NULL,
  genesis_hash bytea NOT NULL,
  last_at timestamptz NOT NULL,
  dial_id uuid NOT NULL,
  fork_hash bytea NOT NULL,
  fork_next numeric(20, 0) NOT NULL,
  fork_verdict fork_verdict NOT NULL,
  best_hash bytea NOT NULL,
  best_block numeric(20, 0),
  compatible_at timestamptz,
  accepted_at timestamptz,
  PRIMARY KEY (day, node_id, network_id, genesis_hash)
);
COMMENT ON TABLE window_status_days IS 'Per UTC day, node and chain (network ID, genesis) it announced in STATUS: its latest such STATUS of the day (networks, fork-ids, freshness, nonproductive, clients .sql), complete as window_node_days are; dropped with the day''s raw rows.';
COMMENT ON COLUMN window_status_days.day IS 'UTC day of the STATUSes (started_at).';
COMMENT ON COLUMN window_status_days.node_id IS 'The node.';
COMMENT ON COLUMN window_status_days.network_id IS 'statuses.network_id.';
COMMENT ON COLUMN window_status_days.genesis_hash IS 'statuses.genesis_hash.';
COMMENT ON COLUMN window_status_days.last_at IS 'Start of the connection of its latest STATUS on this chain that day.';
COMMENT ON COLUMN window_status_days.dial_id IS 'The connection of that STATUS (ties on last_at: the greatest dial_id is the latest).';
COMMENT ON COLUMN window_status_days.fork_hash IS 'statuses.fork_hash of that STATUS.';
COMMENT ON COLUMN window_status_days.fork_next IS 'statuses.fork_next of that STATUS.';
COMMENT ON COLUMN window_status_days.fork_verdict IS 'statuses.fork_verdict of that STATUS.';
COMMENT ON COLUMN window_status_days.best_hash IS 'statuses.best_hash of that STATUS.';
COMMENT ON COLUMN window_status_days.best_block IS 'statuses.best_block of that STATUS (NULL: not known).';
COMMENT ON COLUMN window_status_days.compatible_at IS 'Start of its latest STATUS on this chain that day with fork_verdict compatible (NULL: none).';
COMMENT ON COLUMN window_status_days.accepted_at IS 'Start of its latest STATUS on this chain that day with fork_verdict compatible or local_stale (NULL: none).';

CREATE TABLE window_disconnect_days (
  day date NOT NULL,
  node_id bytea NOT NULL,
  direction disconnect_direction NOT NULL,
  reason disconnect_reason NOT NULL,
  last_at timestamptz NOT NULL,
  PRIMARY KEY (day, node_id, direction, reason)
);
COMMENT ON TABLE window_disconnect_days IS 'Per UTC day, node, direction and reason of its DISCONNECTs that day (distinct nodes in disconnects.sql), complete as window_node_days are; dropped with the day''s raw rows.';
COMMENT ON COLUMN window_disconnect_days.day IS 'UTC day of the DISCONNECTs (started_at).';
COMMENT ON COLUMN window_disconnect_days.node_id IS 'The node (DISCONNECTs without a node ID count only in window_disconnect_hours).';
COMMENT ON COLUMN window_disconnect_days.direction IS 'disconnects.direction.';
COMMENT ON COLUMN window_disconnect_days.reason IS 'disconnects.reason.';
COMMENT ON COLUMN window_disconnect_days.last_at IS 'Start of the connection of its latest such DISCONNECT.';

CREATE TABLE window_disconnect_hours (
  hour timestamptz NOT NULL,
  direction disconnect_direction NOT NULL,
  reason disconnect_reason NOT NULL,
  messages integer NOT NULL,
  connections integer NOT NULL,
  PRIMARY KEY (hour, direction, reason)
);
COMMENT ON TABLE window_disconnect_hours IS 'Per UTC hour, direction and reason: DISCONNECT messages and connections (disconnects.sql sums whole hours of a window from them), complete as window_node_days are; dropped with the day''s raw rows.';
COMMENT ON COLUMN window_disconnect_hours.hour IS 'Start of the hour of the connections (started_at).';
COMMENT ON COLUMN window_disconnect_hours.direction IS 'disconnects.direction.';
COMMENT ON COLUMN window_disconnect_hours.reason IS 'disconnects.reason.';
COMMENT ON COLUMN window_disconnect_hours.messages IS 'DISCONNECT rows of the hour.';
COMMENT ON COLUMN window_disconnect_hours.connections IS 'Distinct dial_id among them (a connection''s rows share its started_at, so hours add up).';

-- Days marked before these tables existed have none of their rows: forget the marks, so windows read
-- those days' raw rows (exact) until the open day's next hourly pass (it merges from midnight again;
-- merging window_node_days twice changes nothing) or `nodefinder db rollup` rebuilds a closed day.
DELETE FROM window_node_day_marks;
