-- dial-outcomes: connection attempts in a window by kind, how far they got, and why they failed.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- Returns: kind (dynamic|static|inbound), outcome (status|hello|disconnect|error),
-- error_kind (text or NULL), dials, nodes (int).
SELECT kind::text AS kind, outcome::text AS outcome, error_kind::text AS error_kind,
       count(*)::int AS dials, count(DISTINCT node_id)::int AS nodes
FROM dials
WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz
GROUP BY 1, 2, 3
ORDER BY 1, dials DESC, 2, 3;
