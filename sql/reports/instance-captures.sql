-- instance-captures: capture histories for capture–recapture — for each set of instances, how many
-- nodes were learned from discovery by exactly that set in a window.
-- $1 since (timestamptz): window start, inclusive
-- $2 until (timestamptz): window end, exclusive
-- $3 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: instances (text: the hex instance IDs active in the window, comma-separated, in ID order;
-- the same on every row), mask (text of 0/1, character i = seen by the i-th of those instances), nodes (int).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($3::text[]) AS x),
seen AS (
  SELECT node_id, instance_id FROM node_sightings
  WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day <= ($2::timestamptz AT TIME ZONE 'UTC')::date
    AND last_seen >= $1::timestamptz AND first_seen < $2::timestamptz
),
inst AS (
  SELECT instance_id, (row_number() OVER (ORDER BY instance_id) - 1)::int AS idx, count(*) OVER () AS n
  FROM (SELECT DISTINCT instance_id FROM seen) i
),
masks AS (
  -- one bit string per node (bit_or also absorbs a node seen by one instance on two days)
  SELECT s.node_id, bit_or(set_bit(repeat('0', i.n::int)::varbit, i.idx, 1)) AS mask
  FROM seen s JOIN inst i ON i.instance_id = s.instance_id
  WHERE s.node_id NOT IN (SELECT node_id FROM excluded)
  GROUP BY s.node_id
)
SELECT (SELECT string_agg(encode(instance_id, 'hex'), ',' ORDER BY idx) FROM inst) AS instances,
       mask::text AS mask, count(*)::int AS nodes
FROM masks
GROUP BY mask
ORDER BY nodes DESC, mask;
