-- disconnects-over-time: DISCONNECT reasons received from peers per time bucket.
SELECT $__timeGroupAlias(started_at, $__interval), reason::text AS metric, count(*)::int AS value
FROM disconnects
WHERE $__timeFilter(started_at) AND direction = 'received'
GROUP BY 1, 2
ORDER BY 1, 2;
