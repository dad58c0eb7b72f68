-- fork-readiness: who announces which FORK_NEXT, by client and version, from STATUS (each node once,
-- latest STATUS and latest HELLO in the window).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: genesis (hex), hash (hex), next (text, uint64), client_name (text, NULL without HELLO),
-- client_version (text, raw: group releases in the caller), nodes (int).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
st AS (
  SELECT DISTINCT ON (node_id) node_id, genesis_hash, fork_hash, fork_next
  FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM excluded)
  ORDER BY node_id, started_at DESC
),
he AS (
  SELECT DISTINCT ON (node_id) node_id, client_name, client_version
  FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IN (SELECT node_id FROM st)
  ORDER BY node_id, started_at DESC
)
SELECT encode(st.genesis_hash, 'hex') AS genesis, encode(st.fork_hash, 'hex') AS hash, st.fork_next::text AS next,
       he.client_name, he.client_version, count(*)::int AS nodes
FROM st LEFT JOIN he ON he.node_id = st.node_id
GROUP BY st.genesis_hash, st.fork_hash, st.fork_next, he.client_name, he.client_version
ORDER BY nodes DESC, 2, 3, 4, 5;
