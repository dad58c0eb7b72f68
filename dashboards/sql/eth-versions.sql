-- eth-versions: nodes by the eth protocol version negotiated in their STATUS (a node counted once per version it used).
SELECT 'eth/' || eth_version AS version, count(DISTINCT node_id)::int AS nodes
FROM statuses
WHERE $__timeFilter(started_at) AND node_id IS NOT NULL
GROUP BY eth_version
ORDER BY eth_version DESC;
