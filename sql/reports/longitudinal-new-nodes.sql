-- longitudinal-new-nodes: node IDs seen for the first time ever, per time bucket.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width, e.g. '1 hour' or '1 day' (buckets are aligned to UTC midnight)
-- Returns: bucket_ms (float8), new_nodes (int).
SELECT (extract(epoch FROM date_bin($3::interval, first_seen, timestamptz '1970-01-01 00:00:00+00')) * 1000)::float8 AS bucket_ms, count(*)::int AS new_nodes
FROM nodes
WHERE first_seen >= $1::timestamptz AND first_seen < $2::timestamptz
GROUP BY 1
ORDER BY 1;
