-- longitudinal-clients: client release popularity over time — distinct nodes per (client, release)
-- per time bucket, from HELLO.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width, e.g. '1 hour' or '1 day' (buckets are aligned to UTC midnight)
-- Returns: bucket_ms (float8), client_name (text), release (text: "MAJOR.MINOR.PATCH" from the
-- version, patch 0 when absent, '?' when it has no number), nodes (int).
SELECT bucket_ms, client_name, release, count(*)::int AS nodes
FROM (
  SELECT DISTINCT (extract(epoch FROM date_bin($3::interval, started_at, timestamptz '1970-01-01 00:00:00+00')) * 1000)::float8 AS bucket_ms, client_name,
         coalesce(regexp_replace(substring(client_version FROM '^[vV]?([0-9]+[.][0-9]+(?:[.][0-9]+)?)'), '^([0-9]+[.][0-9]+)$', '\1.0'), '?') AS release,
         node_id
  FROM hellos
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
) x
GROUP BY 1, 2, 3
ORDER BY 1, nodes DESC, 2, 3;
