-- networks: networks announced in STATUS in a window (network ID + genesis hash).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: network_id (text, uint64), genesis (hex), nodes, compatible_nodes (fork ID judged compatible) (int).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x)
SELECT network_id::text AS network_id, encode(genesis_hash, 'hex') AS genesis,
       count(DISTINCT node_id)::int AS nodes,
       count(DISTINCT node_id) FILTER (WHERE fork_verdict = 'compatible')::int AS compatible_nodes
FROM statuses
WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM excluded)
GROUP BY 1, 2
ORDER BY nodes DESC, 1, 2;
