-- dials-by-kind: connection attempts per time bucket by kind (dynamic dials from discovery, static redials, inbound).
SELECT $__timeGroupAlias(started_at, $__interval), kind::text AS metric, count(*)::int AS value
FROM dials
WHERE $__timeFilter(started_at)
GROUP BY 1, 2
ORDER BY 1, 2;
