import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export const TRACER = 'takeout-refunds';

export interface Tracing {
  /** Exports what is buffered, then stops tracing (the API falls back to its no-op tracer). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  readonly serviceName: string;
  /** Where spans go: an exporter (tests: in memory), or a collector over OTLP/HTTP (JSON). */
  readonly exporter: SpanExporter | { readonly otlpUrl: string };
  readonly batch?: boolean;
}

/**
 * Registers the process-wide tracer provider and the PostgreSQL instrumentation. Until this runs
 * (tracing is off by default) every span below is the API's no-op span: nothing is recorded.
 * `batch: false` exports each span as it ends (tests); production batches. The SDK is loaded here,
 * so a process with tracing off never loads it (it was a tenth of a start's module loading).
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const { startTracingSdk } = await import('./sdk.js');
  return startTracingSdk(options);
}

/** Runs `fn` inside a span (a child of the active one), ended with `fn`'s outcome. */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.name : undefined,
      });
      throw error;
    } finally {
      span.end();
    }
  });
}
