-- window-nodes: the nodes active in a window grouped by IP address (each node placed by its latest
-- endpoint learned in the window: discovery, or the listen port of an inbound peer), with
-- the stages they reached — for geolocation and per-stage breakdowns.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: ip (text, NULL when no address is known), nodes, discovered, dialed, responded, inbound,
-- hello, status, mainnet (int: distinct node IDs on that IP at each stage, as in snapshot-stages).
-- Summed over IPs, the stage columns equal snapshot-stages (a test checks it).
-- Days of the window whose window_node_days are complete (window_node_day_marks) up to a point ≤ until
-- are read from those per-node rows (latest time ≥ since), raw dials/hellos/statuses only from that
-- point on (raw_from: usually the open hour): same answers as raw rows, without a day of raw dials.
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz)),
flags AS (
  SELECT node_id, bool_or(d) AS discovered, bool_or(o) AS dialed, bool_or(r) AS responded, bool_or(i) AS inbound,
         bool_or(h) AS hello, bool_or(s) AS status, bool_or(m) AS mainnet
  FROM (
    SELECT node_id, true AS d, false AS o, false AS r, false AS i, false AS h, false AS s, false AS m FROM node_sightings
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
    AND last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
    UNION ALL
    SELECT node_id, false, coalesce(dialed_at >= $1::timestamptz, false), coalesce(responded_at >= $1::timestamptz, false),
           coalesce(inbound_at >= $1::timestamptz, false), coalesce(hello_at >= $1::timestamptz, false),
           coalesce(status_at >= $1::timestamptz, false), coalesce(mainnet_at >= $1::timestamptz, false)
    FROM window_node_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p)
      AND greatest(dialed_at, inbound_at, hello_at, status_at) >= $1::timestamptz
    UNION ALL
    SELECT node_id, false, kind <> 'inbound', kind <> 'inbound' AND outcome <> 'error', kind = 'inbound', false, false, false
    FROM dials WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
    UNION ALL
    SELECT node_id, false, false, false, false, true, false, false FROM hellos
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
    UNION ALL
    SELECT node_id, false, false, false, false, false, true, network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND fork_verdict IN ('compatible', 'local_stale') FROM statuses
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
  ) x
  WHERE node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY node_id
)
SELECT host(a.ip) AS ip, count(*)::int AS nodes,
       count(*) FILTER (WHERE f.discovered)::int AS discovered,
       count(*) FILTER (WHERE f.dialed)::int AS dialed,
       count(*) FILTER (WHERE f.responded)::int AS responded,
       count(*) FILTER (WHERE f.inbound)::int AS inbound,
       count(*) FILTER (WHERE f.hello)::int AS hello,
       count(*) FILTER (WHERE f.status)::int AS status,
       count(*) FILTER (WHERE f.mainnet)::int AS mainnet
FROM flags f
LEFT JOIN (
  SELECT DISTINCT ON (node_id) node_id, ip FROM addresses
  WHERE last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
  ORDER BY node_id, last_seen DESC
) a ON a.node_id = f.node_id
GROUP BY a.ip
ORDER BY nodes DESC, 1;
