-- disconnects: DEVp2p DISCONNECT messages in a window, by direction and reason.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- Returns: direction ('received' from peers, 'sent' by us), reason (snake_case), messages,
-- nodes (distinct node IDs), connections (distinct dials) — all int.
-- Where the per-node-day rows are complete (window_raw_split, as window-nodes.sql): messages and
-- connections of the whole hours from window_disconnect_hours, nodes from window_disconnect_days; raw
-- rows for the rest (the part of the window's first hour after since, and from the split point on).
WITH p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz)),
hrs AS (
  -- whole hours inside [since, raw_from): from the first hour start ≥ since to the last ≤ raw_from
  SELECT hours_from, greatest(hours_from, date_bin('1 hour', raw_from, timestamptz '1970-01-01 00:00:00+00')) AS hours_until FROM (
    SELECT raw_from, date_bin('1 hour', $1::timestamptz - interval '1 microsecond', timestamptz '1970-01-01 00:00:00+00') + interval '1 hour' AS hours_from FROM p
  ) x
),
counts AS (
  SELECT direction, reason, sum(messages) AS messages, sum(connections) AS connections FROM (
    SELECT direction, reason, messages, connections FROM window_disconnect_hours
    WHERE hour >= (SELECT hours_from FROM hrs) AND hour < (SELECT hours_until FROM hrs)
    UNION ALL
    SELECT direction, reason, count(*), count(DISTINCT dial_id) FROM disconnects
    WHERE started_at >= $1::timestamptz AND started_at < least($2::timestamptz, (SELECT hours_from FROM hrs)) GROUP BY 1, 2
    UNION ALL
    SELECT direction, reason, count(*), count(DISTINCT dial_id) FROM disconnects
    WHERE started_at >= greatest($1::timestamptz, (SELECT hours_until FROM hrs)) AND started_at < $2::timestamptz GROUP BY 1, 2
  ) x GROUP BY 1, 2
),
nodes AS (
  SELECT direction, reason, count(DISTINCT node_id) AS nodes FROM (
    SELECT direction, reason, node_id FROM window_disconnect_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz
    UNION ALL
    SELECT direction, reason, node_id FROM disconnects
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
  ) x GROUP BY 1, 2
)
SELECT c.direction::text AS direction, c.reason::text AS reason, c.messages::int AS messages,
       coalesce(n.nodes, 0)::int AS nodes, c.connections::int AS connections
FROM counts c LEFT JOIN nodes n ON n.direction = c.direction AND n.reason = c.reason
ORDER BY 1, messages DESC, 2;
