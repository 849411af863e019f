/**
 * The notify endpoints' HTTP plumbing: raw body bytes (signatures cover the exact bytes, PROTOCOLS
 * A1.2/B2.5), a small body limit, and replies sent exactly as the adapter shaped them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Channel, HttpReply, InboundHttpRequest } from '../providers/index.js';

/** Real notifies are a few KiB; anything near this is not one. */
export const NOTIFY_BODY_LIMIT_BYTES = 64 * 1024;

export const NOTIFY_PATHS: Readonly<Record<Channel, string>> = {
  WECHAT_PAY: '/notify/wechatpay',
  ALIPAY: '/notify/alipay',
};

export type NotifyHandler = (channel: Channel, request: InboundHttpRequest) => Promise<HttpReply>;

export async function registerNotifyRoutes(app: FastifyInstance, handle: NotifyHandler): Promise<void> {
  // A child scope, so the buffer parsers below never replace /graphql's JSON parser.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    for (const type of ['application/json', 'application/x-www-form-urlencoded', '*']) {
      scope.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: NOTIFY_BODY_LIMIT_BYTES },
        (_request, body, done) => done(null, body),
      );
    }
    for (const [channel, path] of Object.entries(NOTIFY_PATHS) as [Channel, string][]) {
      const route = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
        send(reply, await handle(channel, inbound(request)));
      scope.post(path, { bodyLimit: NOTIFY_BODY_LIMIT_BYTES }, route);
      // Some merchants give each event kind its own URL (`/notify/wechatpay/refund`); same handling.
      scope.post(`${path}/:kind`, { bodyLimit: NOTIFY_BODY_LIMIT_BYTES }, route);
    }
  });
}

function inbound(request: FastifyRequest): InboundHttpRequest {
  const body = request.body;
  return { headers: request.headers, rawBody: Buffer.isBuffer(body) ? body : Buffer.alloc(0) };
}

function send(reply: FastifyReply, answer: HttpReply): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
