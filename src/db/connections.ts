import { startStep, type Logger } from '../logging/index.js';
import {
  EMBEDDED_DATABASE,
  embeddedServerUrls,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from './embedded-postgres.js';
import { provisionRolesOn, type DatabaseRoles } from './roles.js';

/** The embedded server's roles (development only: it listens on loopback and its own socket). */
export const EMBEDDED_ROLES: DatabaseRoles = {
  owner: { name: 'takeout_refunds_owner', password: 'takeout_refunds_owner' },
  runtime: { name: 'takeout_refunds_app', password: 'takeout_refunds_app' },
};

/** Where the service connects, known before the database is up. */
export interface DatabaseUrls {
  /** What the service connects as (the runtime role when roles are in use). */
  readonly url: string;
  /** What migrations run as: the owner role, or `url` when no owner is configured. */
  readonly ownerUrl: string;
  /** The runtime role to grant to after migrating; undefined when migrations and service share a role. */
  readonly runtimeRole: string | undefined;
}

export interface DatabaseConnections extends DatabaseUrls {
  /** Stops the embedded server, if one was started. */
  readonly stop: () => Promise<void>;
}

interface DatabaseSettings {
  readonly url: string | undefined;
  readonly ownerUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPort: number;
}

/** DATABASE_URL (and DATABASE_OWNER_URL), or the embedded server's URLs for its two roles. */
export function databaseUrls(settings: DatabaseSettings): DatabaseUrls {
  if (settings.url !== undefined) {
    const ownerUrl = settings.ownerUrl ?? settings.url;
    const runtimeRole =
      settings.ownerUrl === undefined ? undefined : decodeURIComponent(new URL(settings.url).username);
    return { url: settings.url, ownerUrl, runtimeRole };
  }
  const server = embeddedServerUrls({
    dataDir: settings.dataDir,
    port: settings.embeddedPort,
    database: EMBEDDED_DATABASE,
  });
  const as = (role: DatabaseRoles['owner']): string => {
    const url = new URL(server.url);
    url.username = role.name;
    url.password = role.password;
    return url.toString();
  };
  return {
    url: as(EMBEDDED_ROLES.runtime),
    ownerUrl: as(EMBEDDED_ROLES.owner),
    runtimeRole: EMBEDDED_ROLES.runtime.name,
  };
}

/**
 * The embedded server with the service's database and both roles, provisioned on the connection that
 * found the database (on a warm start, one connection and one round trip). `npm start`'s launcher
 * starts it before the application loads and hands it to `openDatabase`.
 */
export function startServiceDatabase(options: {
  dataDir: string;
  port: number;
  logger: Logger;
  onSpawn?: () => void;
}): Promise<EmbeddedPostgresHandle> {
  return startEmbeddedPostgres({
    ...options,
    database: EMBEDDED_DATABASE,
    prepare: (client) => provisionRolesOn(client, EMBEDDED_DATABASE, EMBEDDED_ROLES),
  });
}

/**
 * The database the process uses (`databaseUrls`): DATABASE_URL, or an embedded server whose owner and
 * runtime roles are created here (or by the launcher: `started`, from `startServiceDatabase`).
 */
export async function openDatabase(
  settings: DatabaseSettings,
  logger: Logger,
  /** The embedded server, when the caller already started it with `startServiceDatabase`. */
  started?: Promise<EmbeddedPostgresHandle>,
): Promise<DatabaseConnections> {
  const urls = databaseUrls(settings);
  if (settings.url !== undefined) return { ...urls, stop: async () => {} };
  const embedded = await (started ??
    startServiceDatabase({ dataDir: settings.dataDir, port: settings.embeddedPort, logger }));
  startStep('PostgreSQL accepting connections, roles provisioned');
  return { ...urls, stop: embedded.stop };
}
