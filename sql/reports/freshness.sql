-- freshness: each node's latest STATUS on one chain in a window, with the number of its best block:
-- from the STATUS itself (eth/69) or a header request, else from any other STATUS in or just before the
-- window that named the same best hash with a known number.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- $4 genesis (text): hex genesis hash of the chain (mainnet: d4e56740…cb8fa3)
-- Returns: node_id (hex), at_ms (float8), best_block (text, uint64, NULL if unknown), inferred (boolean:
-- number taken from another STATUS with the same best hash), client_name (text or NULL).
-- Latest = greatest (started_at, dial_id); from window_status_days (a node's latest STATUS per chain and
-- day) where they are complete, raw STATUSes after that (as window-nodes.sql).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz)),
latest AS (
  SELECT DISTINCT ON (node_id) node_id, started_at, dial_id, best_hash, best_block FROM (
    SELECT node_id, last_at AS started_at, dial_id, best_hash, best_block FROM window_status_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz AND genesis_hash = decode($4::text, 'hex')
    UNION ALL
    SELECT node_id, started_at, dial_id, best_hash, best_block FROM statuses
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL AND genesis_hash = decode($4::text, 'hex')
  ) x
  WHERE node_id NOT IN (SELECT node_id FROM excluded)
  ORDER BY node_id, started_at DESC, dial_id DESC
),
known AS (
  -- block numbers learned for best hashes in or just before the window (a best hash is current for
  -- seconds, so whoever named it did so around the same time)
  SELECT best_hash, max(best_block) AS block FROM statuses
  WHERE started_at >= $1::timestamptz - interval '1 day' AND started_at < $2::timestamptz AND best_block IS NOT NULL
    AND best_hash IN (SELECT best_hash FROM latest WHERE best_block IS NULL)
  GROUP BY best_hash
),
numbered AS (
  SELECT l.*, CASE WHEN l.best_block IS NULL THEN k.block END AS inferred_block
  FROM latest l LEFT JOIN known k ON k.best_hash = l.best_hash
)
SELECT encode(n.node_id, 'hex') AS node_id,
       (extract(epoch FROM n.started_at) * 1000)::float8 AS at_ms,
       coalesce(n.best_block, n.inferred_block)::text AS best_block,
       (n.best_block IS NULL AND n.inferred_block IS NOT NULL) AS inferred,
       h.client_name
FROM numbered n
LEFT JOIN hellos h ON h.dial_id = n.dial_id AND h.started_at = n.started_at
  AND h.started_at >= $1::timestamptz AND h.started_at < $2::timestamptz
ORDER BY 1;
