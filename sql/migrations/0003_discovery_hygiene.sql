-- Discovery hygiene (issue 9 point 4): how many NEIGHBORS entries geth's port and relay rules drop,
-- and how often a FINDNODE had to be retried after a re-bond because the remote had forgotten our
-- endpoint proof (reth keeps it one hour, geth 24 h, discv4.md 12 h). Per instance and minute in
-- discovery_counters; per node in nodes, so reports can group re-bonds by the client a node runs.

ALTER TABLE discovery_counters ADD COLUMN neighbors_dropped integer NOT NULL DEFAULT 0;
ALTER TABLE discovery_counters ADD COLUMN findnode_rebonds integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN discovery_counters.neighbors_dropped IS 'NEIGHBORS entries dropped on receipt: UDP port <= 1024, an address geth''s CheckRelayAddr refuses for that sender (unspecified, special-purpose, loopback or LAN from a host that is not), an invalid key, our own ID, or an entry that did not decode.';
COMMENT ON COLUMN discovery_counters.findnode_rebonds IS 'FINDNODE requests retried after a re-bond: unanswered while we relied on an older bond (the remote may have dropped our endpoint proof).';

ALTER TABLE nodes ADD COLUMN findnode_rebonds integer NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN findnode_rebonds_answered integer NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN last_findnode_rebond_at timestamptz;
COMMENT ON COLUMN nodes.findnode_rebonds IS 'FINDNODE requests to this node retried after a re-bond, by any instance (see discovery_counters.findnode_rebonds).';
COMMENT ON COLUMN nodes.findnode_rebonds_answered IS 'Of findnode_rebonds, those whose retry was answered: the node had forgotten our endpoint proof before we forgot its.';
COMMENT ON COLUMN nodes.last_findnode_rebond_at IS 'Time of the latest re-bond with this node; NULL = never.';
