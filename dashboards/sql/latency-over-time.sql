-- latency-over-time: median and 90th percentile of the smoothed RTT (RFC 6298) of connections per time bucket.
SELECT $__timeGroupAlias(started_at, $__interval),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY srtt_ms)::float8 AS "p50 srtt",
       percentile_cont(0.9) WITHIN GROUP (ORDER BY srtt_ms)::float8 AS "p90 srtt",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY disc_ping_ms)::float8 AS "p50 discv4 ping"
FROM rtts
WHERE $__timeFilter(started_at)
GROUP BY 1
ORDER BY 1;
