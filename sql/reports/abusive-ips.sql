-- abusive-ips: IP addresses carrying many node IDs in a window (Sybil-like identity churn), from the
-- endpoints learned (addresses) and the connections made (dials).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 min_ids (int): report IPs with at least this many distinct node IDs
-- Returns: ip (text), node_ids (distinct IDs on it), new_node_ids (IDs first seen in the window),
-- hello_node_ids (IDs that completed HELLO in the window) (int), first_seen_ms, last_seen_ms (float8:
-- earliest first sighting and latest sign of life of those IDs), ids (text[]: the hex node IDs).
-- Inbound sources come from window_inbound_ips where they are complete, raw dials after that (as window-nodes.sql).
WITH gap AS (
  -- the first day of the window whose per-node rows are not complete up to its end (or end after until)
  SELECT min(g.day) AS day FROM (
    SELECT gs::date AS day FROM generate_series(date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC'), ($2::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC', interval '1 day') gs
  ) g LEFT JOIN window_node_day_marks m ON m.day = g.day
  WHERE m.covered_until IS NULL OR m.covered_until <> (g.day + 1)::timestamp AT TIME ZONE 'UTC' OR m.covered_until > $2::timestamptz
),
p AS (
  SELECT CASE WHEN $1::timestamptz >= $2::timestamptz THEN $1::timestamptz
              WHEN gap.day IS NULL THEN $2::timestamptz
              WHEN m.covered_until <= $2::timestamptz THEN greatest($1::timestamptz, m.covered_until)
              ELSE greatest($1::timestamptz, gap.day::timestamp AT TIME ZONE 'UTC') END AS raw_from,
         CASE WHEN $1::timestamptz >= $2::timestamptz THEN '-infinity'::date
              WHEN gap.day IS NULL THEN (($2::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1
              WHEN m.covered_until <= $2::timestamptz THEN gap.day + 1
              ELSE gap.day END AS days_until
  FROM gap LEFT JOIN window_node_day_marks m ON m.day = gap.day
),
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
