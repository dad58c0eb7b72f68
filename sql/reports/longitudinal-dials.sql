-- longitudinal-dials: connection attempts and their results per time bucket.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width: under a day means hourly buckets, a day or more daily ones (aligned to UTC midnight)
-- Returns: bucket_ms (float8), dynamic_dials, static_dials, inbound (connections), nodes_attempted
-- (distinct IDs dialed out), nodes_responded (of those, answered: STATUS, HELLO or DISCONNECT),
-- hello_nodes, status_nodes (distinct IDs, outbound or inbound) — all int.
-- Whole buckets of rolled-up days (and, for hours, rolled-up hours of the open day) come from
-- rollup_dials; raw dials only before the first whole bucket, after the last, and from the rollup
-- watermark on: same answers as raw rows. The open day's day bucket (the day after the watermark)
-- counts its distinct nodes from window_node_days when they are complete up to a point ≤ until
-- (window_node_day_marks), with its dials summed from the hour rows up to that point, and reads raw
-- dials only from there on.
WITH w AS (
  SELECT CASE WHEN $3::interval < interval '1 day' THEN 'hour' ELSE 'day' END AS width,
         CASE WHEN $3::interval < interval '1 day' THEN interval '1 hour' ELSE interval '1 day' END AS step,
         coalesce((SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM rollup_days), '-infinity') AS watermark
),
p AS (
  SELECT w.width, w.step, w.watermark,
         date_bin(w.step, $1::timestamptz - interval '1 microsecond', timestamptz '1970-01-01 00:00:00+00') + w.step AS lo,
         least(date_bin(w.step, $2::timestamptz, timestamptz '1970-01-01 00:00:00+00'),
               CASE WHEN w.width = 'hour'
                    THEN coalesce((SELECT o.hours_until FROM rollup_open_hours o WHERE o.day = (w.watermark AT TIME ZONE 'UTC')::date AND o.hours_until > w.watermark), w.watermark)
                    ELSE w.watermark END) AS hi,
         -- the open day's per-node rows are complete up to open_until (-infinity: not usable for this window)
         coalesce((SELECT m.covered_until FROM window_node_day_marks m
                    WHERE w.width = 'day' AND m.day = (w.watermark AT TIME ZONE 'UTC')::date AND w.watermark >= $1::timestamptz
                      AND m.covered_until > w.watermark AND m.covered_until <= $2::timestamptz), '-infinity') AS open_until
  FROM w
),
per_node AS (
  -- one row per bucket and node (NULL node: connections without a node ID), from raw dials before the
  -- first whole bucket and after the last one (or after open_until), and from the open day's node rows
  SELECT date_bin((SELECT step FROM p), started_at, timestamptz '1970-01-01 00:00:00+00') AS bucket, node_id,
         count(*) FILTER (WHERE kind = 'dynamic') AS dynamic_dials, count(*) FILTER (WHERE kind = 'static') AS static_dials,
         count(*) FILTER (WHERE kind = 'inbound') AS inbound,
         bit_or(CASE WHEN kind <> 'inbound' THEN 2 ELSE 8 END | CASE WHEN kind <> 'inbound' AND outcome <> 'error' THEN 4 ELSE 0 END
                | CASE WHEN outcome IN ('hello', 'status') THEN 16 ELSE 0 END | CASE WHEN outcome = 'status' THEN 32 ELSE 0 END) AS flags
  FROM (
    SELECT started_at, node_id, kind, outcome FROM dials
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at < (SELECT lo FROM p)
    UNION ALL
    SELECT started_at, node_id, kind, outcome FROM dials
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT greatest(lo, hi, open_until) FROM p)
  ) r
  GROUP BY 1, 2
  UNION ALL
  SELECT (SELECT watermark FROM p), node_id, 0, 0, 0, dial_stages
  FROM window_node_days WHERE day = (SELECT (watermark AT TIME ZONE 'UTC')::date FROM p WHERE open_until > watermark) AND dial_stages <> 0
  UNION ALL
  SELECT (SELECT watermark FROM p), NULL, sum(dynamic_dials), sum(static_dials), sum(inbound), 0
  FROM rollup_dials WHERE width = 'hour' AND bucket >= (SELECT watermark FROM p WHERE open_until > watermark) AND bucket < (SELECT open_until FROM p)
  HAVING count(*) > 0
)
SELECT (extract(epoch FROM bucket) * 1000)::float8 AS bucket_ms,
       sum(dynamic_dials)::int AS dynamic_dials, sum(static_dials)::int AS static_dials, sum(inbound)::int AS inbound,
       count(node_id) FILTER (WHERE flags & 2 <> 0)::int AS nodes_attempted,
       count(node_id) FILTER (WHERE flags & 4 <> 0)::int AS nodes_responded,
       count(node_id) FILTER (WHERE flags & 16 <> 0)::int AS hello_nodes,
       count(node_id) FILTER (WHERE flags & 32 <> 0)::int AS status_nodes
FROM (
  -- a node of the open day can have a row from its node rows and one from the raw dials after them
  SELECT bucket, node_id, sum(dynamic_dials) AS dynamic_dials, sum(static_dials) AS static_dials, sum(inbound) AS inbound, bit_or(flags) AS flags
  FROM per_node GROUP BY 1, 2
) n
GROUP BY bucket
UNION ALL
SELECT (extract(epoch FROM bucket) * 1000)::float8, dynamic_dials, static_dials, inbound, nodes_attempted, nodes_responded, hello_nodes, status_nodes
FROM rollup_dials
WHERE width = (SELECT width FROM p) AND bucket >= (SELECT lo FROM p) AND bucket < (SELECT hi FROM p)
ORDER BY 1;
