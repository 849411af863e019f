import type { ApolloServerPlugin } from '@apollo/server';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

/** Request latency by route pattern (never the raw URL: ids would make unbounded label sets). */
export function measureRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}

/** Operation latency and errors by operation name (anonymous operations as `anonymous`). */
export function graphqlMetricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors }) {
          const name = operationName ?? 'anonymous';
          metrics.graphqlDuration.observe(
            { operation: name, type: operation?.operation ?? 'unknown' },
            (performance.now() - started) / 1000,
          );
          for (const error of errors ?? []) {
            const code = error.extensions['code'];
            metrics.graphqlErrors.inc({ operation: name, code: typeof code === 'string' ? code : 'UNKNOWN' });
          }
        },
      };
    },
  };
}

function sameToken(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(`Bearer ${expected}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `/metrics` on the api's own port, for the bearer METRICS_TOKEN only (404 to anyone else). */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string): void {
  app.get('/metrics', async (request, reply) => {
    if (!sameToken(request.headers.authorization, token))
      return reply.status(404).send({ error: { code: 'NOT_FOUND' } });
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** A listener of its own for `/metrics` (METRICS_PORT, loopback by default): for the worker too. */
export async function startMetricsServer(
  metrics: Metrics,
  host: string,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
