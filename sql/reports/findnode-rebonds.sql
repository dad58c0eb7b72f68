-- findnode-rebonds: how often each client forgot our endpoint proof before we forgot its (reth keeps
-- it one hour, geth 24 h, discv4.md 12 h): nodes whose FINDNODE had to be retried after a re-bond,
-- grouped by the client name of the node's latest HELLO ('' when it never sent one). Counts are
-- since the database began (nodes.findnode_rebonds, migration 0005).
-- $1 excluded (text[]): hex node IDs to leave out ('{}' for none)
-- Returns: client (text), nodes (int, nodes with at least one re-bond), rebonds (int, retries),
-- answered (int, retries the node answered: it had dropped our proof), last_at (float8 ms, latest re-bond).
WITH excluded AS (SELECT decode(x, 'hex') AS node_id FROM unnest($1::text[]) AS x),
latest AS (
  SELECT DISTINCT ON (node_id) node_id, client_name
  FROM hellos WHERE node_id IS NOT NULL
  ORDER BY node_id, started_at DESC
)
SELECT coalesce(l.client_name, '') AS client,
       count(*)::int AS nodes,
       sum(n.findnode_rebonds)::int AS rebonds,
       sum(n.findnode_rebonds_answered)::int AS answered,
       (extract(epoch FROM max(n.last_findnode_rebond_at)) * 1000)::float8 AS last_at
FROM nodes n LEFT JOIN latest l ON l.node_id = n.id
WHERE n.findnode_rebonds > 0 AND n.id NOT IN (SELECT node_id FROM excluded)
GROUP BY 1
ORDER BY rebonds DESC, 1;
