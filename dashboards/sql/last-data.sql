-- last-data: the latest connection and discovery sighting recorded in the time range, as ms since the epoch (is the crawl running?).
SELECT (SELECT extract(epoch FROM max(started_at)) * 1000 FROM dials WHERE $__timeFilter(started_at))::float8 AS "last connection",
       (SELECT extract(epoch FROM max(last_seen)) * 1000 FROM node_sightings
         WHERE day >= ($__timeFrom()::timestamptz AT TIME ZONE 'UTC')::date AND $__timeFilter(last_seen))::float8 AS "last sighting";
