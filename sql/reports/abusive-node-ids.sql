-- abusive-node-ids: the node IDs seen on given IP addresses in a window (to exclude them from counts).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 ips (text[]): IP addresses
-- Returns: node_id (hex).
WITH pairs AS (
  SELECT ip, node_id FROM addresses WHERE last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
  UNION
  SELECT ip, node_id FROM dials WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
)
SELECT DISTINCT encode(node_id, 'hex') AS node_id FROM pairs WHERE ip = ANY($3::inet[])
ORDER BY 1;
