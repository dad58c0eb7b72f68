-- nonproductive: what became of the nodes that completed HELLO in a window — mainnet peers, and the
-- non-productive rest: another network, a mainnet-genesis peer with a rejected fork ID, no eth
-- capability, useless_peer, or eth offered but no STATUS.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: category (mainnet | mainnet_fork_mismatch | other_network | no_eth | useless_peer |
-- no_status), nodes (int). The first matching category wins, in that order.
-- Nodes, offers, chains and useless_peer come from the per-node-day rows (window_hello_days, window_cap_days,
-- window_status_days, window_node_days) where they are complete, raw rows after that (as window-nodes.sql).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz)),
-- hello nodes and their offers, chains announced: per-node-day rows of the window's covered days, raw rows after
h AS (
  SELECT node_id, bool_or(has_eth) AS has_eth FROM (
    SELECT node_id, false AS has_eth FROM window_hello_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND hello_at >= $1::timestamptz
    UNION ALL
    SELECT node_id, true FROM window_cap_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz AND split_part(capability, '/', 1) = 'eth'
    UNION ALL
    SELECT node_id, EXISTS (SELECT 1 FROM unnest(caps) AS c WHERE split_part(c, '/', 1) = 'eth') FROM hellos
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
  ) x GROUP BY node_id
),
s AS (
  SELECT node_id, bool_or(mainnet) AS mainnet, bool_or(mainnet_chain) AS mainnet_chain FROM (
    SELECT node_id, network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND coalesce(accepted_at >= $1::timestamptz, false) AS mainnet,
           network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AS mainnet_chain
    FROM window_status_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND last_at >= $1::timestamptz
    UNION ALL
    SELECT node_id, network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND fork_verdict IN ('compatible', 'local_stale'),
           network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex')
    FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
  ) x GROUP BY node_id
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
