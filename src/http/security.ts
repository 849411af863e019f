import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The security headers every response carries (helmet: HSTS, nosniff, frame-ancestors, referrer
 * policy, …), computed once: they depend on the configuration only. The content security policy is
 * the strict default unless the development sandbox is served, whose page loads Apollo's scripts.
 */
export function securityHeaders(sandbox: boolean): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const middleware = helmet({
    contentSecurityPolicy: sandbox ? false : undefined,
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  middleware({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/**
 * Sets `headers` on every response, first thing (routes may override, as the explorer and the
 * console do with their own CSP). A 401 names the scheme it expects (RFC 6750), except on the notify
 * endpoints, whose callers prove themselves with a provider signature.
 */
export function registerSecurityHeaders(
  app: FastifyInstance,
  headers: Readonly<Record<string, string>>,
): void {
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401 && !request.url.startsWith('/notify/')) {
      reply.header('www-authenticate', 'Bearer realm="takeout-refunds"');
    }
    return payload;
  });
}
