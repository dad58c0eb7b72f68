-- last-data: the latest connection and discovery sighting recorded in the time range (is the crawl running?).
SELECT (SELECT max(started_at) FROM dials WHERE $__timeFilter(started_at)) AS "last connection",
       (SELECT max(last_seen) FROM node_sightings
         WHERE day >= ($__timeFrom()::timestamptz AT TIME ZONE 'UTC')::date AND $__timeFilter(last_seen)) AS "last sighting";
