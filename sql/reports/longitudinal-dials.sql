-- longitudinal-dials: connection attempts and their results per time bucket.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 bucket (interval): bucket width, e.g. '1 hour' or '1 day' (buckets are aligned to UTC midnight)
-- Returns: bucket_ms (float8), dynamic_dials, static_dials, inbound (connections), nodes_attempted
-- (distinct IDs dialed out), nodes_responded (of those, answered: STATUS, HELLO or DISCONNECT),
-- hello_nodes, status_nodes (distinct IDs, outbound or inbound) — all int.
SELECT (extract(epoch FROM date_bin($3::interval, started_at, timestamptz '1970-01-01 00:00:00+00')) * 1000)::float8 AS bucket_ms,
       count(*) FILTER (WHERE kind = 'dynamic')::int AS dynamic_dials,
       count(*) FILTER (WHERE kind = 'static')::int AS static_dials,
       count(*) FILTER (WHERE kind = 'inbound')::int AS inbound,
       count(DISTINCT node_id) FILTER (WHERE kind <> 'inbound')::int AS nodes_attempted,
       count(DISTINCT node_id) FILTER (WHERE kind <> 'inbound' AND outcome <> 'error')::int AS nodes_responded,
       count(DISTINCT node_id) FILTER (WHERE outcome IN ('hello', 'status'))::int AS hello_nodes,
       count(DISTINCT node_id) FILTER (WHERE outcome = 'status')::int AS status_nodes
FROM dials
WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz
GROUP BY 1
ORDER BY 1;
