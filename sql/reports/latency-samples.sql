-- latency-samples: network round-trip times per (instance, node) in a window: the median of rtts.rtt_ms
-- (per connection the lowest p2p PING→PONG, else the discv4 PING→PONG) over the node's connections
-- with that instance, the instance's listen host (its vantage point), and the node's latest endpoint
-- IP (as window-nodes).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: instance (hex), host (text), node_id (hex), ip (text or NULL), rtt_ms (median rtt_ms),
-- srtt_ms (median RFC 6298 SRTT of the PINGs, NULL without), min_ms (lowest rtt_ms) (float8),
-- connections (int).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
r AS (
  SELECT instance_id, node_id,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms) AS rtt_ms,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY srtt_ms) AS srtt_ms,
         min(rtt_ms) AS min_ms, count(*)::int AS connections
  FROM rtts WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND rtt_ms IS NOT NULL
    AND node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY instance_id, node_id
),
vantage AS (
  SELECT DISTINCT ON (instance_id) instance_id, host FROM instance_runs ORDER BY instance_id, started_at DESC
)
SELECT encode(r.instance_id, 'hex') AS instance, coalesce(v.host, '?') AS host,
       encode(r.node_id, 'hex') AS node_id, host(li.ip) AS ip,
       r.rtt_ms::float8 AS rtt_ms, r.srtt_ms::float8 AS srtt_ms, r.min_ms::float8 AS min_ms, r.connections
FROM r
LEFT JOIN vantage v ON v.instance_id = r.instance_id
LEFT JOIN (
  SELECT DISTINCT ON (node_id) node_id, ip FROM addresses
  WHERE last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
  ORDER BY node_id, last_seen DESC
) li ON li.node_id = r.node_id
ORDER BY 3, 1;
