-- capabilities: subprotocol capabilities offered in HELLO in a window.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: capability (text, "name/version"), nodes (int, distinct node IDs offering it).
-- Offers come from window_cap_days where they are complete, raw HELLOs after that (as window-nodes.sql).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz))
SELECT capability, count(DISTINCT node_id)::int AS nodes
FROM (
  SELECT node_id, capability FROM window_cap_days
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz
  UNION ALL
  SELECT h.node_id, c FROM hellos h, unnest(h.caps) AS c
  WHERE h.started_at >= $1::timestamptz AND h.started_at < $2::timestamptz AND h.started_at >= (SELECT raw_from FROM p) AND h.node_id IS NOT NULL
) x
WHERE node_id NOT IN (SELECT node_id FROM excluded)
GROUP BY 1
ORDER BY nodes DESC, 1;
