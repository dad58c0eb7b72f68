-- rtt_network: RTT is the network round trip, not the peer's CPU time (issue 9 §1).
-- Until now srtt_ms/min_ms smoothed the RLPx auth→ack time (the remote's ECIES work), HELLO→STATUS
-- (its application work), GetBlockHeaders round trips and two p2p PINGs, and fell back to the TCP
-- connect or discv4 PING time when there were none. From now on srtt_ms/min_ms/samples cover p2p
-- PING→PONG only, rtt_ms is the value reports use, and the handshake and HELLO→STATUS times get
-- columns of their own.

ALTER TABLE rtts ALTER COLUMN srtt_ms DROP NOT NULL;
ALTER TABLE rtts ALTER COLUMN min_ms DROP NOT NULL;
ALTER TABLE rtts ADD COLUMN rtt_ms real;
ALTER TABLE rtts ADD COLUMN rtt_source text CHECK (rtt_source IN ('p2p_ping', 'disc_ping'));
ALTER TABLE rtts ADD COLUMN handshake_ms real;
ALTER TABLE rtts ADD COLUMN status_ms real;

-- Rows written before this migration: with samples, their min_ms (the lowest of the mixed samples,
-- usually a p2p PING; an upper bound of the RTT) becomes rtt_ms with rtt_source NULL; without
-- samples, srtt_ms/min_ms held the discv4 PING or TCP connect time: rtt_ms is the discv4 PING.
UPDATE rtts SET rtt_ms = min_ms WHERE samples > 0;
UPDATE rtts SET rtt_ms = disc_ping_ms, rtt_source = CASE WHEN disc_ping_ms IS NULL THEN NULL ELSE 'disc_ping' END,
                srtt_ms = NULL, min_ms = NULL
 WHERE samples = 0;

COMMENT ON TABLE rtts IS 'Timings of one connection (one row per dial): network round trips (p2p and discv4 PING/PONG) and, apart, the times that include the remote''s work (RLPx handshake, HELLO to STATUS).';
COMMENT ON COLUMN rtts.srtt_ms IS 'Smoothed RTT in ms (RFC 6298, alpha = 1/8) over the p2p PING/PONG samples; NULL without samples.';
COMMENT ON COLUMN rtts.min_ms IS 'Lowest p2p PING/PONG sample in ms; NULL without samples.';
COMMENT ON COLUMN rtts.samples IS 'Number of p2p PING/PONG samples (one PING outstanding at a time, up to 8 per connection).';
COMMENT ON COLUMN rtts.rtt_ms IS 'The network RTT in ms that reports and dashboards use: min_ms when samples > 0, else disc_ping_ms; NULL when neither. Rows from before the rtt_network migration with samples hold their old min_ms (rtt_source NULL).';
COMMENT ON COLUMN rtts.rtt_source IS 'Where rtt_ms came from: p2p_ping (min of the PING/PONG samples) or disc_ping (the discv4 PING/PONG, when the connection gave no PONG); NULL without rtt_ms or on rows from before the rtt_network migration.';
COMMENT ON COLUMN rtts.handshake_ms IS 'RLPx auth written to ack received in ms: one round trip plus the remote''s ECIES work (slow or overloaded clients show here); NULL for inbound and failed handshakes. Never part of rtt_ms.';
COMMENT ON COLUMN rtts.status_ms IS 'Our HELLO written to the remote''s STATUS received in ms: one round trip plus the remote''s HELLO/STATUS work; NULL without a STATUS. Never part of rtt_ms.';
