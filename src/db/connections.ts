import type { Logger } from '../logging/index.js';
import {
  EMBEDDED_DATABASE,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from './embedded-postgres.js';
import { provisionRoles, type DatabaseRoles } from './roles.js';

/** The embedded server's roles (development only: it listens on loopback and its own socket). */
export const EMBEDDED_ROLES: DatabaseRoles = {
  owner: { name: 'takeout_refunds_owner', password: 'takeout_refunds_owner' },
  runtime: { name: 'takeout_refunds_app', password: 'takeout_refunds_app' },
};

export interface DatabaseConnections {
  /** What the service connects as (the runtime role when roles are in use). */
  readonly url: string;
  /** What migrations run as: the owner role, or `url` when no owner is configured. */
  readonly ownerUrl: string;
  /** The runtime role to grant to after migrating; undefined when migrations and service share a role. */
  readonly runtimeRole: string | undefined;
  /** Stops the embedded server, if one was started. */
  readonly stop: () => Promise<void>;
}

/**
 * The database the process uses: DATABASE_URL (and DATABASE_OWNER_URL for migrations when given), or
 * an embedded server whose owner and runtime roles are created here.
 */
export async function openDatabase(
  settings: {
    readonly url: string | undefined;
    readonly ownerUrl: string | undefined;
    readonly dataDir: string;
    readonly embeddedPort: number;
  },
  logger: Logger,
  /** The embedded server, when the caller already started it. */
  started?: Promise<EmbeddedPostgresHandle>,
): Promise<DatabaseConnections> {
  if (settings.url !== undefined) {
    const ownerUrl = settings.ownerUrl ?? settings.url;
    const runtimeRole =
      settings.ownerUrl === undefined ? undefined : decodeURIComponent(new URL(settings.url).username);
    return { url: settings.url, ownerUrl, runtimeRole, stop: async () => {} };
  }
  const database = EMBEDDED_DATABASE;
  const embedded = await (started ??
    startEmbeddedPostgres({
      dataDir: settings.dataDir,
      port: settings.embeddedPort,
      database,
      logger,
    }));
  try {
    await provisionRoles(embedded.adminUrl, database, EMBEDDED_ROLES);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  const as = (role: DatabaseRoles['owner']): string => {
    const url = new URL(embedded.url);
    url.username = role.name;
    url.password = role.password;
    return url.toString();
  };
  return {
    url: as(EMBEDDED_ROLES.runtime),
    ownerUrl: as(EMBEDDED_ROLES.owner),
    runtimeRole: EMBEDDED_ROLES.runtime.name,
    stop: embedded.stop,
  };
}
