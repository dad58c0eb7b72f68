-- capabilities: subprotocol capabilities offered in HELLO in a window.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: capability (text, "name/version"), nodes (int, distinct node IDs offering it).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x)
SELECT c AS capability, count(DISTINCT h.node_id)::int AS nodes
FROM hellos h, unnest(h.caps) AS c
WHERE h.started_at >= $1::timestamptz AND h.started_at < $2::timestamptz AND h.node_id IS NOT NULL AND h.node_id NOT IN (SELECT node_id FROM excluded)
GROUP BY 1
ORDER BY nodes DESC, 1;
