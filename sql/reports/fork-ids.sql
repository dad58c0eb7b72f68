-- fork-ids: EIP-2124 fork IDs announced in STATUS in a window, each node counted once (latest STATUS).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: genesis (hex), hash (hex, 4 bytes), next (text, uint64), nodes (int), verdict (text: the
-- fork_verdict most of these nodes got when dialed; 'unchecked' for other networks).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
latest AS (
  SELECT DISTINCT ON (node_id) node_id, genesis_hash, fork_hash, fork_next, fork_verdict
  FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM excluded)
  ORDER BY node_id, started_at DESC
)
SELECT encode(genesis_hash, 'hex') AS genesis, encode(fork_hash, 'hex') AS hash, fork_next::text AS next,
       count(*)::int AS nodes, (mode() WITHIN GROUP (ORDER BY fork_verdict))::text AS verdict
FROM latest
GROUP BY genesis_hash, fork_hash, fork_next
ORDER BY nodes DESC, 2, fork_next;
