-- longitudinal-dials: connection attempts and their results per time bucket.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width: under a day means hourly buckets, a day or more daily ones (aligned to UTC midnight)
-- Returns: bucket_ms (float8), dynamic_dials, static_dials, inbound (connections), nodes_attempted
-- (distinct IDs dialed out), nodes_responded (of those, answered: STATUS, HELLO or DISCONNECT),
-- hello_nodes, status_nodes (distinct IDs, outbound or inbound) — all int.
-- Whole buckets of rolled-up days (and, for hours, rolled-up hours of the open day) come from
-- rollup_dials; raw dials only before the first whole bucket, after the last, and from the rollup
-- watermark on: same answers as raw rows.
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
SELECT (extract(epoch FROM date_bin((SELECT step FROM p), started_at, timestamptz '1970-01-01 00:00:00+00')) * 1000)::float8 AS bucket_ms,
       count(*) FILTER (WHERE kind = 'dynamic')::int AS dynamic_dials,
       count(*) FILTER (WHERE kind = 'static')::int AS static_dials,
       count(*) FILTER (WHERE kind = 'inbound')::int AS inbound,
       count(DISTINCT node_id) FILTER (WHERE kind <> 'inbound')::int AS nodes_attempted,
       count(DISTINCT node_id) FILTER (WHERE kind <> 'inbound' AND outcome <> 'error')::int AS nodes_responded,
       count(DISTINCT node_id) FILTER (WHERE outcome IN ('hello', 'status'))::int AS hello_nodes,
       count(DISTINCT node_id) FILTER (WHERE outcome = 'status')::int AS status_nodes
FROM dials
WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz
  AND (started_at < (SELECT lo FROM p) OR started_at >= (SELECT hi FROM p))
GROUP BY 1
UNION ALL
SELECT (extract(epoch FROM bucket) * 1000)::float8, dynamic_dials, static_dials, inbound, nodes_attempted, nodes_responded, hello_nodes, status_nodes
FROM rollup_dials
WHERE width = (SELECT width FROM p) AND bucket >= (SELECT lo FROM p) AND bucket < (SELECT hi FROM p)
ORDER BY 1;
