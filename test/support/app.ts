import { tmpdir } from 'node:os';
import path from 'node:path';
import { signDevelopmentToken, type Role } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { startApp, type RunningApp } from '../../src/main.js';
import { createTestDatabase } from './db.js';

export const TEST_JWT = {
  secret: 'test-secret-0123456789-0123456789-abcdef',
  issuer: 'takeout-refunds',
  audience: 'takeout-refunds-api',
} as const;

export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly data: T | null | undefined;
  readonly errors:
    readonly { message: string; path?: string[]; extensions?: Record<string, unknown> }[] | undefined;
}

export interface TestApp {
  readonly url: string;
  readonly databaseUrl: string;
  readonly app: RunningApp;
  /** POST /graphql over real HTTP; `token` may be a role/subject pair or a raw bearer string. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | { role: Role | `${Role}`; sub: string },
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export function tokenFor(
  role: Role | `${Role}`,
  sub: string,
  expiresIn: string | number = '1h',
): Promise<string> {
  return signDevelopmentToken({ ...TEST_JWT, role: role as Role, subject: sub, expiresIn });
}

/** Simulator keys are generated once per test process and reused (RSA key generation is slow). */
const SIMULATOR_DATA_DIR = path.join(tmpdir(), `refunds-test-data-${process.pid}`);

/**
 * The whole app (api + worker roles) on a fresh database, listening on a free loopback port. With
 * `simulators: true` it also runs both provider simulators on free ports and uses their credentials.
 */
export async function startTestApp(
  options: {
    role?: 'all' | 'api' | 'worker';
    env?: Record<string, string>;
    simulators?: boolean;
    /** Where the app's logs go (and at which level) instead of nowhere. */
    logs?: { level: string; destination: NodeJS.WritableStream };
    /** How the app reaches its fresh database (e.g. through a relay the test can cut). */
    reach?: (databaseUrl: string) => Promise<string>;
  } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: options.reach ? await options.reach(db.url) : db.url,
    MIGRATE_ON_START: 'false',
    SIMULATORS: options.simulators ? 'true' : 'false',
    SIMULATOR_WECHATPAY_PORT: '0',
    SIMULATOR_ALIPAY_PORT: '0',
    DATA_DIR: SIMULATOR_DATA_DIR,
    REFUND_FIRST_POLL_WECHATPAY_MS: '1000',
    REFUND_FIRST_POLL_ALIPAY_MS: '1000',
    REFUND_MAX_POLL_DELAY_MS: '2000',
    REFUND_SWEEP_INTERVAL_MS: '500',
    REFUND_STALE_AFTER_MS: '1500',
    REFUND_LEASE_MS: '4000',
    PROVIDER_TIMEOUT_MS: '1500',
    JWT_HS256_SECRET: TEST_JWT.secret,
    JWT_ISSUER: TEST_JWT.issuer,
    JWT_AUDIENCE: TEST_JWT.audience,
    // Tests hammer the api from loopback; the rate-limit tests ask for it with RATE_LIMIT_EXEMPT_LOOPBACK=false.
    RATE_LIMIT_EXEMPT_LOOPBACK: 'true',
    ...options.env,
  });
  const logger = createLogger(options.logs ?? { level: config.logLevel });
  const app = await startApp(config, options.role ?? 'all', logger);
  const url = app.url ?? '';
  return {
    url,
    databaseUrl: db.url,
    app,
    async gql(query, variables, token) {
      const bearer = typeof token === 'object' ? await tokenFor(token.role, token.sub) : token;
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: never; errors?: never };
      return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
    },
    async stop() {
      await app.stop();
      await db.drop();
    },
  };
}
