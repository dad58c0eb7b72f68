-- clients: client software of the nodes that completed HELLO in a window (each node counted once,
-- by its latest HELLO), with how many of them are on mainnet.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: client_name, client_version, os, arch, runtime (text, parts of the HELLO client id),
-- nodes, mainnet_nodes (int). Versions are raw ("v1.14.11-stable-f3c696fa"): group releases in the caller.
-- Latest = greatest (started_at, dial_id). HELLOs and mainnet STATUSes come from window_hello_days and
-- window_status_days where they are complete, raw rows after that (as window-nodes.sql).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
p AS (SELECT raw_from, days_until FROM window_raw_split($1::timestamptz, $2::timestamptz)),
latest AS (
  SELECT DISTINCT ON (node_id) node_id, client_name, client_version, os, arch, runtime FROM (
    SELECT node_id, hello_at AS started_at, dial_id, client_name, client_version, os, arch, runtime FROM window_hello_days
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND hello_at >= $1::timestamptz
    UNION ALL
    SELECT node_id, started_at, dial_id, client_name, client_version, os, arch, runtime FROM hellos
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p) AND node_id IS NOT NULL
  ) x
  WHERE node_id NOT IN (SELECT node_id FROM excluded)
  ORDER BY node_id, started_at DESC, dial_id DESC
),
main AS (
  SELECT node_id FROM window_status_days
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (SELECT days_until FROM p) AND accepted_at >= $1::timestamptz
    AND network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex')
  UNION
  SELECT node_id FROM statuses
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND started_at >= (SELECT raw_from FROM p)
    AND network_id = 1 AND genesis_hash = decode('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3', 'hex') AND fork_verdict IN ('compatible', 'local_stale')
)
SELECT l.client_name, l.client_version, l.os, l.arch, l.runtime,
       count(*)::int AS nodes, count(m.node_id)::int AS mainnet_nodes
FROM latest l LEFT JOIN main m ON m.node_id = l.node_id
GROUP BY 1, 2, 3, 4, 5
ORDER BY nodes DESC, 1, 2;
