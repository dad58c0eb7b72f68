-- window-nodes: every node ID active in a window, with the stages it reached and one IP address
-- (the latest dial's, else the latest address learned), for geolocation and per-stage breakdowns.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: node_id (hex), ip (text, NULL if none known), discovered, hello, status, mainnet (booleans).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
disc AS (SELECT DISTINCT node_id FROM node_sightings WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
      AND last_seen >= $1::timestamptz AND first_seen < $2::timestamptz),
hel AS (SELECT DISTINCT node_id FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL),
sta AS (
  SELECT node_id, bool_or(network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND fork_verdict = 'compatible') AS mainnet
  FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL GROUP BY node_id
),
ids AS (SELECT node_id FROM disc UNION SELECT node_id FROM hel UNION SELECT node_id FROM sta),
dial_ip AS (
  SELECT DISTINCT ON (node_id) node_id, ip FROM dials
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL ORDER BY node_id, started_at DESC
),
addr_ip AS (
  SELECT DISTINCT ON (node_id) node_id, ip FROM addresses
  WHERE last_seen >= $1::timestamptz AND first_seen < $2::timestamptz ORDER BY node_id, last_seen DESC
)
SELECT encode(i.node_id, 'hex') AS node_id,
       host(coalesce(d.ip, a.ip)) AS ip,
       (disc.node_id IS NOT NULL) AS discovered,
       (hel.node_id IS NOT NULL) AS hello,
       (sta.node_id IS NOT NULL) AS status,
       coalesce(sta.mainnet, false) AS mainnet
FROM ids i
LEFT JOIN disc ON disc.node_id = i.node_id
LEFT JOIN hel ON hel.node_id = i.node_id
LEFT JOIN sta ON sta.node_id = i.node_id
LEFT JOIN dial_ip d ON d.node_id = i.node_id
LEFT JOIN addr_ip a ON a.node_id = i.node_id
WHERE i.node_id NOT IN (SELECT node_id FROM excluded)
ORDER BY 1;
