-- abusive-ips: IP addresses carrying many node IDs in a window (Sybil-like identity churn), from the
-- endpoints learned (addresses) and the connections made (dials).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 min_ids (int): report IPs with at least this many distinct node IDs
-- Returns: ip (text), node_ids (distinct IDs on it), new_node_ids (IDs first seen in the window),
-- hello_node_ids (IDs that completed HELLO in the window) (int), first_seen_ms, last_seen_ms (float8:
-- earliest first sighting and latest sign of life of those IDs), ids (text[]: the hex node IDs).
-- Inbound sources come from window_inbound_ips where they are complete, raw dials after that (as window-nodes.sql).
WITH p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz)),
pairs AS (
  -- endpoints learned (discovery; inbound peers' listen ports) and inbound connections' sources
  SELECT ip, node_id FROM addresses WHERE last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
  UNION
  SELECT ip, node_id FROM window_inbound_ips
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz
  UNION
  SELECT ip, node_id FROM dials
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND kind = 'inbound' AND node_id IS NOT NULL
),
flagged AS (SELECT ip FROM pairs GROUP BY ip HAVING count(*) >= $3::int)
SELECT host(p.ip) AS ip, count(*)::int AS node_ids,
       count(*) FILTER (WHERE n.first_seen >= $1::timestamptz)::int AS new_node_ids,
       count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM hellos h WHERE h.node_id = p.node_id AND h.started_at >= $1::timestamptz AND h.started_at < $2::timestamptz
       ))::int AS hello_node_ids,
       (extract(epoch FROM min(n.first_seen)) * 1000)::float8 AS first_seen_ms,
       (extract(epoch FROM max(n.last_seen)) * 1000)::float8 AS last_seen_ms,
       array_agg(encode(p.node_id, 'hex') ORDER BY p.node_id) AS ids
FROM pairs p
JOIN flagged f ON f.ip = p.ip
-- OFFSET 0 keeps this a per-row index probe (a handful of IDs) instead of a hash of all nodes
LEFT JOIN LATERAL (SELECT first_seen, last_seen FROM nodes WHERE nodes.id = p.node_id OFFSET 0) n ON true
GROUP BY p.ip
ORDER BY node_ids DESC, 1;
