/**
 * The database module's light entry: the embedded PostgreSQL (and the service's roles on it), without
 * the ORM, the migrations or the SQL files. `npm start` imports it first, so PostgreSQL boots while the application's modules
 * load (src/cli/start.ts).
 */
export {
  EMBEDDED_DATABASE,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from '../embedded-postgres.js';
export { startServiceDatabase } from '../connections.js';
