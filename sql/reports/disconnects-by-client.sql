-- disconnects-by-client: DISCONNECT reasons received, by the client that sent them (from the HELLO
-- on the same connection; '(before HELLO)' when the peer left before sending one).
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- Returns: client (text), reason (text), messages, nodes (int).
SELECT coalesce(h.client_name, '(before HELLO)') AS client, d.reason::text AS reason,
       count(*)::int AS messages, count(DISTINCT d.node_id)::int AS nodes
FROM disconnects d
LEFT JOIN hellos h ON h.dial_id = d.dial_id AND h.started_at = d.started_at AND h.started_at >= $1::timestamptz AND h.started_at < $2::timestamptz
WHERE d.started_at >= $1::timestamptz AND d.started_at < $2::timestamptz AND d.direction = 'received'
GROUP BY 1, 2
ORDER BY messages DESC, 1, 2;
