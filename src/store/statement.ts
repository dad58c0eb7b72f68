/** One SQL statement of a batch, and the column conversions every batch statement uses. */
export interface Statement {
  table: string;
  sql: string;
  params: unknown[];
}

/** ms → timestamptz. float8 keeps ms exact for any realistic date (to_timestamp rounds to µs). */
export const ts = (col: string) => `to_timestamp(${col}::float8 / 1000)`;
/** lowercase hex text → bytea */
export const bytes = (col: string) => `decode(${col}, 'hex')`;
