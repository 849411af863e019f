/**
 * The floor of a warm `npm start`, for `bench:start`: what a start cannot avoid, whatever the service
 * does. Run as `npm run -s bench:start:floor` (so npm's own start-up counts, as in `npm start`), from a
 * bundle with Node's compile cache (as `npm start` runs): it starts the embedded PostgreSQL on the
 * service's data directory (DATA_DIR, EMBEDDED_PG_PORT) exactly as the bare start does, loads the
 * libraries the API needs (`start-floor-libraries.ts`) while it boots, prints `ready` once both are
 * done, then stops PostgreSQL and exits. No configuration, no application code, no build check, no
 * connection beyond the bare start's own.
 */
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded/index.js';
import { createLogger } from '../src/logging/index.js';

const dataDir = process.env['DATA_DIR'];
const port = Number(process.env['EMBEDDED_PG_PORT']);
if (dataDir === undefined || !Number.isInteger(port)) {
  throw new Error('bench:start:floor needs DATA_DIR and EMBEDDED_PG_PORT (bench:start sets them)');
}
const booting = startEmbeddedPostgres({
  dataDir: path.resolve(dataDir),
  port,
  database: 'postgres',
  logger: createLogger({ level: 'silent' }),
});
booting.catch(() => undefined); // awaited below
await import('./start-floor-libraries.js');
const embedded = await booting;
process.stdout.write('ready\n');
await embedded.stop();
