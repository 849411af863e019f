import diagnostics from 'node:diagnostics_channel';
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';

/** What undici publishes about a request (Node's fetch and the Alipay SDK's client both use undici). */
interface UndiciRequest {
  readonly origin: string | URL;
  readonly method: string;
  readonly path: string;
}
interface RequestMessage {
  readonly request: UndiciRequest;
}

/**
 * Outbound HTTP requests as client spans, children of the active span (the provider call's), from
 * undici's diagnostics channels. The attributes are method, scheme, host, port, path and status only:
 * never headers, bodies or query strings, which carry signatures, credentials (Alipay puts its
 * parameters in the query) and download tokens. Like the SQL spans, only requests inside a traced
 * operation get one. Returns the unsubscribe.
 */
export function traceOutboundHttp(tracer: Tracer): () => void {
  const spans = new WeakMap<UndiciRequest, Span>();
  const end = (request: UndiciRequest, fail?: unknown) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (fail !== undefined) {
      // The type only: a message may quote the URL.
      const type = fail instanceof Error ? fail.name : 'Error';
      span.setAttribute(ATTR_ERROR_TYPE, type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    }
    span.end();
  };
  const handlers: Record<string, (message: unknown) => void> = {
    'undici:request:create': (message) => {
      const { request } = message as RequestMessage;
      const parent = context.active();
      if (trace.getSpan(parent) === undefined) return;
      const origin = new URL(String(request.origin));
      const port = Number(origin.port || (origin.protocol === 'https:' ? 443 : 80));
      const span = tracer.startSpan(
        request.method,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: request.method,
            [ATTR_URL_SCHEME]: origin.protocol.replace(/:$/, ''),
            [ATTR_SERVER_ADDRESS]: origin.hostname,
            [ATTR_SERVER_PORT]: port,
            [ATTR_URL_PATH]: request.path.split('?')[0] ?? '',
          },
        },
        parent,
      );
      spans.set(request, span);
    },
    'undici:request:headers': (message) => {
      const { request, response } = message as RequestMessage & { response: { statusCode: number } };
      const span = spans.get(request);
      span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
      if (response.statusCode >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
    },
    'undici:request:trailers': (message) => end((message as RequestMessage).request),
    'undici:request:error': (message) => {
      const { request, error } = message as RequestMessage & { error: unknown };
      end(request, error);
    },
  };
  for (const [channel, handler] of Object.entries(handlers)) diagnostics.subscribe(channel, handler);
  return () => {
    for (const [channel, handler] of Object.entries(handlers)) diagnostics.unsubscribe(channel, handler);
  };
}
