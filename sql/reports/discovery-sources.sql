-- discovery-sources: nodes learned in a window grouped by how they were learned (every source), the discovery protocols they answered, and their record's layer.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns one row per combination: sources (text: comma-separated address_source values in enum order,
-- '' for a node known only from its answers), v4 (boolean: answered discv4 in the window), v5 (boolean:
-- answered discv5 in the window), layer (text: execution, consensus, other from the node's newest
-- classified record; unknown without one), nodes (int).
-- A node counts when a sighting (node_sightings) or an answer (discovery_answers, first..last answered)
-- overlaps the window.
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
seen AS (
  SELECT s.node_id, array_agg(DISTINCT src ORDER BY src) AS sources
  FROM node_sightings s CROSS JOIN LATERAL unnest(s.sources) AS src
  WHERE s.day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND s.day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
    AND s.last_seen >= $1::timestamptz AND s.first_seen < $2::timestamptz
    AND s.node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY s.node_id
),
answered AS (
  SELECT node_id, bool_or(protocol = 'v4') AS v4, bool_or(protocol = 'v5') AS v5
  FROM discovery_answers
  WHERE last_answered >= $1::timestamptz AND first_answered < $2::timestamptz AND node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY node_id
),
learned AS (
  SELECT coalesce(s.node_id, a.node_id) AS node_id, coalesce(array_to_string(s.sources, ','), '') AS sources,
         coalesce(a.v4, false) AS v4, coalesce(a.v5, false) AS v5
  FROM seen s FULL JOIN answered a ON a.node_id = s.node_id
)
SELECT n.sources, n.v4, n.v5, coalesce(l.layer::text, 'unknown') AS layer, count(*)::int AS nodes
FROM learned n LEFT JOIN node_layers l ON l.node_id = n.node_id
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4;
