-- fork-ids: EIP-2124 fork IDs announced in STATUS in a window, each node counted once (latest STATUS).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: genesis (hex), hash (hex, 4 bytes), next (text, uint64), nodes (int), verdict (text: the
-- fork_verdict most of these nodes got when dialed; 'unchecked' for other networks).
-- Latest = greatest (started_at, dial_id); from window_status_days (a node's latest STATUS per chain and
-- day) where they are complete, raw STATUSes after that (as window-nodes.sql).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz)),
latest AS (
  SELECT DISTINCT ON (node_id) node_id, genesis_hash, fork_hash, fork_next, fork_verdict FROM (
    SELECT node_id, last_at AS started_at, dial_id, genesis_hash, fork_hash, fork_next, fork_verdict FROM window_status_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz
    UNION ALL
    SELECT node_id, started_at, dial_id, genesis_hash, fork_hash, fork_next, fork_verdict FROM statuses
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
  ) x
  WHERE node_id NOT IN (SELECT node_id FROM excluded)
  ORDER BY node_id, started_at DESC, dial_id DESC
)
SELECT encode(genesis_hash, 'hex') AS genesis, encode(fork_hash, 'hex') AS hash, fork_next::text AS next,
       count(*)::int AS nodes, (mode() WITHIN GROUP (ORDER BY fork_verdict))::text AS verdict
FROM latest
GROUP BY genesis_hash, fork_hash, fork_next
ORDER BY nodes DESC, 2, fork_next;
