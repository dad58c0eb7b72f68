-- disconnects: DEVp2p DISCONNECT messages in a window, by direction and reason.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- Returns: direction ('received' from peers, 'sent' by us), reason (snake_case), messages,
-- nodes (distinct node IDs), connections (distinct dials) — all int.
SELECT direction::text AS direction, reason::text AS reason, count(*)::int AS messages,
       count(DISTINCT node_id)::int AS nodes, count(DISTINCT dial_id)::int AS connections
FROM disconnects
WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz
GROUP BY 1, 2
ORDER BY 1, messages DESC, 2;
