-- fork-enrs: the latest node record (ENR, whose "eth" entry carries a fork ID) of each node heard in a
-- window that sent no STATUS in it, with the node's latest HELLO client if any.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: raw (hex of the RLP record: decoded in the caller), client_name, client_version (text, NULL without HELLO).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
rec AS (
  SELECT DISTINCT ON (node_id) node_id, raw
  FROM enrs WHERE last_seen >= $1::timestamptz AND first_seen < $2::timestamptz AND node_id NOT IN (SELECT node_id FROM excluded)
    AND node_id NOT IN (SELECT node_id FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL)
  ORDER BY node_id, seq DESC
),
he AS (
  SELECT DISTINCT ON (node_id) node_id, client_name, client_version
  FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IN (SELECT node_id FROM rec)
  ORDER BY node_id, started_at DESC
)
SELECT encode(rec.raw, 'hex') AS raw, he.client_name, he.client_version
FROM rec LEFT JOIN he ON he.node_id = rec.node_id
ORDER BY rec.node_id;
