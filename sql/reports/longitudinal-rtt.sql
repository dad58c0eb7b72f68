-- longitudinal-rtt: the nodes' network RTT per UTC day — per day, the nodes per RTT bucket of
-- rollup_rtt (four per doubling) and the median and 90th percentile read from those buckets.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- Returns: bucket_ms (float8, UTC day start), nodes (int: nodes with an RTT that day), p50_ms, p90_ms
-- (float8: the geometric centre of the bucket holding the percentile, within ±9 % of latency-nodes'
-- value for the day), histogram (text: "bucket:nodes,…" ascending, bucket k = [2^(k/4), 2^((k+1)/4)) ms).
-- A node's RTT of a day is latency-nodes.sql over that day (or the window's part of it): the lowest
-- over instances of the per-instance median of rtts.rtt_ms. Whole days before the rollup watermark
-- come from rollup_rtt, the rest from raw rtts bucketed the same way: the same answers either way.
WITH p AS (
  SELECT date_bin(interval '1 day', $1::timestamptz - interval '1 microsecond', timestamptz '1970-01-01 00:00:00+00') + interval '1 day' AS lo,
         least(date_bin(interval '1 day', $2::timestamptz, timestamptz '1970-01-01 00:00:00+00'),
               coalesce((SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM rollup_days), '-infinity')) AS hi
),
hist AS (
  SELECT day, floor(4 * ln(greatest(rtt_ms, 1)::float8) / ln(2::float8) + 1e-9)::int AS bucket, count(*)::int AS nodes
  FROM (
    SELECT day, node_id, min(rtt_ms) AS rtt_ms
    FROM (
      SELECT date_bin(interval '1 day', started_at, timestamptz '1970-01-01 00:00:00+00') AS day, instance_id, node_id,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms) AS rtt_ms
      FROM rtts
      WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND rtt_ms IS NOT NULL
        AND (started_at < (SELECT lo FROM p) OR started_at >= (SELECT greatest(lo, hi) FROM p))
      GROUP BY 1, 2, 3
    ) r
    GROUP BY 1, 2
  ) n
  GROUP BY 1, 2
  UNION ALL
  SELECT day::timestamp AT TIME ZONE 'UTC', bucket, nodes
  FROM rollup_rtt
  WHERE day >= (SELECT (lo AT TIME ZONE 'UTC')::date FROM p) AND day < (SELECT (hi AT TIME ZONE 'UTC')::date FROM p)
),
cum AS (
  SELECT day, bucket, nodes, sum(nodes) OVER (PARTITION BY day ORDER BY bucket) AS upto, sum(nodes) OVER (PARTITION BY day) AS total
  FROM hist
)
SELECT (extract(epoch FROM day) * 1000)::float8 AS bucket_ms, max(total)::int AS nodes,
       power(2::float8, (min(bucket) FILTER (WHERE upto >= 0.5 * total) + 0.5) / 4) AS p50_ms,
       power(2::float8, (min(bucket) FILTER (WHERE upto >= 0.9 * total) + 0.5) / 4) AS p90_ms,
       string_agg(bucket || ':' || nodes, ',' ORDER BY bucket) AS histogram
FROM cum
GROUP BY day
ORDER BY 1;
