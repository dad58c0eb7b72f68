-- latency-nodes: one network RTT per node in a window — the lowest over instances of the per-instance
-- median of rtts.rtt_ms (per connection the lowest p2p PING→PONG, else the discv4 PING→PONG; never
-- the handshake or HELLO→STATUS) — for distributions (no IDs, no addresses: cheap on large windows).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: rtt_ms (float8), instances (int: instances that measured the node).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
r AS (
  SELECT instance_id, node_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms) AS rtt_ms
  FROM rtts
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND rtt_ms IS NOT NULL
    AND node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY instance_id, node_id
)
SELECT min(rtt_ms)::float8 AS rtt_ms, count(*)::int AS instances
FROM r
GROUP BY node_id
ORDER BY 1;
