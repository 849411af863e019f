import { z } from 'zod';

/**
 * Every setting the service reads, parsed once from the environment at startup.
 * Nothing outside `src/main.ts` (and the CLIs' own entry points) reads `process.env`.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();
const pem = z
  .string()
  .min(1)
  .transform((v) => v.replace(/\\n/g, '\n'));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(4000),
    PUBLIC_BASE_URL: z.url().optional(),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL')
      .optional(),
    DATABASE_POOL_MAX: positiveInt.default(10),
    DATA_DIR: z.string().min(1).default('.data'),
    EMBEDDED_PG_PORT: port.default(54_329),
    MIGRATE_ON_START: bool.default(true),

    JWT_HS256_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    JWT_RS256_PUBLIC_KEY: pem.optional(),
    JWT_ISSUER: z.string().min(1).default('takeout-refunds'),
    JWT_AUDIENCE: z.string().min(1).default('takeout-refunds-api'),

    GRAPHQL_MAX_DEPTH: positiveInt.default(12),
    GRAPHQL_MAX_ALIASES: positiveInt.default(30),
    GRAPHQL_MAX_BODY_BYTES: positiveInt.default(100_000),
    SHUTDOWN_GRACE_MS: positiveInt.default(10_000),

    SIMULATORS: bool.default(true),
    WECHATPAY_BASE_URL: optionalString,
    ALIPAY_GATEWAY_URL: optionalString,
  })
  .superRefine((env, ctx) => {
    if (env.JWT_HS256_SECRET === undefined && env.JWT_RS256_PUBLIC_KEY === undefined) {
      if (env.NODE_ENV === 'production') {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_HS256_SECRET'],
          message: 'required in production (or set JWT_RS256_PUBLIC_KEY)',
        });
      }
    }
    if (env.NODE_ENV === 'production' && env.DATABASE_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'required in production (embedded PostgreSQL is for development only)',
      });
    }
  });

type Env = z.infer<typeof envSchema>;

export interface AppConfig {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicBaseUrl: string | undefined;
    readonly shutdownGraceMs: number;
  };
  readonly database: {
    /** Undefined: start embedded PostgreSQL under `dataDir`. */
    readonly url: string | undefined;
    readonly poolMax: number;
    readonly dataDir: string;
    readonly embeddedPort: number;
    readonly migrateOnStart: boolean;
  };
  readonly auth: {
    readonly hs256Secret: string | undefined;
    readonly rs256PublicKeyPem: string | undefined;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly graphql: {
    readonly maxDepth: number;
    readonly maxAliases: number;
    readonly maxBodyBytes: number;
    readonly sandbox: boolean;
    readonly introspection: boolean;
  };
  readonly simulators: {
    readonly enabled: boolean;
  };
  readonly providers: {
    readonly wechatpayBaseUrl: string | undefined;
    readonly alipayGatewayUrl: string | undefined;
  };
}

/** A bad or missing setting; `message` is the one line printed before the process stops. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Development-only default so `npm start` works with no setup; refused in production by the schema. */
export const DEV_JWT_SECRET = 'development-only-secret-change-me-0123456789';

export function loadConfig(source: Readonly<Record<string, string | undefined>>): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') || 'environment';
    const got = issue && typeof issue.path[0] === 'string' ? source[issue.path[0]] : undefined;
    const shown = got === undefined ? 'unset' : isSecretName(variable) ? 'a value' : JSON.stringify(got);
    throw new ConfigError(`Invalid configuration: ${variable} (${shown}): expected ${issue?.message ?? '?'}`);
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const hs256Secret =
    env.JWT_HS256_SECRET ?? (env.JWT_RS256_PUBLIC_KEY === undefined ? DEV_JWT_SECRET : undefined);
  return deepFreeze({
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    http: {
      host: env.HOST,
      port: env.PORT,
      publicBaseUrl: env.PUBLIC_BASE_URL,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    },
    database: {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      dataDir: env.DATA_DIR,
      embeddedPort: env.EMBEDDED_PG_PORT,
      migrateOnStart: env.MIGRATE_ON_START,
    },
    auth: {
      hs256Secret,
      rs256PublicKeyPem: env.JWT_RS256_PUBLIC_KEY,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    graphql: {
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxBodyBytes: env.GRAPHQL_MAX_BODY_BYTES,
      sandbox: !production,
      introspection: !production,
    },
    simulators: { enabled: env.SIMULATORS && !production },
    providers: {
      wechatpayBaseUrl: env.WECHATPAY_BASE_URL,
      alipayGatewayUrl: env.ALIPAY_GATEWAY_URL,
    },
  });
}

function isSecretName(name: string): boolean {
  return /SECRET|KEY|PASSWORD|TOKEN|DATABASE_URL/i.test(name);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
