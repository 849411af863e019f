import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { TokenVerifier, Viewer } from '../auth/index.js';
import type { RateLimitConfig } from '../config/index.js';
import { newId } from '../db/index.js';
import {
  formatGraphQLError,
  inputGuardPlugin,
  queryLimitRules,
  type GraphQLContext,
  type QueryLimits,
} from '../graphql/index.js';
import type { Logger } from '../logging/index.js';
import { registerExplorer, type ExplorerOptions } from './explorer.js';
import { authenticateRequests } from './authentication.js';
import { graphqlMetricsPlugin, measureRequests, metricsRoute, type Metrics } from '../metrics/index.js';
import { graphqlTracingPlugin, tracedGraphQLHandler } from '../tracing/index.js';
import { requestIdPlugin } from './graphql-plugin.js';
import { registerRateLimit } from './rate-limit.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import { registerSecurityHeaders, securityHeaders } from './security.js';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, { ok: boolean; detail?: string }>>;
}

export interface HttpServerOptions {
  readonly logger: Logger;
  /** Built by the composition root from its resolver instances (`buildGraphQLSchema`). */
  readonly schema: GraphQLSchema;
  readonly tokens: TokenVerifier;
  readonly readiness: () => Promise<ReadinessReport>;
  readonly graphql: QueryLimits & {
    readonly maxBodyBytes: number;
    readonly sandbox: boolean;
    readonly introspection: boolean;
  };
  /** The development GraphQL explorer at GET /graphql for browsers; never in production. */
  readonly explorer?: ExplorerOptions | undefined;
  readonly rateLimit: RateLimitConfig;
  /** Serve HTTPS (HTTP/2 with HTTP/1.1 fallback) with this certificate and key. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Fastify's `trustProxy`, when a terminating proxy sets X-Forwarded-For. */
  readonly trustProxy?: boolean | number | string | undefined;
  /** Request and operation metrics; `/metrics` on this port too when `metricsToken` is set. */
  readonly metrics?: Metrics | undefined;
  readonly metricsToken?: string | undefined;
  /** Plain HTTP routes beside /graphql (provider notify callbacks, reports). */
  readonly routes?: ((app: FastifyInstance) => Promise<void> | void) | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export interface HttpServer {
  readonly app: FastifyInstance;
  /** Stops accepting connections, drains in-flight requests, stops Apollo. */
  readonly close: () => Promise<void>;
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const tls = options.tls && {
    http2: true as const,
    https: {
      allowHTTP1: true,
      cert: readFileSync(options.tls.certFile),
      key: readFileSync(options.tls.keyFile),
    },
  };
  // One Fastify type for both transports: the routes below use only what HTTP/1.1 and HTTP/2 share.
  const app = Fastify({
    ...(tls as object),
    // A hop count is valid at run time (proxy-addr), though Fastify's types omit it.
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy as string }),
    loggerInstance: options.logger.child({ component: 'http' }),
    bodyLimit: options.graphql.maxBodyBytes,
    // Reuse a caller's id (trace propagation) only if it looks like one; otherwise mint our own.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // One access-log line per request (below) instead of Fastify's two ("incoming request" and
    // "request completed"): each line is a synchronous write to stdout, half the api's logging cost.
    logController: new LogController({ disableRequestLogging: true }),
    schemaController: { compilersFactory: lazySchemaCompilers() },
  }) as unknown as FastifyInstance;
  const headers = securityHeaders(options.graphql.sandbox);
  registerSecurityHeaders(app, headers);
  authenticateRequests(app, options.tokens);
  const metrics = options.metrics;
  registerRateLimit(app, {
    config: options.rateLimit,
    trustProxy: options.trustProxy,
    headers,
    logger: options.logger.child({ component: 'rate-limit' }),
    refused: metrics && ((budget) => metrics.rateLimited.inc({ budget })),
  });
  if (options.metrics) {
    measureRequests(app, options.metrics);
    if (options.metricsToken) metricsRoute(app, options.metrics, options.metricsToken);
  }
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // Refusals by the rate limiter are counted in the metrics, not logged one by one: an attacker
    // must not turn each refused request into a log write (and a flood of log lines).
    const level = reply.statusCode === 429 ? 'debug' : 'info';
    request.log[level](
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const code = status >= 500 ? 'INTERNAL_SERVER_ERROR' : (error.code ?? 'BAD_REQUEST');
    void reply.status(status).send({
      error: { code, message: status >= 500 ? 'Internal error' : error.message, requestId: request.id },
    });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await options.readiness();
    return reply.status(report.ready ? 200 : 503).send(report);
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.graphql.introspection,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (src/main.ts): stop accepting, drain, then jobs, pool and PostgreSQL, in order.
    stopOnTerminationSignals: false,
    formatError: formatGraphQLError(options.graphql.introspection),
    // The parser stops at the token limit, before any validation rule runs.
    parseOptions: { maxTokens: options.graphql.maxTokens },
    validationRules: queryLimitRules(options.graphql),
    allowBatchedHttpRequests: false,
    plugins: [
      fastifyApolloDrainPlugin(app),
      requestIdPlugin,
      inputGuardPlugin,
      ...(options.metrics ? [graphqlMetricsPlugin(options.metrics)] : []),
      graphqlTracingPlugin,
      // Responses are per viewer and never cached by HTTP caches; the default cache-control plugin
      // would still compute a cache hint for every field of every response.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's own landing page loads from a CDN; development gets the bundled explorer instead.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const handler = fastifyApolloHandler(apollo, {
    context: async (request) => ({
      requestId: request.id,
      viewer: viewerOf(request),
      logger: request.log as Logger,
    }),
  });
  if (options.explorer) registerExplorer(app, options.explorer);
  app.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], handler: tracedGraphQLHandler(handler) });

  if (options.routes) await app.register(async (scope) => options.routes?.(scope));
  // Apollo's drain plugin closes Fastify itself (stop accepting, drain, close idle keep-alives).
  return { app, close: () => apollo.stop() };
}

/** No header: anonymous. A header that does not verify: the whole request is refused with 401. */
function viewerOf(request: FastifyRequest): Viewer | null {
  const auth = request.authentication;
  if (auth.kind === 'anonymous') return null;
  if (auth.kind === 'viewer') return auth.viewer;
  throw new GraphQLError(auth.message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 }, requestId: request.id },
  });
}
