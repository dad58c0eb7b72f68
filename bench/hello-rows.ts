/**
 * Bench loaders: HELLO rows shaped as the view hellos (its 13 columns, in order) into hello_rows and
 * the dictionaries client_ids / cap_sets (sql/migrations/0009_dictionaries.sql) in one statement.
 * The dictionary inserts in CTEs are invisible to the same statement's scans, hence the unions with
 * their RETURNING; only entries not stored yet are inserted (no ids burnt), as the writer does.
 */
export function insertHellos(select: string): string {
  return `WITH src AS MATERIALIZED (
  SELECT s.dial_id, s.started_at, s.instance_id, s.node_id, s.p2p_version, s.client_id, s.client_name, s.client_version, s.os, s.arch, s.runtime,
         s.caps::text[] AS caps, s.listen_port,
         client_id_digest(s.client_id, s.client_name, s.client_version, s.os, s.arch, s.runtime) AS ck, cap_set_digest(s.caps::text[]) AS pk
    FROM (${select}) AS s(dial_id, started_at, instance_id, node_id, p2p_version, client_id, client_name, client_version, os, arch, runtime, caps, listen_port)),
new_clients AS (
  INSERT INTO client_ids (digest, client_id, client_name, client_version, os, arch, runtime)
  SELECT DISTINCT ON (ck) ck, client_id, client_name, client_version, os, arch, runtime FROM src
   WHERE NOT EXISTS (SELECT 1 FROM client_ids c WHERE c.digest = src.ck)
  RETURNING id, digest),
new_caps AS (
  INSERT INTO cap_sets (digest, caps) SELECT DISTINCT ON (pk) pk, caps FROM src WHERE NOT EXISTS (SELECT 1 FROM cap_sets c WHERE c.digest = src.pk)
  RETURNING id, digest),
clients AS (SELECT id, digest FROM new_clients UNION ALL SELECT id, digest FROM client_ids),
cap_lists AS (SELECT id, digest FROM new_caps UNION ALL SELECT id, digest FROM cap_sets)
INSERT INTO hello_rows (dial_id, started_at, p2p_version, client_ref, caps_ref, listen_port, instance_id, node_id)
SELECT src.dial_id, src.started_at, src.p2p_version, c.id, p.id, src.listen_port, src.instance_id, src.node_id
  FROM src JOIN clients c ON c.digest = src.ck JOIN cap_lists p ON p.digest = src.pk`;
}
