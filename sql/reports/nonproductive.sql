-- nonproductive: what became of the nodes that completed HELLO in a window — mainnet peers, and the
-- non-productive rest: another network, a mainnet-genesis peer with a rejected fork ID, no eth
-- capability, useless_peer, or eth offered but no STATUS.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: category (mainnet | mainnet_fork_mismatch | other_network | no_eth | useless_peer |
-- no_status), nodes (int). The first matching category wins, in that order.
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
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
  SELECT node_id FROM disconnects WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND reason = 'useless_peer' AND node_id IS NOT NULL
  UNION
  SELECT node_id FROM dials WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND error_kind = 'useless_peer' AND node_id IS NOT NULL
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
