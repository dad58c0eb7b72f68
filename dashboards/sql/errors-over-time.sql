-- errors-over-time: failed connection attempts per time bucket by error kind (src/errors.ts ERROR_KINDS).
SELECT $__timeGroupAlias(started_at, $__interval), error_kind::text AS metric, count(*)::int AS value
FROM dials
WHERE $__timeFilter(started_at) AND error_kind IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2;
