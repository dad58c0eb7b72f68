/**
 * Pure: the HELLO statements of a batch (sql/migrations/0009_dictionaries.sql). The client
 * identification and the capability list go to the dictionaries client_ids and cap_sets, the row to
 * hello_rows with the two refs; all three run in the batch's transaction, dictionaries first.
 *
 * A dictionary insert filters known digests with NOT EXISTS before ON CONFLICT: an INSERT … SELECT
 * evaluates the identity's nextval for every row it proposes, conflicting or not, so without the
 * filter every batch would burn an id per known client ID and the int4 would run out within years.
 * ON CONFLICT stays for two writers racing on the same new entry (the unique digest makes the second
 * wait for the first, then skip it; READ COMMITTED: the row statement after it sees the entry).
 */
import type { DialEvent } from '../events.js';
import { bytes, ts, type Statement } from './statement.js';

type Hello = NonNullable<DialEvent['hello']>;

const clientTuple = (h: Hello) => [h.clientId, h.clientName, h.clientVersion, h.os, h.arch, h.runtime] as const;

/** Distinct values in a stable order (sorted keys: concurrent writers take the entries' locks alike) and each item's 1-based ordinal. */
function dictionary<T>(items: readonly T[], key: (t: T) => string): { keys: string[]; ordinals: number[] } {
  const keys = [...new Set(items.map(key))].sort();
  const ordinal = new Map(keys.map((k, i) => [k, i + 1]));
  return { keys, ordinals: items.map((t) => ordinal.get(key(t))!) };
}

// The distinct entries as unnest() columns with their ordinal o; the caps travel as one JSON array per
// entry (unnest flattens nested arrays, so text[][] cannot carry lists of different lengths).
const CLIENTS = (p: number) =>
  `unnest($${p}::text[], $${p + 1}::text[], $${p + 2}::text[], $${p + 3}::text[], $${p + 4}::text[], $${p + 5}::text[]) WITH ORDINALITY AS x(xid, xn, xv, xo, xa, xr, o)`;
const CAPS = (p: number) =>
  `(SELECT o, ARRAY(SELECT e FROM jsonb_array_elements_text(cp::jsonb) WITH ORDINALITY AS a(e, k) ORDER BY k) AS caps FROM unnest($${p}::text[]) WITH ORDINALITY AS y(cp, o))`;

/** Statements for the dials that carry a HELLO (none when no dial does). */
export function helloStatements(dials: readonly DialEvent[]): Statement[] {
  const hellos = dials.filter((d) => d.hello);
  if (!hellos.length) return [];
  const clients = dictionary(hellos, (d) => JSON.stringify(clientTuple(d.hello!)));
  const caps = dictionary(hellos, (d) => JSON.stringify(d.hello!.caps));
  const tuples = clients.keys.map((k) => JSON.parse(k) as (string | null)[]);
  const clientParams = [0, 1, 2, 3, 4, 5].map((i) => tuples.map((t) => t[i]));
  return [
    {
      table: 'client_ids',
      sql: `INSERT INTO client_ids (digest, client_id, client_name, client_version, os, arch, runtime)
SELECT k, xid, xn, xv, xo, xa, xr FROM (SELECT client_id_digest(xid, xn, xv, xo, xa, xr) AS k, * FROM ${CLIENTS(1)} ORDER BY o) z
WHERE NOT EXISTS (SELECT 1 FROM client_ids c WHERE c.digest = z.k)
ON CONFLICT (digest) DO NOTHING`,
      params: clientParams,
    },
    {
      table: 'cap_sets',
      sql: `INSERT INTO cap_sets (digest, caps)
SELECT k, caps FROM (SELECT cap_set_digest(caps) AS k, caps, o FROM ${CAPS(1)} y ORDER BY o) z
WHERE NOT EXISTS (SELECT 1 FROM cap_sets s WHERE s.digest = z.k)
ON CONFLICT (digest) DO NOTHING`,
      params: [caps.keys],
    },
    {
      table: 'hello_rows',
      // MATERIALIZED: each distinct entry is digested and looked up once, not once per row.
      sql: `WITH c AS MATERIALIZED (SELECT x.o, c.id FROM ${CLIENTS(9)} JOIN client_ids c ON c.digest = client_id_digest(xid, xn, xv, xo, xa, xr)),
p AS MATERIALIZED (SELECT y.o, s.id FROM ${CAPS(15)} y JOIN cap_sets s ON s.digest = cap_set_digest(y.caps))
INSERT INTO hello_rows (dial_id, started_at, p2p_version, client_ref, caps_ref, listen_port, instance_id, node_id)
SELECT d::uuid, ${ts('s')}, pv, c.id, p.id, lp, ${bytes('i')}, ${bytes('n')}
FROM unnest($1::text[], $2::int8[], $3::int4[], $4::int4[], $5::int4[], $6::int4[], $7::text[], $8::text[]) AS u(d, s, pv, co, po, lp, i, n)
JOIN c ON c.o = u.co JOIN p ON p.o = u.po
ON CONFLICT (dial_id, started_at) DO NOTHING`,
      params: [
        hellos.map((d) => d.dialId),
        hellos.map((d) => d.startedAt),
        hellos.map((d) => d.hello!.p2pVersion),
        clients.ordinals,
        caps.ordinals,
        hellos.map((d) => d.hello!.listenPort),
        hellos.map((d) => d.instance),
        hellos.map((d) => d.nodeId),
        ...clientParams,
        caps.keys,
      ],
    },
  ];
}
