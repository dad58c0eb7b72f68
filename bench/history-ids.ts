/**
 * Who is in bench/longitudinal.bench.ts's synthetic history, as SQL expressions: node slot s on day
 * index k, its address, instance i. One definition for the history's generator and for the crawl
 * writer that joins it (bench/crawl-writer.ts asks the database for that day's IDs through them).
 */

/** Share of node slots that get a new node ID each day. */
export const CHURN = 0.02;
const PERIOD = Math.round(1 / CHURN);

/** Node ID (bytea) of slot `slot` on day index `k` (0 = the first day): slot s changes ID when (k - s % 50) crosses a multiple of 50. */
export const nodeExpr = (slot: string, k: string): string =>
  `decode(md5((${slot})::text || ':' || ((${k}) - ((${slot}) % ${PERIOD}))::int / ${PERIOD}) || md5((${slot})::text), 'hex')`;

/** The slot's address (inet), stored only, never contacted. */
export const ipExpr = (slot: string): string => `('2.' || (((${slot}) >> 16) & 255) || '.' || (((${slot}) >> 8) & 255) || '.' || ((${slot}) & 255))::inet`;

/** Instance i's ID (bytea). */
export const instExpr = (i: string): string => `decode(lpad(to_hex(${i}), 64, '0'), 'hex')`;
