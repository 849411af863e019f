import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { TokenVerifier, Viewer } from '../auth/index.js';
import { newId } from '../db/index.js';
import { DomainError } from '../errors/index.js';
import { aliasLimit, depthLimit, formatGraphQLError, type GraphQLContext } from '../graphql/index.js';
import type { Logger } from '../logging/index.js';
import { registerExplorer, type ExplorerOptions } from './explorer.js';
import { requestIdPlugin } from './graphql-plugin.js';

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
  readonly graphql: {
    readonly maxDepth: number;
    readonly maxAliases: number;
    readonly maxBodyBytes: number;
    readonly sandbox: boolean;
    readonly introspection: boolean;
  };
  /** The development GraphQL explorer at GET /graphql for browsers; never in production. */
  readonly explorer?: ExplorerOptions | undefined;
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
  const app = Fastify({
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
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
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
    formatError: formatGraphQLError,
    validationRules: [depthLimit(options.graphql.maxDepth), aliasLimit(options.graphql.maxAliases)],
    plugins: [
      fastifyApolloDrainPlugin(app),
      requestIdPlugin,
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
      viewer: await authenticate(request, options.tokens),
      logger: request.log as Logger,
    }),
  });
  if (options.explorer) registerExplorer(app as unknown as FastifyInstance, options.explorer);
  app.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], handler });

  if (options.routes) await app.register(async (scope) => options.routes?.(scope));
  // Apollo's drain plugin closes Fastify itself (stop accepting, drain, close idle keep-alives).
  return { app: app as unknown as FastifyInstance, close: () => apollo.stop() };
}

/** No header: anonymous. A header that does not verify: the whole request is refused with 401. */
async function authenticate(request: FastifyRequest, tokens: TokenVerifier): Promise<Viewer | null> {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  try {
    if (!match?.[1]) throw new Error('malformed');
    return await tokens.verify(match[1]);
  } catch (error) {
    const message = error instanceof DomainError ? error.message : 'A valid bearer token is required.';
    throw new GraphQLError(message, {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 }, requestId: request.id },
    });
  }
}
