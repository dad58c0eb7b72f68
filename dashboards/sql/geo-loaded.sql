-- geo-loaded: when the IP → country / AS tables were loaded (npm run geo:load; the compose file's geo service), and from what.
SELECT loaded_at AS "geo tables loaded", country_ranges AS "country ranges", asn_ranges AS "AS ranges", source
FROM geo_meta
ORDER BY loaded_at DESC
LIMIT 1;
