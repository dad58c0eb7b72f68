/** One SQL statement of a batch and the SQL fragments the batch statements share. */
export interface Statement {
  table: string;
  sql: string;
  params: unknown[];
}

// ms → timestamptz. float8 keeps ms exact for any realistic date (to_timestamp rounds to µs).
export const ts = (col: string): string => `to_timestamp(${col}::float8 / 1000)`;
export const bytes = (col: string): string => `decode(${col}, 'hex')`;

/** Keys of a map in a stable order: concurrent writers lock rows alike and do not deadlock. */
export const sortedKeys = <K extends string>(map: ReadonlyMap<K, unknown>): K[] => [...map.keys()].sort();
