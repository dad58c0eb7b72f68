-- connect-over-time: median and 90th percentile of the TCP connect time of outbound dials per time bucket.
SELECT $__timeGroupAlias(started_at, $__interval),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY connect_ms)::float8 AS "p50 connect",
       percentile_cont(0.9) WITHIN GROUP (ORDER BY connect_ms)::float8 AS "p90 connect"
FROM dials
WHERE $__timeFilter(started_at) AND connect_ms IS NOT NULL
GROUP BY 1
ORDER BY 1;
