import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response (@fastify/helmet: HSTS, nosniff, frame-ancestors, referrer
 * policy, …). The content security policy is the strict default unless the development sandbox is
 * served, whose page loads Apollo's scripts. A 401 names the scheme it expects (RFC 6750), except on
 * the notify endpoints, whose callers prove themselves with a provider signature.
 */
export async function registerSecurityHeaders(app: FastifyInstance, sandbox: boolean): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: sandbox ? false : undefined,
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401 && !request.url.startsWith('/notify/')) {
      reply.header('www-authenticate', 'Bearer realm="takeout-refunds"');
    }
    return payload;
  });
}
