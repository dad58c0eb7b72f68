-- data-range: first and last connection and sighting recorded (the default span of longitudinal).
-- (no parameters)
-- Returns: first_ms, last_ms (float8, NULL on an empty database).
SELECT (extract(epoch FROM least((SELECT min(started_at) FROM dials), (SELECT min(first_seen) FROM nodes))) * 1000)::float8 AS first_ms,
       (extract(epoch FROM greatest((SELECT max(started_at) FROM dials), (SELECT max(last_seen) FROM nodes))) * 1000)::float8 AS last_ms;
