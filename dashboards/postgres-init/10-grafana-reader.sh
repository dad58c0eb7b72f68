#!/bin/sh
# Runs once, when the Postgres volume is first initialised (/docker-entrypoint-initdb.d): the
# read-only role Grafana's data source logs in as (dashboards/provisioning/datasources). Tables made
# later by `nodefinder crawl` (migrations, day partitions) and by geo:load belong to $POSTGRES_USER;
# default privileges give this role SELECT on each of them, and nothing else.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner="$POSTGRES_USER" -v db="$POSTGRES_DB" -v pw="$GRAFANA_DB_PASSWORD" <<'SQL'
CREATE ROLE nodefinder_grafana LOGIN PASSWORD :'pw';
GRANT CONNECT ON DATABASE :"db" TO nodefinder_grafana;
GRANT USAGE ON SCHEMA public TO nodefinder_grafana;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO nodefinder_grafana;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO nodefinder_grafana;
SQL
