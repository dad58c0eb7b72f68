-- longitudinal-discovery: discovery v4 and v5 activity per time bucket, all instances together.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width: under a day means hourly buckets, a day or more daily ones (aligned to UTC midnight)
-- Returns: bucket_ms (float8, bucket start); discv4: findnode_sent, neighbors_received, nodes_learned,
-- new_nodes (per-instance new), pings_sent, pongs_received (float8 sums), instances (int, reporting);
-- discv5: v5_lookups, v5_findnode_sent, v5_nodes_received (FINDNODEs answered), v5_records_learned,
-- v5_pings_sent, v5_pongs_received, v5_sessions_in, v5_requests_answered, v5_dropped (float8 sums),
-- v5_instances (int, reporting v5). A bucket with activity of one protocol only has zeros for the other.
-- Whole buckets of rolled-up days come from rollup_discovery / rollup_discovery_v5, the rest from raw
-- discovery_counters / discovery_v5_counters.
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
),
v4 AS (
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
),
-- Raw rows and rollup_discovery_v5 rows are both per instance (and a bucket is either raw or rolled
-- up): one union, grouped once.
v5 AS (
  SELECT (extract(epoch FROM b) * 1000)::float8 AS bucket_ms,
         sum(lookups)::float8 AS lookups, sum(findnode_sent)::float8 AS findnode_sent, sum(nodes_received)::float8 AS nodes_received,
         sum(records_learned)::float8 AS records_learned, sum(pings_sent)::float8 AS pings_sent, sum(pongs_received)::float8 AS pongs_received,
         sum(sessions_in)::float8 AS sessions_in, sum(requests_answered)::float8 AS requests_answered, sum(dropped)::float8 AS dropped,
         count(DISTINCT instance_id)::int AS instances
  FROM (
    SELECT date_bin((SELECT step FROM p), minute, timestamptz '1970-01-01 00:00:00+00') AS b, instance_id, lookups, findnode_sent,
           nodes_received, records_learned, pings_sent, pongs_received, sessions_in, requests_answered, dropped
    FROM discovery_v5_counters
    WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
      AND (minute < (SELECT lo FROM p) OR minute >= (SELECT hi FROM p))
    UNION ALL
    SELECT bucket, instance_id, lookups, findnode_sent, nodes_received, records_learned, pings_sent, pongs_received, sessions_in,
           requests_answered, dropped
    FROM rollup_discovery_v5
    WHERE width = (SELECT width FROM p) AND bucket >= (SELECT lo FROM p) AND bucket < (SELECT hi FROM p)
  ) x
  GROUP BY 1
)
SELECT coalesce(v4.bucket_ms, v5.bucket_ms) AS bucket_ms,
       coalesce(v4.findnode_sent, 0) AS findnode_sent, coalesce(v4.neighbors_received, 0) AS neighbors_received,
       coalesce(v4.nodes_learned, 0) AS nodes_learned, coalesce(v4.new_nodes, 0) AS new_nodes,
       coalesce(v4.pings_sent, 0) AS pings_sent, coalesce(v4.pongs_received, 0) AS pongs_received, coalesce(v4.instances, 0) AS instances,
       coalesce(v5.lookups, 0) AS v5_lookups, coalesce(v5.findnode_sent, 0) AS v5_findnode_sent, coalesce(v5.nodes_received, 0) AS v5_nodes_received,
       coalesce(v5.records_learned, 0) AS v5_records_learned, coalesce(v5.pings_sent, 0) AS v5_pings_sent,
       coalesce(v5.pongs_received, 0) AS v5_pongs_received, coalesce(v5.sessions_in, 0) AS v5_sessions_in,
       coalesce(v5.requests_answered, 0) AS v5_requests_answered, coalesce(v5.dropped, 0) AS v5_dropped, coalesce(v5.instances, 0) AS v5_instances
FROM v4 FULL JOIN v5 ON v5.bucket_ms = v4.bucket_ms
ORDER BY 1;
