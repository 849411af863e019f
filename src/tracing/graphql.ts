import type { ApolloServerPlugin } from '@apollo/server';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isTracing, withSpan } from './tracing.js';

type Handler<This, Req, Reply, R> = (this: This, request: Req, reply: Reply) => R | Promise<R>;

/**
 * The GraphQL route's handler inside a server span, so that what the operation runs (SQL, jobs it
 * queues) are its children. The plugin below names the span once the operation is known. With tracing
 * off (the default) the handler runs as it is: no no-op span, no context switch per request.
 */
export function tracedGraphQLHandler<This, Req, Reply, R>(
  handler: Handler<This, Req, Reply, R>,
): Handler<This, Req, Reply, R> {
  return function (this: This, request: Req, reply: Reply): R | Promise<R> {
    if (!isTracing()) return handler.call(this, request, reply);
    return withSpan('graphql', {}, async () => handler.call(this, request, reply), SpanKind.SERVER);
  };
}

/** Names the active GraphQL span after the operation and marks it failed when an error is returned. */
export const graphqlTracingPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    if (!isTracing()) return;
    return {
      async didResolveOperation({ operation, operationName }) {
        const span = trace.getActiveSpan();
        const type = operation?.operation ?? 'unknown';
        span?.updateName(`graphql ${type} ${operationName ?? '(anonymous)'}`);
        span?.setAttributes({
          'graphql.operation.type': type,
          ...(operationName ? { 'graphql.operation.name': operationName } : {}),
        });
      },
      async didEncounterErrors({ errors }) {
        const codes = [
          ...new Set(errors.map(({ extensions: { code } }) => (typeof code === 'string' ? code : 'UNKNOWN'))),
        ];
        trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
      },
    };
  },
};
