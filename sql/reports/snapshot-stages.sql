-- snapshot-stages: distinct node IDs at each stage of the crawl in a time window.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns one row: discovered (learned from discovery), dialed (outbound dials), responded (an
-- outbound dial got an answer: STATUS, HELLO or DISCONNECT), inbound (peers that dialed us), hello,
-- status, mainnet (network 1 + mainnet genesis + a compatible or local_stale fork ID), excluded (size of $3).
-- One pass over each table: per node, which stages it reached; then count.
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
d AS (
  SELECT node_id, bool_or(kind <> 'inbound') AS dialed, bool_or(kind <> 'inbound' AND outcome <> 'error') AS responded,
         bool_or(kind = 'inbound') AS inbound
  FROM dials WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY node_id
),
s AS (
  SELECT node_id, bool_or(network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND fork_verdict IN ('compatible', 'local_stale')) AS mainnet
  FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY node_id
)
SELECT
  (SELECT count(*) FROM (SELECT node_id FROM node_sightings
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
      AND last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
      AND node_id NOT IN (SELECT node_id FROM excluded) GROUP BY node_id) x)::int AS discovered,
  (SELECT count(*) FILTER (WHERE dialed) FROM d)::int AS dialed,
  (SELECT count(*) FILTER (WHERE responded) FROM d)::int AS responded,
  (SELECT count(*) FILTER (WHERE inbound) FROM d)::int AS inbound,
  (SELECT count(*) FROM (SELECT node_id FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id NOT IN (SELECT node_id FROM excluded) GROUP BY node_id) x)::int AS hello,
  (SELECT count(*) FROM s)::int AS status,
  (SELECT count(*) FILTER (WHERE mainnet) FROM s)::int AS mainnet,
  (SELECT count(*) FROM excluded)::int AS excluded;
