export { adminStatement, onAdminConnection } from './admin.js';
export {
  ensureDatabase,
  quoteIdent,
  EMBEDDED_DATABASE,
  isAlive,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from './embedded-postgres.js';
export { EXTERNAL_ID, newId } from './ids.js';
export {
  createOrm,
  migrateOnStart,
  migrateUp,
  migrationNeeded,
  MIGRATIONS_DIR,
  ormOptions,
  pendingMigrations,
  schemaDrift,
  type EntityManager,
  type OrmSettings,
  type Orm,
} from './orm.js';
export {
  inTransaction,
  retryingTransaction,
  isDatabaseUnavailable,
  isRetryableTransactionError,
  pgErrorOf,
  selectList,
  sqlOn,
  sqlOnPool,
  toBigint,
  toDate,
  type PgError,
  type Sql,
  type SqlPart,
  type SqlRow,
  type TableRow,
} from './sql.js';
export {
  databaseUrls,
  EMBEDDED_ROLES,
  openDatabase,
  type DatabaseConnections,
  type DatabaseUrls,
} from './connections.js';
export { LEDGER_TABLES, provisionRoles, runtimeGrants, type DatabaseRoles } from './roles.js';
export {
  applySqlFiles,
  changedSqlFiles,
  definedName,
  loadSqlFiles,
  packageRoot,
  type SqlFile,
} from './repeatable.js';
export { namedStatementsClient, statementName } from './named-statements.js';
export { Batcher, SAME_TURN_READS } from './batcher.js';
