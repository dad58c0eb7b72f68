-- dials-by-outcome: connection attempts per time bucket by how far they got (status, hello, disconnect, error).
-- Grafana: $__timeGroupAlias buckets by the panel interval; "metric" names the series.
SELECT $__timeGroupAlias(started_at, $__interval), outcome::text AS metric, count(*)::int AS value
FROM dials
WHERE $__timeFilter(started_at)
GROUP BY 1, 2
ORDER BY 1, 2;
