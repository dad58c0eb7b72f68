-- geo-loaded: when the IP → country / AS tables were loaded (ms since the epoch; npm run geo:load, the compose file's geo service), and how many ranges.
SELECT (extract(epoch FROM loaded_at) * 1000)::float8 AS "geo tables loaded", country_ranges AS "country ranges", asn_ranges AS "AS ranges"
FROM geo_meta
ORDER BY loaded_at DESC
LIMIT 1;
