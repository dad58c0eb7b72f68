-- client-releases: every (client, version) ever announced in a HELLO before a time, for "releases
-- behind the newest seen" (client-age).
-- $1 until (timestamptz): only HELLOs before this time
-- Returns: client_name, client_version (text), first_seen_ms (float8), nodes (int, distinct node IDs).
SELECT client_name, client_version,
       (extract(epoch FROM min(started_at)) * 1000)::float8 AS first_seen_ms,
       count(DISTINCT node_id)::int AS nodes
FROM hellos
WHERE started_at < $1::timestamptz AND client_version IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2;
