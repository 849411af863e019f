import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { TRACER, type Tracing, type TracingOptions } from './options.js';

/** Whether a tracer provider is registered (between startTracing and its shutdown). */
let started = false;

/** Whether spans are recorded now: when not, hot paths skip creating no-op spans and contexts. */
export function isTracing(): boolean {
  return started;
}

/**
 * Registers the process-wide tracer provider and the PostgreSQL instrumentation. Until this runs
 * (tracing is off by default) every span below is the API's no-op span: nothing is recorded.
 * `batch: false` exports each span as it ends (tests); production batches. The SDK is loaded here,
 * so a process with tracing off never loads it (it was a tenth of a start's module loading).
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const { startTracingSdk } = await import('./sdk.js');
  const sdk = startTracingSdk(options);
  started = true;
  return {
    async shutdown() {
      started = false;
      await sdk.shutdown();
    },
  };
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
