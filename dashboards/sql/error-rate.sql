-- error-rate: share of outbound dials in the range that failed without an answer, and of those answered, the share refused with too_many_peers.
SELECT (count(*) FILTER (WHERE outcome = 'error'))::float8 / greatest(count(*), 1) AS "no answer",
       (SELECT count(DISTINCT d.dial_id) FROM disconnects d
         WHERE $__timeFilter(d.started_at) AND d.direction = 'received' AND d.reason = 'too_many_peers')::float8
         / greatest(count(*) FILTER (WHERE outcome <> 'error'), 1) AS "too many peers"
FROM dials
WHERE $__timeFilter(started_at) AND kind <> 'inbound';
