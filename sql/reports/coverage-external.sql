-- coverage-external: overlap between an external node list (e.g. a public node tracker's) and ours in
-- a window.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 external (text[]): hex node IDs of the external list
-- Returns one row (int): external (distinct IDs in the list), known_ever (in our nodes table before
-- until), discovered, dialed, reached (completed HELLO), status (completed STATUS) — each among the
-- external IDs, in the window — and ours (IDs we discovered or reached in the window),
-- ours_not_external.
WITH ext AS (SELECT DISTINCT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
disc AS (SELECT DISTINCT node_id FROM node_sightings WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
      AND last_seen >= $1::timestamptz AND first_seen < $2::timestamptz),
dialed AS (SELECT DISTINCT node_id FROM dials WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL),
hel AS (SELECT DISTINCT node_id FROM hellos WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL),
sta AS (SELECT DISTINCT node_id FROM statuses WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND node_id IS NOT NULL),
ours AS (SELECT node_id FROM disc UNION SELECT node_id FROM hel)
SELECT
  (SELECT count(*) FROM ext)::int AS external,
  (SELECT count(*) FROM ext JOIN nodes n ON n.id = ext.node_id AND n.first_seen < $2::timestamptz)::int AS known_ever,
  (SELECT count(*) FROM ext JOIN disc USING (node_id))::int AS discovered,
  (SELECT count(*) FROM ext JOIN dialed USING (node_id))::int AS dialed,
  (SELECT count(*) FROM ext JOIN hel USING (node_id))::int AS reached,
  (SELECT count(*) FROM ext JOIN sta USING (node_id))::int AS status,
  (SELECT count(*) FROM ours)::int AS ours,
  (SELECT count(*) FROM ours WHERE node_id NOT IN (SELECT node_id FROM ext))::int AS ours_not_external;
