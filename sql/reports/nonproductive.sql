-- nonproductive: what became of the nodes that completed HELLO in a window — mainnet peers, and the
-- non-productive rest: another network, a mainnet-genesis peer with a rejected fork ID, no eth
-- capability, useless_peer, or eth offered but no STATUS.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: category (mainnet | mainnet_fork_mismatch | other_network | no_eth | useless_peer |
-- no_status), nodes (int). The first matching category wins, in that order.
-- useless_peer nodes come from window_node_days where they are complete, raw rows after that (as window-nodes.sql).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
gap AS (
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
h AS (
  SELECT node_id, bool_or(EXISTS (SELECT 1 FROM unnest(caps) AS c WHERE split_part(c, '/', 1) = 'eth')) AS has_eth
  FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL GROUP BY node_id
),
s AS (
  SELECT node_id, bool_or(network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND fork_verdict IN ('compatible', 'local_stale')) AS mainnet,
         bool_or(network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex')) AS mainnet_chain
  FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL GROUP BY node_id
),
u AS (
  SELECT node_id FROM window_node_days
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND useless_at >= $1::timestamptz
  UNION
  SELECT node_id FROM disconnects
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND reason = 'useless_peer' AND node_id IS NOT NULL
  UNION
  SELECT node_id FROM dials
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND error_kind = 'useless_peer' AND node_id IS NOT NULL
)
SELECT CASE WHEN s.mainnet THEN 'mainnet'
            WHEN s.mainnet_chain THEN 'mainnet_fork_mismatch'
            WHEN s.node_id IS NOT NULL THEN 'other_network'
            WHEN NOT h.has_eth THEN 'no_eth'
            WHEN u.node_id IS NOT NULL THEN 'useless_peer'
            ELSE 'no_status' END AS category,
       count(*)::int AS nodes
FROM h
LEFT JOIN s ON s.node_id = h.node_id
LEFT JOIN u ON u.node_id = h.node_id
WHERE h.node_id NOT IN (SELECT node_id FROM excluded)
GROUP BY 1
ORDER BY nodes DESC, 1;
