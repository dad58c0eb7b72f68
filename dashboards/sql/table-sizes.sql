-- table-sizes: discv4 routing-table size of each instance (first 8 hex digits of its node ID) per time bucket.
SELECT $__timeGroupAlias(minute, $__interval), left(encode(instance_id, 'hex'), 8) AS metric, max(table_size)::int AS value
FROM discovery_counters
WHERE $__timeFilter(minute)
GROUP BY 1, 2
ORDER BY 1, 2;
