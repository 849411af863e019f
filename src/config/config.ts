import { z } from 'zod';

/**
 * Every setting the service reads, parsed once from the environment at startup.
 * Nothing outside `src/main.ts` (and the CLIs' own entry points) reads `process.env`.
 */

const PORT_NUMBER = { error: 'a port number from 0 to 65535' };
const port = z.coerce.number(PORT_NUMBER).int(PORT_NUMBER).min(0, PORT_NUMBER).max(65_535, PORT_NUMBER);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const POSITIVE = { error: 'a whole number above 0' };
const positiveInt = z.coerce.number(POSITIVE).int(POSITIVE).positive(POSITIVE);
const pem = z
  .string()
  .min(1)
  .transform((v) => v.replace(/\\n/g, '\n'));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const riskRuleSetting = z.strictObject({
  params: z.record(z.string(), z.unknown()),
  action: z.enum(['REVIEW', 'BLOCK_AUTO_REFUND', 'WATCH']),
  mode: z.enum(['ENFORCE', 'SHADOW', 'OFF']),
});
const riskRulesSchema = z.record(z.string(), riskRuleSetting.partial());

const envSchema = z
  .object({
    // Unset means production: the development secret, sandbox, introspection and simulators need an
    // explicit NODE_ENV=development (which `npm start` sets) or test.
    NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(4000),
    PUBLIC_BASE_URL: z.url().optional(),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL')
      .optional(),
    DATABASE_OWNER_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL')
      .optional(),
    DATABASE_POOL_MAX: positiveInt.default(10),
    DATA_DIR: z.string().min(1).default('.data'),
    EMBEDDED_PG_PORT: port.default(54_329),
    MIGRATE_ON_START: bool.default(true),
    START_TIMELINE: bool.default(false),

    JWT_HS256_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    JWT_RS256_PUBLIC_KEY: pem.optional(),
    JWT_ISSUER: z.string().min(1).default('takeout-refunds'),
    JWT_AUDIENCE: z.string().min(1).default('takeout-refunds-api'),

    GRAPHQL_MAX_DEPTH: positiveInt.default(15),
    GRAPHQL_MAX_ALIASES: positiveInt.default(30),
    GRAPHQL_MAX_DIRECTIVES: positiveInt.default(20),
    GRAPHQL_MAX_TOKENS: positiveInt.default(2_000),
    GRAPHQL_MAX_COST: positiveInt.default(50_000),
    GRAPHQL_MAX_BODY_BYTES: positiveInt.default(100_000),

    RATE_LIMIT: bool.default(true),
    RATE_LIMIT_WINDOW_MS: positiveInt.default(60_000),
    RATE_LIMIT_AUTHENTICATED: positiveInt.default(1_200),
    RATE_LIMIT_ANONYMOUS: positiveInt.default(120),
    RATE_LIMIT_AUTH_FAILURES: positiveInt.default(20),
    RATE_LIMIT_NOTIFY: positiveInt.default(2_400),
    RATE_LIMIT_EXEMPT_LOOPBACK: bool.default(false),

    TLS_CERT_FILE: optionalString,
    TLS_KEY_FILE: optionalString,
    TRUST_PROXY: optionalString,

    METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    METRICS_PORT: port.optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),

    TRACING: bool.default(false),
    TRACING_OTLP_URL: z.url().default('http://127.0.0.1:4318/v1/traces'),
    TRACING_SERVICE_NAME: z.string().min(1).default('takeout-refunds'),
    SHUTDOWN_GRACE_MS: positiveInt.default(10_000),

    SIMULATORS: bool.default(true),
    SIMULATOR_WECHATPAY_PORT: port.default(4010),
    SIMULATOR_ALIPAY_PORT: port.default(4020),

    PROVIDER_TIMEOUT_MS: positiveInt.default(10_000),
    WECHATPAY_BASE_URL: optionalString,
    WECHATPAY_MCHID: optionalString,
    WECHATPAY_APPID: optionalString,
    WECHATPAY_PRIVATE_KEY: pem.optional(),
    WECHATPAY_SERIAL_NO: optionalString,
    WECHATPAY_APIV3_KEY: z.string().length(32, 'exactly 32 characters').optional(),
    WECHATPAY_PLATFORM_PUBLIC_KEY: pem.optional(),
    WECHATPAY_PLATFORM_PUBLIC_KEY_ID: optionalString,
    ALIPAY_GATEWAY_URL: optionalString,
    ALIPAY_APP_ID: optionalString,
    ALIPAY_PRIVATE_KEY: pem.optional(),
    ALIPAY_PUBLIC_KEY: pem.optional(),

    REFUND_LEASE_MS: positiveInt.default(30_000),
    REFUND_FIRST_POLL_WECHATPAY_MS: positiveInt.default(60_000),
    REFUND_FIRST_POLL_ALIPAY_MS: positiveInt.default(10_000),
    REFUND_MAX_POLL_DELAY_MS: positiveInt.default(3_600_000),
    REFUND_STALE_AFTER_MS: positiveInt.default(60_000),
    REFUND_SWEEP_INTERVAL_MS: positiveInt.default(15_000),
    REFUND_PROVIDER_CONCURRENCY: positiveInt.default(16),
    REFUND_RATE_LIMIT_WECHATPAY_QPS: positiveInt.default(150),
    REFUND_RATE_LIMIT_ALIPAY_QPS: positiveInt.default(150),

    RECON_CRON: z
      .string()
      .regex(/^\S+( \S+){4}$/, 'a five-field cron expression')
      .default('30 10 * * *'),
    RECON_CRON_TZ: z.string().min(1).default('Asia/Shanghai'),
    RECON_FEE_RATE_BPS_WECHATPAY: z.coerce.number().int().min(0).max(10_000).default(60),
    RECON_FEE_RATE_BPS_ALIPAY: z.coerce.number().int().min(0).max(10_000).default(60),
    RECON_TIMING_WINDOW_MS: z.coerce.number().int().min(0).default(900_000),
    RECON_NOT_READY_RETRY_S: positiveInt.default(1_800),
    RECON_NOT_READY_RETRY_LIMIT: z.coerce.number().int().min(0).default(12),

    NOTIFY_WEBHOOK_URL: z.url().optional(),
    NOTIFY_WEBHOOK_SECRET: optionalString,
    NOTIFY_WEBHOOK_TIMEOUT_MS: positiveInt.default(5_000),
    NOTIFY_WEBHOOK_MAX_ATTEMPTS: positiveInt.default(8),

    CONSOLE_ENABLED: bool.optional(),
    CONSOLE_ASSETS_DIR: optionalString,
    RISK_RULES: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === '') return {};
        try {
          return riskRulesSchema.parse(JSON.parse(v));
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: 'JSON: { "<ruleId>": { "params"?, "action"?, "mode"? } }',
          });
          return z.NEVER;
        }
      }),
    RISK_CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
      .default('CNY'),
    RISK_RULES_CACHE_MS: positiveInt.default(5_000),
    RISK_SWEEP_CRON: z.string().min(9).default('30 3 * * *'),
    RISK_SWEEP_BATCH: positiveInt.max(10_000).default(1_000),

    CASE_PROPOSAL_TIMEOUT_MS: positiveInt.default(48 * 3_600_000),
    CASE_REFUND_FOLLOW_MS: positiveInt.default(5_000),
    CASE_APPEAL_WINDOW_MS: positiveInt.default(72 * 3_600_000),
    CASE_LATE_AFTER_MS: positiveInt.default(30 * 60_000),
    CASE_NOT_DELIVERED_AFTER_MS: positiveInt.default(90 * 60_000),
    CASE_DETECT_LOOKBACK_MS: positiveInt.default(24 * 3_600_000),
    CASE_LATE_COUPON_MINOR: z.coerce.number().int().min(0).default(500),
    RIDER_STATIONARY_MS: positiveInt.default(10 * 60_000),
    RIDER_STATIONARY_METERS: positiveInt.default(50),
    RIDER_MOVING_AWAY_METERS: positiveInt.default(300),
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
    if ((env.TLS_CERT_FILE === undefined) !== (env.TLS_KEY_FILE === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TLS_CERT_FILE === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE'],
        message: 'TLS_CERT_FILE and TLS_KEY_FILE together',
      });
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

export type RiskRuleSetting = z.infer<typeof riskRuleSetting>;

/**
 * The rules' starting versions (thresholds per ISSUE #13), used when a rule has no stored version yet;
 * `RISK_RULES` overrides them per rule. ADMIN changes them later through GraphQL (new versions).
 */
export const RISK_RULE_DEFAULTS: Readonly<Record<string, RiskRuleSetting>> = {
  'refund-frequency': { params: { refunds7d: 3, refunds30d: 5 }, action: 'REVIEW', mode: 'ENFORCE' },
  'refund-order-ratio': { params: { maxPercent: 30, minOrders: 5 }, action: 'REVIEW', mode: 'ENFORCE' },
  'refund-amount': {
    params: { max7dMinor: '20000', maxSpendPercent: 40 },
    action: 'REVIEW',
    mode: 'ENFORCE',
  },
  'claims-without-evidence': { params: { minClaims: 3, maxPercent: 50 }, action: 'REVIEW', mode: 'ENFORCE' },
  'claim-timing': { params: { maxOddClaims: 3 }, action: 'REVIEW', mode: 'ENFORCE' },
  'shared-payer': { params: { minAccounts: 3 }, action: 'BLOCK_AUTO_REFUND', mode: 'ENFORCE' },
  'merchant-claim-outlier': { params: { multiple: 3, minOrders: 20 }, action: 'WATCH', mode: 'ENFORCE' },
  'rider-claim-outlier': { params: { multiple: 3, minOrders: 20 }, action: 'WATCH', mode: 'ENFORCE' },
};

export interface AppConfig {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  /** Print where the start's time went (src/logging/start-timeline.ts). */
  readonly startTimeline: boolean;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicBaseUrl: string | undefined;
    readonly shutdownGraceMs: number;
  };
  readonly database: {
    /** Undefined: start embedded PostgreSQL under `dataDir`. */
    readonly url: string | undefined;
    /** The owner role for migrations (DATABASE_URL is then the runtime role); undefined: DATABASE_URL. */
    readonly ownerUrl: string | undefined;
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
    readonly maxDirectives: number;
    readonly maxTokens: number;
    readonly maxCost: number;
    readonly maxBodyBytes: number;
    readonly sandbox: boolean;
    readonly introspection: boolean;
  };
  readonly rateLimit: RateLimitConfig;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Fastify's `trustProxy`: `true`, a hop count, or addresses/CIDRs of the terminating proxies. */
  readonly trustProxy: boolean | number | string | undefined;
  readonly tracing: {
    /** OpenTelemetry spans from each GraphQL operation and job through SQL and provider calls. */
    readonly enabled: boolean;
    /** OTLP/HTTP traces endpoint of a collector. */
    readonly otlpUrl: string;
    readonly serviceName: string;
  };
  readonly metrics: {
    /** `/metrics` on the api port, for this bearer token only. */
    readonly token: string | undefined;
    /** A separate listener for `/metrics` (no token). */
    readonly port: number | undefined;
    readonly host: string;
  };
  readonly simulators: {
    readonly enabled: boolean;
    readonly wechatpayPort: number;
    readonly alipayPort: number;
  };
  readonly providers: {
    readonly timeoutMs: number;
    /** Complete credentials, or undefined (then the simulator's are used when simulators run). */
    readonly wechatpay: WechatPayCredentials | undefined;
    readonly wechatpayBaseUrl: string | undefined;
    readonly alipay: AlipayCredentials | undefined;
    readonly alipayGatewayUrl: string | undefined;
  };
  readonly refunds: {
    readonly leaseMs: number;
    readonly firstPollDelayMs: { readonly WECHAT_PAY: number; readonly ALIPAY: number };
    readonly maxPollDelayMs: number;
    readonly staleAfterMs: number;
    readonly sweepIntervalMs: number;
    /** Provider calls in flight at once per provider, per worker process. */
    readonly concurrencyPerProvider: number;
    /** Refund submissions per second per provider, per worker process. */
    readonly submitsPerSecond: { readonly WECHAT_PAY: number; readonly ALIPAY: number };
  };
  readonly console: {
    /** Serve the back office at /console (default: on outside production). */
    readonly enabled: boolean;
    /** The built pages; undefined: `dist/console` of this project. */
    readonly assetsDir: string | undefined;
    /** The development role picker that mints tokens (never in production, needs the HS256 key). */
    readonly devSignIn: boolean;
  };
  readonly reconciliation: {
    /** When the nightly run starts (pg-boss cron), for the previous day, in `cronTz`. */
    readonly cron: string;
    readonly cronTz: string;
    readonly feeRateBps: { readonly wechatpay: number; readonly alipay: number };
    readonly timingWindowMs: number;
    /** A bill not ready yet: retried this often, this many times. */
    readonly notReadyRetrySeconds: number;
    readonly notReadyRetryLimit: number;
  };
  readonly risk: {
    /** Each rule's starting version: RISK_RULE_DEFAULTS with RISK_RULES merged over them. */
    readonly rules: Readonly<Record<string, RiskRuleSetting>>;
    /** Amount thresholds and figures are in this currency. */
    readonly currency: string;
    /** How long a process keeps rule versions before reading them again (ADMIN changes elsewhere). */
    readonly rulesCacheMs: number;
    /** The nightly sweep's schedule (cron, Asia/Shanghai). */
    readonly sweepCron: string;
    /** Customers evaluated per sweep statement. */
    readonly sweepBatch: number;
  };
  readonly webhook: {
    readonly url: string | undefined;
    readonly secret: string | undefined;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
  };
  readonly cases: {
    /** How long a COUPON or REDELIVERY proposal waits for the customer before silence accepts it. */
    readonly proposalTimeoutMs: number;
    /** How often a case re-reads the refund it issued until the refund is final. */
    readonly refundFollowMs: number;
    /** How long after a decision the liable merchant or rider may appeal. */
    readonly appealWindowMs: number;
    /** Late-order detection thresholds past the promised time, and how far back a run looks. */
    readonly lateAfterMs: number;
    readonly notDeliveredAfterMs: number;
    readonly lookbackMs: number;
    /** Coupon proposed on a detected LATE case, in minor units of the order's currency (0: none). */
    readonly lateCouponMinor: number;
    /** Rider-position warnings: stationary this long within this radius; moving away by this much. */
    readonly stationaryMs: number;
    readonly stationaryMeters: number;
    readonly movingAwayMeters: number;
  };
}

export interface RateLimitConfig {
  readonly enabled: boolean;
  readonly windowMs: number;
  /** Requests per window per signed-in subject. */
  readonly authenticated: number;
  /** Requests per window per client address without a token. */
  readonly anonymous: number;
  /** Requests per window per client address whose token does not verify. */
  readonly authFailures: number;
  /** Provider notify callbacks per window per client address. */
  readonly notify: number;
  /** Loopback clients are not counted (test harnesses and benchmarks only). */
  readonly exemptLoopback: boolean;
}

export interface WechatPayCredentials {
  readonly mchid: string;
  readonly appid: string;
  readonly privateKeyPem: string;
  readonly serialNo: string;
  readonly apiV3Key: string;
  readonly platformPublicKeyPem: string;
  readonly platformPublicKeyId: string;
}

export interface AlipayCredentials {
  readonly appId: string;
  readonly privateKeyPem: string;
  readonly alipayPublicKeyPem: string;
}

/** A bad or missing setting; `message` is the one line printed before the process stops. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Development-only default so `npm start` works with no setup; only with NODE_ENV development or test. */
export const DEV_JWT_SECRET = 'development-only-secret-change-me-0123456789';

export function loadConfig(source: Readonly<Record<string, string | undefined>>): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') || 'environment';
    const got = issue && typeof issue.path[0] === 'string' ? source[issue.path[0]] : undefined;
    const shown = got === undefined ? 'unset' : isSecretName(variable) ? 'a value' : JSON.stringify(got);
    throw new ConfigError(
      `Invalid configuration: ${variable} (${shown}): ${requirement(issue?.message ?? '?')}`,
    );
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const hs256Secret =
    env.JWT_HS256_SECRET ??
    (env.JWT_RS256_PUBLIC_KEY === undefined && !production ? DEV_JWT_SECRET : undefined);
  if (production && hs256Secret === DEV_JWT_SECRET) {
    throw new ConfigError('Invalid configuration: JWT_HS256_SECRET (a value): the public development secret');
  }
  return deepFreeze({
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    startTimeline: env.START_TIMELINE,
    http: {
      host: env.HOST,
      port: env.PORT,
      publicBaseUrl: env.PUBLIC_BASE_URL,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    },
    database: {
      url: env.DATABASE_URL,
      ownerUrl: env.DATABASE_OWNER_URL,
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
      maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      maxCost: env.GRAPHQL_MAX_COST,
      maxBodyBytes: env.GRAPHQL_MAX_BODY_BYTES,
      sandbox: !production,
      introspection: !production,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
      authenticated: env.RATE_LIMIT_AUTHENTICATED,
      anonymous: env.RATE_LIMIT_ANONYMOUS,
      authFailures: env.RATE_LIMIT_AUTH_FAILURES,
      notify: env.RATE_LIMIT_NOTIFY,
      exemptLoopback: env.RATE_LIMIT_EXEMPT_LOOPBACK && !production,
    },
    tls:
      env.TLS_CERT_FILE !== undefined && env.TLS_KEY_FILE !== undefined
        ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE }
        : undefined,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT, host: env.METRICS_HOST },
    tracing: {
      enabled: env.TRACING,
      otlpUrl: env.TRACING_OTLP_URL,
      serviceName: env.TRACING_SERVICE_NAME,
    },
    simulators: {
      enabled: env.SIMULATORS && !production,
      wechatpayPort: env.SIMULATOR_WECHATPAY_PORT,
      alipayPort: env.SIMULATOR_ALIPAY_PORT,
    },
    providers: {
      timeoutMs: env.PROVIDER_TIMEOUT_MS,
      wechatpay: wechatpayCredentials(env),
      wechatpayBaseUrl: env.WECHATPAY_BASE_URL,
      alipay: alipayCredentials(env),
      alipayGatewayUrl: env.ALIPAY_GATEWAY_URL,
    },
    refunds: {
      leaseMs: env.REFUND_LEASE_MS,
      firstPollDelayMs: {
        WECHAT_PAY: env.REFUND_FIRST_POLL_WECHATPAY_MS,
        ALIPAY: env.REFUND_FIRST_POLL_ALIPAY_MS,
      },
      maxPollDelayMs: env.REFUND_MAX_POLL_DELAY_MS,
      staleAfterMs: env.REFUND_STALE_AFTER_MS,
      sweepIntervalMs: env.REFUND_SWEEP_INTERVAL_MS,
      concurrencyPerProvider: env.REFUND_PROVIDER_CONCURRENCY,
      submitsPerSecond: {
        WECHAT_PAY: env.REFUND_RATE_LIMIT_WECHATPAY_QPS,
        ALIPAY: env.REFUND_RATE_LIMIT_ALIPAY_QPS,
      },
    },
    console: {
      enabled: env.CONSOLE_ENABLED ?? !production,
      assetsDir: env.CONSOLE_ASSETS_DIR,
      devSignIn: !production && hs256Secret !== undefined,
    },
    reconciliation: {
      cron: env.RECON_CRON,
      cronTz: env.RECON_CRON_TZ,
      feeRateBps: { wechatpay: env.RECON_FEE_RATE_BPS_WECHATPAY, alipay: env.RECON_FEE_RATE_BPS_ALIPAY },
      timingWindowMs: env.RECON_TIMING_WINDOW_MS,
      notReadyRetrySeconds: env.RECON_NOT_READY_RETRY_S,
      notReadyRetryLimit: env.RECON_NOT_READY_RETRY_LIMIT,
    },
    risk: {
      rules: riskRules(env.RISK_RULES),
      currency: env.RISK_CURRENCY,
      rulesCacheMs: env.RISK_RULES_CACHE_MS,
      sweepCron: env.RISK_SWEEP_CRON,
      sweepBatch: env.RISK_SWEEP_BATCH,
    },
    webhook: {
      url: env.NOTIFY_WEBHOOK_URL,
      secret: env.NOTIFY_WEBHOOK_SECRET,
      timeoutMs: env.NOTIFY_WEBHOOK_TIMEOUT_MS,
      maxAttempts: env.NOTIFY_WEBHOOK_MAX_ATTEMPTS,
    },
    cases: {
      proposalTimeoutMs: env.CASE_PROPOSAL_TIMEOUT_MS,
      refundFollowMs: env.CASE_REFUND_FOLLOW_MS,
      appealWindowMs: env.CASE_APPEAL_WINDOW_MS,
      lateAfterMs: env.CASE_LATE_AFTER_MS,
      notDeliveredAfterMs: env.CASE_NOT_DELIVERED_AFTER_MS,
      lookbackMs: env.CASE_DETECT_LOOKBACK_MS,
      lateCouponMinor: env.CASE_LATE_COUPON_MINOR,
      stationaryMs: env.RIDER_STATIONARY_MS,
      stationaryMeters: env.RIDER_STATIONARY_METERS,
      movingAwayMeters: env.RIDER_MOVING_AWAY_METERS,
    },
  });
}

/** One phrase for what the setting needs: our own wording, or zod's without its "Invalid input:" preamble. */
function requirement(message: string): string {
  if (message.startsWith('required')) return message;
  const what = message.replace(/^Invalid (input|option): (expected )?/, '').replace(/, received .*$/, '');
  return `expected ${what}`;
}

function riskRules(overrides: Env['RISK_RULES']): Record<string, RiskRuleSetting> {
  const unknown = Object.keys(overrides).find((id) => !(id in RISK_RULE_DEFAULTS));
  if (unknown !== undefined) {
    throw new ConfigError(`Invalid configuration: RISK_RULES: unknown rule "${unknown}"`);
  }
  return Object.fromEntries(
    Object.entries(RISK_RULE_DEFAULTS).map(([id, base]) => {
      const override = overrides[id] ?? {};
      return [id, { ...base, ...override, params: { ...base.params, ...override.params } }];
    }),
  );
}

const WECHATPAY_KEYS = [
  'WECHATPAY_MCHID',
  'WECHATPAY_APPID',
  'WECHATPAY_PRIVATE_KEY',
  'WECHATPAY_SERIAL_NO',
  'WECHATPAY_APIV3_KEY',
  'WECHATPAY_PLATFORM_PUBLIC_KEY',
  'WECHATPAY_PLATFORM_PUBLIC_KEY_ID',
] as const;
const ALIPAY_KEYS = ['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'] as const;

/** All or nothing: half a set of credentials is a mistake worth stopping for. */
function complete<K extends keyof Env>(env: Env, keys: readonly K[]): boolean {
  const present = keys.filter((k) => env[k] !== undefined);
  if (present.length > 0 && present.length < keys.length) {
    const missing = keys.find((k) => env[k] === undefined)!;
    throw new ConfigError(
      `Invalid configuration: ${String(missing)} (unset): expected it with ${String(present[0])}`,
    );
  }
  return present.length === keys.length;
}

function wechatpayCredentials(env: Env): WechatPayCredentials | undefined {
  if (!complete(env, WECHATPAY_KEYS)) return undefined;
  return {
    mchid: env.WECHATPAY_MCHID!,
    appid: env.WECHATPAY_APPID!,
    privateKeyPem: env.WECHATPAY_PRIVATE_KEY!,
    serialNo: env.WECHATPAY_SERIAL_NO!,
    apiV3Key: env.WECHATPAY_APIV3_KEY!,
    platformPublicKeyPem: env.WECHATPAY_PLATFORM_PUBLIC_KEY!,
    platformPublicKeyId: env.WECHATPAY_PLATFORM_PUBLIC_KEY_ID!,
  };
}

function alipayCredentials(env: Env): AlipayCredentials | undefined {
  if (!complete(env, ALIPAY_KEYS)) return undefined;
  return {
    appId: env.ALIPAY_APP_ID!,
    privateKeyPem: env.ALIPAY_PRIVATE_KEY!,
    alipayPublicKeyPem: env.ALIPAY_PUBLIC_KEY!,
  };
}

function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

function isSecretName(name: string): boolean {
  return /SECRET|KEY|PASSWORD|TOKEN|DATABASE_(OWNER_)?URL/i.test(name);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
