import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from './schema-compilers.js';

describe('lazySchemaCompilers', () => {
  it('validates and serializes a route that declares a JSON schema, as Fastify does by default', async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } });
    app.post(
      '/echo',
      {
        schema: {
          body: {
            type: 'object',
            required: ['amountMinor'],
            properties: { amountMinor: { type: 'string', pattern: '^[0-9]+$' } },
          },
          response: { 200: { type: 'object', properties: { amountMinor: { type: 'string' } } } },
        },
      },
      async (request) => ({ ...(request.body as object), internal: 'not in the response schema' }),
    );
    app.get('/plain', async () => ({ internal: 'no schema: sent as is' }));
    try {
      const refused = await app.inject({ method: 'POST', url: '/echo', payload: { amountMinor: '1.5' } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'FST_ERR_VALIDATION' });
      const echoed = await app.inject({ method: 'POST', url: '/echo', payload: { amountMinor: '150' } });
      expect(echoed.statusCode).toBe(200);
      expect(echoed.json()).toEqual({ amountMinor: '150' });
      expect((await app.inject({ url: '/plain' })).json()).toEqual({ internal: 'no schema: sent as is' });
    } finally {
      await app.close();
    }
  });
});
