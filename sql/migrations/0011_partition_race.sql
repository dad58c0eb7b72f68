-- ensure_day_partition (0001_initial.sql) under a race: two writers asking for the same new day. The
-- second waits on the advisory lock while the first creates the partition; after the wait its check
-- can still miss the new table (to_regclass reads the catalog cache, and taking an advisory lock
-- does not process catalog invalidations as a relation lock does), so its CREATE TABLE met
-- duplicate_table and the writer's batch failed. That error now means "another writer made it".
-- Tables upserted in place keep their fillfactor room, discovery_v5_counters (0010) included.

CREATE OR REPLACE FUNCTION ensure_day_partition(parent text, day date) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
  part text := parent || '_' || to_char(day, 'YYYYMMDD');
  -- Explicit UTC bounds: a day is a UTC day whatever the session TimeZone.
  lo text := day::text || ' 00:00:00+00';
  hi text := (day + 1)::text || ' 00:00:00+00';
  key text;
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  -- Several writers (processes, hosts) may race for the same day.
  PERFORM pg_advisory_xact_lock(hashtext('nodefinder.partition.' || parent));
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  BEGIN
    BEGIN
      -- Tables updated in place (upserts) keep room in each page for HOT updates.
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s', part, parent, lo, hi,
                     CASE WHEN parent IN ('node_sightings', 'discovery_counters', 'discovery_v5_counters') THEN ' WITH (fillfactor = 80)' ELSE '' END);
    EXCEPTION WHEN check_violation THEN
      -- Rows of that day already sit in the DEFAULT partition: move them into a new table, then attach
      -- it (ATTACH creates the partitioned indexes the new table lacks).
      SELECT a.attname INTO key
        FROM pg_partitioned_table t
        JOIN pg_attribute a ON a.attrelid = t.partrelid AND a.attnum = t.partattrs[0]
       WHERE t.partrelid = parent::regclass;
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
      EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                     parent || '_default', key, lo, key, hi, part);
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
    END;
  EXCEPTION WHEN duplicate_table THEN
    -- Created by the writer we waited for; committed, since we hold the lock it held.
    RETURN part;
  END;
  RETURN part;
END
$fn$;
COMMENT ON FUNCTION ensure_day_partition(text, date) IS
  'Create the partition of a day-partitioned table for one UTC day if missing (idempotent, safe under concurrency); returns its name.';
