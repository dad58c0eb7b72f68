-- nodes: one row per node active in a window (discovered, dialed, inbound, HELLO or STATUS in it):
-- its latest endpoint, latest HELLO and STATUS, network RTT and the times that include its work.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- $4 network_id (numeric): only nodes whose latest STATUS has this network ID (NULL: every node)
-- $5 network_genesis (text): ... and this genesis hash, hex (NULL: any network ID match suffices)
-- $6 client (text): only nodes whose latest HELLO has this client name, case-insensitive (NULL: every node)
-- $7 version (text): only nodes whose latest HELLO's client version starts with this (NULL: every node)
-- $8 fork_verdict (text): only nodes whose latest STATUS has this fork verdict (NULL: every node)
-- $9 seen_since (timestamptz): only nodes last seen (last_seen_ms below) at or after this (NULL: every node)
-- $10 direction (text): 'inbound': nodes with an inbound connection in the window; 'dialed': nodes we dialed in it (NULL: every node)
-- The filters are those of the web view's node list (src/report/node-filter.ts); country and AS are
-- applied by the caller with the geo database.
-- Returns: id (hex), ip (text), tcp_port, udp_port (int), client_id, client, version, os (text),
-- network_id (text, decimal), fork_hash (hex), fork_next (text, decimal), fork_verdict (text),
-- best_block (text, decimal: the latest known in the window), rtt_ms (float8: the lowest over
-- instances of the per-instance median rtts.rtt_ms, as latency-nodes), srtt_ms, handshake_ms,
-- status_ms (float8: medians over the node's connections), dials (int: connections in the window),
-- first_seen_ms, last_seen_ms (float8: nodes.first_seen, and the latest of nodes.last_seen and the
-- node's last connection), sources (text[]: how we learned it, sorted).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
active AS (
  SELECT node_id, array_agg(DISTINCT src) FILTER (WHERE src IS NOT NULL) AS sources
  FROM (
    SELECT node_id, first_source::text AS src FROM node_sightings
    WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
      AND last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
    UNION ALL
    SELECT node_id, CASE WHEN kind = 'inbound' THEN 'inbound' END FROM dials
    WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
    UNION ALL
    SELECT node_id, NULL FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
  ) x
  WHERE node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY node_id
),
hello AS (
  SELECT DISTINCT ON (node_id) node_id, client_id, client_name, client_version, os FROM hellos
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
  ORDER BY node_id, started_at DESC
),
status AS (
  SELECT node_id,
         (array_agg(network_id ORDER BY started_at DESC))[1] AS network_id,
         (array_agg(genesis_hash ORDER BY started_at DESC))[1] AS genesis_hash,
         (array_agg(fork_hash ORDER BY started_at DESC))[1] AS fork_hash,
         (array_agg(fork_next ORDER BY started_at DESC))[1] AS fork_next,
         (array_agg(fork_verdict ORDER BY started_at DESC))[1] AS fork_verdict,
         (array_agg(best_block ORDER BY started_at DESC) FILTER (WHERE best_block IS NOT NULL))[1] AS best_block
  FROM statuses
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
  GROUP BY node_id
),
per_instance AS (
  SELECT node_id, instance_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_ms) AS rtt_ms
  FROM rtts
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL AND rtt_ms IS NOT NULL
  GROUP BY node_id, instance_id
),
rtt AS (SELECT node_id, min(rtt_ms) AS rtt_ms FROM per_instance GROUP BY node_id),
timing AS (
  SELECT node_id,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY srtt_ms) AS srtt_ms,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY handshake_ms) AS handshake_ms,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY status_ms) AS status_ms
  FROM rtts
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
  GROUP BY node_id
),
dialed AS (
  SELECT node_id, count(*)::int AS dials, max(ended_at) AS last_at,
         bool_or(kind = 'inbound') AS inbound, bool_or(kind <> 'inbound') AS dialed FROM dials
  WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL
  GROUP BY node_id
),
addr AS (
  SELECT DISTINCT ON (node_id) node_id, ip, tcp_port, udp_port FROM addresses
  WHERE last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
  ORDER BY node_id, last_seen DESC
)
SELECT encode(a.node_id, 'hex') AS id, host(ad.ip) AS ip, ad.tcp_port, ad.udp_port,
       h.client_id, h.client_name AS client, h.client_version AS version, h.os,
       s.network_id::text AS network_id, encode(s.fork_hash, 'hex') AS fork_hash, s.fork_next::text AS fork_next,
       s.fork_verdict::text AS fork_verdict, s.best_block::text AS best_block,
       r.rtt_ms::float8 AS rtt_ms, t.srtt_ms::float8 AS srtt_ms, t.handshake_ms::float8 AS handshake_ms,
       t.status_ms::float8 AS status_ms, coalesce(d.dials, 0) AS dials,
       extract(epoch FROM n.first_seen)::float8 * 1000 AS first_seen_ms,
       extract(epoch FROM greatest(n.last_seen, d.last_at))::float8 * 1000 AS last_seen_ms,
       coalesce(a.sources, '{}') AS sources
FROM active a
LEFT JOIN nodes n ON n.id = a.node_id
LEFT JOIN addr ad ON ad.node_id = a.node_id
LEFT JOIN hello h ON h.node_id = a.node_id
LEFT JOIN status s ON s.node_id = a.node_id
LEFT JOIN rtt r ON r.node_id = a.node_id
LEFT JOIN timing t ON t.node_id = a.node_id
LEFT JOIN dialed d ON d.node_id = a.node_id
WHERE ($4::numeric IS NULL OR (s.network_id = $4::numeric AND ($5::text IS NULL OR s.genesis_hash = decode($5::text, 'hex'))))
  AND ($6::text IS NULL OR lower(h.client_name) = lower($6::text))
  AND ($7::text IS NULL OR starts_with(h.client_version, $7::text))
  AND ($8::text IS NULL OR s.fork_verdict::text = $8::text)
  AND ($9::timestamptz IS NULL OR greatest(n.last_seen, d.last_at) >= $9::timestamptz)
  AND ($10::text IS NULL OR ($10::text = 'inbound' AND d.inbound) OR ($10::text = 'dialed' AND d.dialed))
ORDER BY 1;
