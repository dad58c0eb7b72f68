-- instance-captures: capture histories for capture–recapture — for each set of instances, how many
-- nodes were learned from discovery by exactly that set in a window.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: pattern (text: comma-separated hex instance IDs, sorted), nodes (int).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
seen AS (
  SELECT DISTINCT node_id, instance_id FROM node_sightings
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
      AND last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
),
histories AS (
  SELECT node_id, string_agg(encode(instance_id, 'hex'), ',' ORDER BY instance_id) AS pattern
  FROM seen WHERE node_id NOT IN (SELECT node_id FROM excluded) GROUP BY node_id
)
SELECT pattern, count(*)::int AS nodes FROM histories GROUP BY pattern ORDER BY nodes DESC, pattern;
