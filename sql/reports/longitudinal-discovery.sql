-- longitudinal-discovery: discovery v4 activity per time bucket, all instances together.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width, e.g. '1 hour' or '1 day' (buckets are aligned to UTC midnight)
-- Returns: bucket_ms (float8, bucket start), findnode_sent, neighbors_received, nodes_learned,
-- new_nodes (per-instance new), pings_sent, pongs_received (float8 sums), instances (int, reporting).
SELECT (extract(epoch FROM date_bin($3::interval, minute, timestamptz '1970-01-01 00:00:00+00')) * 1000)::float8 AS bucket_ms,
       sum(findnode_sent)::float8 AS findnode_sent, sum(neighbors_received)::float8 AS neighbors_received,
       sum(nodes_learned)::float8 AS nodes_learned, sum(new_nodes)::float8 AS new_nodes,
       sum(pings_sent)::float8 AS pings_sent, sum(pongs_received)::float8 AS pongs_received,
       count(DISTINCT instance_id)::int AS instances
FROM discovery_counters
WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
GROUP BY 1
ORDER BY 1;
