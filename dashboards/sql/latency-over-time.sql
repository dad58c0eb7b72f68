-- latency-over-time: per time bucket, the median and 90th percentile of the connections' network RTT
-- (rtts.rtt_ms: lowest p2p PING→PONG, else discv4 PING→PONG), the median discv4 PING→PONG, and the
-- medians of the times that include the remote's work (RLPx auth→ack, HELLO→STATUS).
SELECT $__timeGroupAlias(started_at, $__interval),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms)::float8 AS "p50 rtt",
       percentile_cont(0.9) WITHIN GROUP (ORDER BY rtt_ms)::float8 AS "p90 rtt",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY disc_ping_ms)::float8 AS "p50 discv4 ping",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY handshake_ms)::float8 AS "p50 rlpx handshake",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY status_ms)::float8 AS "p50 hello→status"
FROM rtts
WHERE $__timeFilter(started_at)
GROUP BY 1
ORDER BY 1;
