-- remote-work-by-client: per client (HELLO name), the medians of the network RTT and of the two times
-- that include the peer's own work — RLPx auth→ack (its ECIES) and HELLO→STATUS (its peer setup) —
-- minus the RTT: what the client spends, so slow or overloaded implementations stand out.
SELECT h.client_name AS client, count(DISTINCT r.node_id)::int AS nodes,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.rtt_ms)::float8 AS "p50 rtt ms",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.handshake_ms - r.rtt_ms)::float8 AS "p50 handshake work ms",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.status_ms - r.rtt_ms)::float8 AS "p50 hello→status work ms"
FROM rtts r
JOIN hellos h USING (dial_id, started_at)
WHERE $__timeFilter(r.started_at) AND r.rtt_source = 'p2p_ping'
GROUP BY 1
ORDER BY nodes DESC, 1
LIMIT 20;
