-- What discovery learned (issue 11): how each node was learned on each day (every source, not only
-- the first), which discovery protocols it answered, and what its node records say without a TCP
-- connection (layer, eth / eth2 fork IDs, snap, client hint).
--
-- ADD VALUE inside a transaction is allowed (PostgreSQL ≥ 12) as long as the value is not used in
-- the same transaction; nothing here uses the new values.

-- AddressSource in src/events.ts gains a discv5 NODES entry and a discv5 session the node opened
-- with us. Placed so the order stays ADDRESS_SOURCES (src/store/validate.ts) + 'dial' (not an AddressSource).
ALTER TYPE address_source ADD VALUE 'nodes' BEFORE 'inbound';
ALTER TYPE address_source ADD VALUE 'v5_session' BEFORE 'static';
COMMENT ON TYPE address_source IS 'Where an address was learned: AddressSource in src/events.ts (neighbors = a discv4 NEIGHBORS entry, nodes = a discv5 NODES entry, inbound, bootnode, ping = a discv4 packet from a bonded node, v5_session = a discv5 session the node opened, static, dns = a leaf of a signed EIP-1459 DNS tree), plus dial (the endpoint of an outbound dial).';

-- Every source a node was learned from that day by that instance (first_source keeps the first).
-- The crawler reports a sighting again within its window when the source is new, so the set is
-- complete per window; rows from before this migration only know their first source.
ALTER TABLE node_sightings ADD COLUMN sources address_source[] NOT NULL DEFAULT '{}';
UPDATE node_sightings SET sources = ARRAY[first_source];
COMMENT ON COLUMN node_sightings.sources IS 'Every source the instance learned the node from that day (sorted, distinct; includes first_source).';

CREATE TYPE discovery_protocol AS ENUM ('v4', 'v5');
COMMENT ON TYPE discovery_protocol IS 'A discovery protocol a node answered us on: DiscoveryProtocol in src/events.ts.';

CREATE TABLE discovery_answers (
  node_id bytea NOT NULL,
  protocol discovery_protocol NOT NULL,
  first_answered timestamptz NOT NULL,
  last_answered timestamptz NOT NULL,
  answers integer NOT NULL,
  PRIMARY KEY (node_id, protocol)
);
COMMENT ON TABLE discovery_answers IS 'Discovery protocols each node answered us on (discovery_answer events: v4 = a PONG to our PING, v5 = a message in a session); one row per node and protocol.';
COMMENT ON COLUMN discovery_answers.node_id IS 'The node (nodes.id).';
COMMENT ON COLUMN discovery_answers.protocol IS 'v4 or v5.';
COMMENT ON COLUMN discovery_answers.first_answered IS 'First answer on this protocol, by any instance.';
COMMENT ON COLUMN discovery_answers.last_answered IS 'Latest answer on this protocol (the crawler reports at most one per sighting window, so this lags by up to that window).';
COMMENT ON COLUMN discovery_answers.answers IS 'discovery_answer events received (at most one per node, protocol and sighting window).';

-- src/eth/record-layer.ts: one rule shared with the crawler.
CREATE TYPE record_layer AS ENUM ('execution', 'consensus', 'other');
COMMENT ON TYPE record_layer IS 'What a node record serves (src/eth/record-layer.ts): execution = has an eth entry, consensus = eth2/attnets/syncnets without eth, other = neither.';

ALTER TABLE enrs ADD COLUMN layer record_layer;
ALTER TABLE enrs ADD COLUMN eth_fork_hash bytea;
ALTER TABLE enrs ADD COLUMN eth_fork_next numeric(20, 0);
ALTER TABLE enrs ADD COLUMN eth2_fork_digest bytea;
ALTER TABLE enrs ADD COLUMN eth2_next_fork_version bytea;
ALTER TABLE enrs ADD COLUMN eth2_next_fork_epoch numeric(20, 0);
ALTER TABLE enrs ADD COLUMN snap boolean;
ALTER TABLE enrs ADD COLUMN client text;
COMMENT ON COLUMN enrs.layer IS 'execution, consensus or other (src/eth/record-layer.ts); NULL for records stored before migration 0006.';
COMMENT ON COLUMN enrs.eth_fork_hash IS 'EIP-2124 fork hash of the eth entry (4 bytes); NULL when absent or malformed.';
COMMENT ON COLUMN enrs.eth_fork_next IS 'EIP-2124 fork next of the eth entry (uint64); NULL when absent or malformed.';
COMMENT ON COLUMN enrs.eth2_fork_digest IS 'eth2 entry (consensus-specs ENRForkID): current fork digest (4 bytes); NULL when absent or not 16 bytes.';
COMMENT ON COLUMN enrs.eth2_next_fork_version IS 'eth2 entry: next fork version (4 bytes).';
COMMENT ON COLUMN enrs.eth2_next_fork_epoch IS 'eth2 entry: next fork epoch (uint64; 2^64-1 = none planned).';
COMMENT ON COLUMN enrs.snap IS 'The record carries a snap entry; NULL for records stored before migration 0006.';
COMMENT ON COLUMN enrs.client IS 'EIP-7636 client entry as name/version (printable ASCII, peer-supplied); NULL when absent.';

-- A node's layer is the layer of its newest classified record (highest seq).
CREATE VIEW node_layers AS
  SELECT DISTINCT ON (node_id) node_id, layer, seq, snap, client
  FROM enrs WHERE layer IS NOT NULL
  ORDER BY node_id, seq DESC;
COMMENT ON VIEW node_layers IS 'Per node: the layer, snap flag and client hint of its newest classified record (enrs.layer not NULL).';
