-- instances: every crawler identity with its latest run (where it listened, which network).
-- (no parameters)
-- Returns: instance (hex), host (text), udp_port, tcp_port (int), network (text), first_started_ms,
-- last_started_ms (float8).
SELECT encode(i.id, 'hex') AS instance, r.host, r.udp_port, r.tcp_port, r.network,
       (extract(epoch FROM i.first_started_at) * 1000)::float8 AS first_started_ms,
       (extract(epoch FROM i.last_started_at) * 1000)::float8 AS last_started_ms
FROM instances i
LEFT JOIN LATERAL (
  SELECT host, udp_port, tcp_port, network FROM instance_runs x WHERE x.instance_id = i.id ORDER BY started_at DESC LIMIT 1
) r ON true
ORDER BY 1;
