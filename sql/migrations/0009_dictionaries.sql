-- Dictionaries for HELLO's repeated strings (issue 13 "Size"). Every hellos row carried the client ID
-- text, its five parsed parts and the capability list, though a day of mainnet has a few thousand
-- distinct client IDs and a few dozen capability lists for ~10^6 HELLOs. The rows now live in the
-- day-partitioned table hello_rows with two integer refs; the view hellos joins the dictionaries and
-- exposes exactly the old columns, so reports, dashboards, serve and users' own queries read as before.
--
-- Keys: a dictionary entry is found by the SHA-256 of its content, not by a unique index on the text:
-- a client ID may hold 2048 characters (src/store/validate.ts MAX_TEXT_CHARS, up to 8 KiB of UTF-8)
-- and a capability list 256 × 64, beyond a btree entry's limit (~2.7 kB), so a peer could otherwise
-- make every batch holding its HELLO fail. A client entry is the whole parsed tuple (client_id and its
-- five parts as the writer parsed them), so a row reads back exactly as written even if a later
-- parser splits the same client ID differently (that only adds an entry). Entries are never updated
-- or deleted. No foreign keys: a per-row RI trigger on the hottest insert; the writer inserts the
-- entries first in the same transaction (src/store/dial-statements.ts).

CREATE FUNCTION client_id_digest(client_id text, client_name text, client_version text, os text, arch text, runtime text)
RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
-- A row's text form is injective (quoting tells NULL from '' and separators from content).
RETURN sha256(convert_to(ROW(client_id, client_name, client_version, os, arch, runtime)::text, 'UTF8'));
COMMENT ON FUNCTION client_id_digest(text, text, text, text, text, text) IS 'Key of a client_ids entry: SHA-256 of the parsed HELLO client tuple.';

CREATE FUNCTION cap_set_digest(caps text[])
RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
RETURN sha256(convert_to(caps::text, 'UTF8'));
COMMENT ON FUNCTION cap_set_digest(text[]) IS 'Key of a cap_sets entry: SHA-256 of the capability list as received (order kept).';

CREATE TABLE client_ids (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  digest bytea NOT NULL UNIQUE,
  client_id text NOT NULL,
  client_name text NOT NULL,
  client_version text,
  os text,
  arch text,
  runtime text
);
COMMENT ON TABLE client_ids IS 'Dictionary of HELLO client identifications (client_id as sent and its parsed parts); hello_rows.client_ref points here.';
COMMENT ON COLUMN client_ids.id IS 'Dense id; only a genuinely new entry takes one (the writer filters known digests before inserting).';
COMMENT ON COLUMN client_ids.digest IS 'client_id_digest() of the six text columns: the unique key.';
COMMENT ON COLUMN client_ids.client_id IS 'Client identifier string as sent (peer-supplied text).';
COMMENT ON COLUMN client_ids.client_name IS 'Name part of client_id, e.g. Geth.';
COMMENT ON COLUMN client_ids.client_version IS 'Version part of client_id, e.g. v1.14.0-stable-abcdef.';
COMMENT ON COLUMN client_ids.os IS 'Operating system part of client_id, e.g. linux.';
COMMENT ON COLUMN client_ids.arch IS 'Architecture part of client_id, e.g. amd64.';
COMMENT ON COLUMN client_ids.runtime IS 'Runtime part of client_id, e.g. go1.22.1.';

CREATE TABLE cap_sets (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  digest bytea NOT NULL UNIQUE,
  caps text[] NOT NULL
);
COMMENT ON TABLE cap_sets IS 'Dictionary of HELLO capability lists as received; hello_rows.caps_ref points here.';
COMMENT ON COLUMN cap_sets.id IS 'Dense id; only a genuinely new list takes one.';
COMMENT ON COLUMN cap_sets.digest IS 'cap_set_digest(caps): the unique key.';
COMMENT ON COLUMN cap_sets.caps IS 'Capabilities as name/version in the order sent, e.g. {eth/68,snap/1}.';

-- Fixed-width columns first: no alignment padding between them.
CREATE TABLE hello_rows (
  dial_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  p2p_version integer NOT NULL,
  client_ref integer NOT NULL,
  caps_ref integer NOT NULL,
  listen_port integer NOT NULL,
  instance_id bytea NOT NULL,
  node_id bytea,
  PRIMARY KEY (dial_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE hello_rows_default PARTITION OF hello_rows DEFAULT;
COMMENT ON TABLE hello_rows IS 'DEVp2p HELLO received on a connection (one per dial), strings as dictionary refs; read it through the view hellos.';
COMMENT ON COLUMN hello_rows.dial_id IS 'The connection (dials.dial_id).';
COMMENT ON COLUMN hello_rows.started_at IS 'The connection''s start (dials.started_at); partition key, copied so joins prune partitions.';
COMMENT ON COLUMN hello_rows.p2p_version IS 'DEVp2p protocol version announced.';
COMMENT ON COLUMN hello_rows.client_ref IS 'The client identification (client_ids.id).';
COMMENT ON COLUMN hello_rows.caps_ref IS 'The capability list (cap_sets.id).';
COMMENT ON COLUMN hello_rows.listen_port IS 'TCP listen port announced in HELLO (0 = none).';
COMMENT ON COLUMN hello_rows.instance_id IS 'The instance on our side of the connection.';
COMMENT ON COLUMN hello_rows.node_id IS 'The remote node (copied from the dial so reports need no join).';
COMMENT ON TABLE hello_rows_default IS 'Safety net for days without a partition; ensure_day_partition() moves rows out.';

-- Existing rows: dictionaries from their distinct values, then the day partitions the old table had
-- (named as ensure_day_partition and pruneRaw compute them), then the rows; rows of the old DEFAULT
-- partition land in hello_rows_default unless their day has a partition.
INSERT INTO client_ids (digest, client_id, client_name, client_version, os, arch, runtime)
SELECT client_id_digest(client_id, client_name, client_version, os, arch, runtime), client_id, client_name, client_version, os, arch, runtime
  FROM (SELECT DISTINCT client_id, client_name, client_version, os, arch, runtime FROM hellos) d
 ORDER BY client_id, client_name, client_version, os, arch, runtime;
INSERT INTO cap_sets (digest, caps)
SELECT cap_set_digest(caps), caps FROM (SELECT DISTINCT caps FROM hellos) d ORDER BY caps;

DO $do$
DECLARE
  part text;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'hellos'::regclass AND c.relname ~ '^hellos_[0-9]{8}$' ORDER BY 1
  LOOP
    PERFORM ensure_day_partition('hello_rows', to_date(substr(part, 8), 'YYYYMMDD'));
  END LOOP;
END
$do$;

INSERT INTO hello_rows (dial_id, started_at, p2p_version, client_ref, caps_ref, listen_port, instance_id, node_id)
SELECT h.dial_id, h.started_at, h.p2p_version, c.id, s.id, h.listen_port, h.instance_id, h.node_id
  FROM hellos h
  JOIN client_ids c ON c.digest = client_id_digest(h.client_id, h.client_name, h.client_version, h.os, h.arch, h.runtime)
  JOIN cap_sets s ON s.digest = cap_set_digest(h.caps);

DROP TABLE hellos;
-- As 0007_open_day.sql had on hellos: bounds a window's raw remainder (src/store/rollup-hours.ts).
CREATE INDEX hello_rows_started_brin ON hello_rows USING brin (started_at);

CREATE VIEW hellos AS
SELECT r.dial_id, r.started_at, r.instance_id, r.node_id, r.p2p_version,
       c.client_id, c.client_name, c.client_version, c.os, c.arch, c.runtime, s.caps, r.listen_port
  FROM hello_rows r
  JOIN client_ids c ON c.id = r.client_ref
  JOIN cap_sets s ON s.id = r.caps_ref;
COMMENT ON VIEW hellos IS 'DEVp2p HELLO received on a connection (one per dial): hello_rows with its dictionary entries, the columns hellos had before 0009.';
COMMENT ON COLUMN hellos.dial_id IS 'The connection (dials.dial_id).';
COMMENT ON COLUMN hellos.started_at IS 'The connection''s start (dials.started_at); partition key of hello_rows: a range on it prunes day partitions.';
COMMENT ON COLUMN hellos.instance_id IS 'The instance on our side of the connection.';
COMMENT ON COLUMN hellos.node_id IS 'The remote node (copied from the dial so reports need no join).';
COMMENT ON COLUMN hellos.p2p_version IS 'DEVp2p protocol version announced.';
COMMENT ON COLUMN hellos.client_id IS 'Client identifier string as sent (peer-supplied text).';
COMMENT ON COLUMN hellos.client_name IS 'Name part of client_id, e.g. Geth.';
COMMENT ON COLUMN hellos.client_version IS 'Version part of client_id, e.g. v1.14.0-stable-abcdef.';
COMMENT ON COLUMN hellos.os IS 'Operating system part of client_id, e.g. linux.';
COMMENT ON COLUMN hellos.arch IS 'Architecture part of client_id, e.g. amd64.';
COMMENT ON COLUMN hellos.runtime IS 'Runtime part of client_id, e.g. go1.22.1.';
COMMENT ON COLUMN hellos.caps IS 'Capabilities as name/version, e.g. {eth/68,snap/1}.';
COMMENT ON COLUMN hellos.listen_port IS 'TCP listen port announced in HELLO (0 = none).';

-- The copied rows have no statistics yet (autovacuum never analyzes a partitioned parent, and gets to
-- new partitions only later): without them the first reports and rollups after the upgrade plan
-- joins through the view blind.
ANALYZE hello_rows;
ANALYZE client_ids;
ANALYZE cap_sets;
