-- networks: networks announced in STATUS in a window (network ID + genesis hash).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: network_id (text, uint64), genesis (hex), nodes, compatible_nodes (fork ID judged compatible) (int).
-- Chains come from window_status_days where they are complete, raw STATUSes after that (as window-nodes.sql).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz))
SELECT network_id::text AS network_id, encode(genesis_hash, 'hex') AS genesis,
       count(DISTINCT node_id)::int AS nodes,
       count(DISTINCT node_id) FILTER (WHERE compatible)::int AS compatible_nodes
FROM (
  SELECT node_id, network_id, genesis_hash, compatible_at >= $1::timestamptz AS compatible FROM window_status_days
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz
  UNION ALL
  SELECT node_id, network_id, genesis_hash, fork_verdict = 'compatible' FROM statuses
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
) x
WHERE node_id NOT IN (SELECT node_id FROM excluded)
GROUP BY network_id, genesis_hash
ORDER BY nodes DESC, 1, 2;
