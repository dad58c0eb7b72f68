-- longitudinal-discovery: discovery v4 activity per time bucket, all instances together.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width: under a day means hourly buckets, a day or more daily ones (aligned to UTC midnight)
-- Returns: bucket_ms (float8, bucket start), findnode_sent, neighbors_received, nodes_learned,
-- new_nodes (per-instance new), pings_sent, pongs_received (float8 sums), instances (int, reporting).
-- Whole buckets of rolled-up days come from rollup_discovery, the rest from raw discovery_counters.
WITH w AS (
  SELECT CASE WHEN $3::interval < interval '1 day' THEN 'hour' ELSE 'day' END AS width,
         CASE WHEN $3::interval < interval '1 day' THEN interval '1 hour' ELSE interval '1 day' END AS step,
         coalesce((SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM rollup_days), '-infinity') AS watermark
),
p AS (
  SELECT w.width, w.step,
         date_bin(w.step, $1::timestamptz - interval '1 microsecond', timestamptz '1970-01-01 00:00:00+00') + w.step AS lo,
         least(date_bin(w.step, $2::timestamptz, timestamptz '1970-01-01 00:00:00+00'),
               CASE WHEN w.width = 'hour'
                    THEN coalesce((SELECT o.hours_until FROM rollup_open_hours o WHERE o.day = (w.watermark AT TIME ZONE 'UTC')::date AND o.hours_until > w.watermark), w.watermark)
                    ELSE w.watermark END) AS hi
  FROM w
)
SELECT (extract(epoch FROM date_bin((SELECT step FROM p), minute, timestamptz '1970-01-01 00:00:00+00')) * 1000)::float8 AS bucket_ms,
       sum(findnode_sent)::float8 AS findnode_sent, sum(neighbors_received)::float8 AS neighbors_received,
       sum(nodes_learned)::float8 AS nodes_learned, sum(new_nodes)::float8 AS new_nodes,
       sum(pings_sent)::float8 AS pings_sent, sum(pongs_received)::float8 AS pongs_received,
       count(DISTINCT instance_id)::int AS instances
FROM discovery_counters
WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
  AND (minute < (SELECT lo FROM p) OR minute >= (SELECT hi FROM p))
GROUP BY 1
UNION ALL
SELECT (extract(epoch FROM bucket) * 1000)::float8, findnode_sent::float8, neighbors_received::float8, nodes_learned::float8,
       new_nodes::float8, pings_sent::float8, pongs_received::float8, instances
FROM rollup_discovery
WHERE width = (SELECT width FROM p) AND bucket >= (SELECT lo FROM p) AND bucket < (SELECT hi FROM p)
ORDER BY 1;
