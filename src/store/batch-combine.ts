/**
 * Pure: fewer round trips per batch for a server. The batch's statements on tables nothing else in the
 * batch reads (addresses, sightings, counters, totals, the per-dial tables, ENRs, answers, leases) go
 * as one statement of data-modifying CTEs: Postgres runs each to completion once, whatever the main
 * query reads (https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING). They
 * share one snapshot, which is why statements on `nodes` (the rebond and expiry UPDATEs must see the
 * batch's upserts) and on instances (instance_runs refers to them) stay statements of their own, in
 * order. So do the HELLO statements: hello_rows joins the client_ids / cap_sets entries the statements
just before it inserted, which a CTE of the same statement could not see. Two statements on one table
never share a statement (both would modify the same rows — instance_totals gets v4 and v5 sums —
and Postgres applies only one of two modifications of a row in one statement). Each statement's
parameters are renumbered after the ones before it.
 */
import type { Statement } from './statement.js';

/**
 * Tables whose batch statements read nothing another statement of the batch writes. An allow-list:
 * a statement added later (or one reading a dictionary table another statement fills) stays its own
 * until it is shown to belong here.
 */
const INDEPENDENT = new Set([
  'addresses', 'node_sightings', 'discovery_counters', 'discovery_v5_counters', 'instance_totals', 'dials', 'statuses', 'disconnects', 'rtts', 'enrs', 'discovery_answers', 'redial_leases',
]);

const combinable = (st: Statement) => INDEPENDENT.has(st.table) && /^\s*INSERT\s/i.test(st.sql);

export function combineStatements(statements: readonly Statement[]): Statement[] {
  const out: Statement[] = [];
  let run: Statement[] = [];
  const close = () => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) out.push(merge(run));
    run = [];
  };
  for (const st of statements) {
    if (combinable(st)) {
      if (run.some((r) => r.table === st.table)) close();
      run.push(st);
    } else {
      close();
      out.push(st);
    }
  }
  close();
  return out;
}

function merge(run: readonly Statement[]): Statement {
  const params: unknown[] = [];
  const parts = run.map((st) => {
    const offset = params.length;
    params.push(...st.params);
    return offset === 0 ? st.sql : st.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  const last = parts.pop()!;
  return {
    table: run.map((st) => st.table).join('+'),
    sql: `WITH ${parts.map((sql, i) => `s${i} AS (\n${sql})`).join(',\n')}\n${last}`,
    params,
  };
}
