-- longitudinal-clients: client release popularity over time — distinct nodes per (client, release)
-- per time bucket, from HELLO.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width: under a day means hourly buckets, a day or more daily ones (aligned to UTC midnight)
-- Returns: bucket_ms (float8), client_name (text), release (text: "MAJOR.MINOR.PATCH" from the
-- version, patch 0 when absent, '?' when it has no number), nodes (int).
-- Whole buckets of rolled-up days come from rollup_clients, the rest from raw hellos (as longitudinal-dials).
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
SELECT bucket_ms, client_name, release, nodes
FROM (
  SELECT bucket_ms, client_name, release, count(*)::int AS nodes
  FROM (
    -- the release is parsed once per (node, bucket, client version), not once per HELLO
    SELECT DISTINCT bucket_ms, client_name,
           coalesce(regexp_replace(substring(client_version FROM '^[vV]?([0-9]+[.][0-9]+(?:[.][0-9]+)?)'), '^([0-9]+[.][0-9]+)$', '\1.0'), '?') AS release,
           node_id
    FROM (
      SELECT node_id, (extract(epoch FROM date_bin((SELECT step FROM p), started_at, timestamptz '1970-01-01 00:00:00+00')) * 1000)::float8 AS bucket_ms,
             client_name, client_version
      FROM hellos
      WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
        AND (started_at < (SELECT lo FROM p) OR started_at >= (SELECT hi FROM p))
      GROUP BY 1, 2, 3, 4
    ) v
  ) x
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT (extract(epoch FROM bucket) * 1000)::float8, client_name, release, nodes
  FROM rollup_clients
  WHERE width = (SELECT width FROM p) AND bucket >= (SELECT lo FROM p) AND bucket < (SELECT hi FROM p)
) y
ORDER BY 1, nodes DESC, 2, 3;
