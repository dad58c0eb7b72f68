/** Storage: what the rest of NodeFinder imports (see DESIGN.md, src/store). */
export type { Database, Queryable, Row, Engine, OpenOptions } from './database.js';
export { DEFAULT_DB, isPostgresUrl, redactUrl } from './database.js';
export { openDatabase, openMigratedDatabase } from './open.js';
export { wrapPglite } from './pglite-adapter.js';
export { migrate, migrationStatus, loadMigrations, migrationsDir, type Migration, type MigrationStatus } from './migrations.js';
export { EventWriter, WRITER_DEFAULTS, uuidV4, type WriterOptions, type WriterStats } from './writer.js';
export {
  loadStaticSet,
  expireNodes,
  claimRedials,
  releaseRedial,
  loadInstances,
  loadInstanceTotals,
  type StaticNode,
  type InstanceInfo,
  type InstanceTotals,
} from './queries.js';
export { claimRedialNodes } from './leases.js';
export * from './errors.js';
