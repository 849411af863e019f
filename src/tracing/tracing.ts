import { createRequire } from 'node:module';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

const TRACER = 'takeout-refunds';

export interface Tracing {
  /** Exports what is buffered, then stops tracing (the API falls back to its no-op tracer). */
  shutdown(): Promise<void>;
}

/**
 * Registers the process-wide tracer provider and the PostgreSQL instrumentation. Until this runs
 * (tracing is off by default) every span below is the API's no-op span: nothing is recorded.
 * `batch: false` exports each span as it ends (tests); production batches.
 */
export function startTracing(options: {
  readonly serviceName: string;
  readonly exporter: SpanExporter;
  readonly batch?: boolean;
}): Tracing {
  const processor: SpanProcessor =
    options.batch === false
      ? new SimpleSpanProcessor(options.exporter)
      : new BatchSpanProcessor(options.exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  // SQL outside a traced operation (the job queue's polling) would be noise: children only.
  const pg = new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false });
  pg.setTracerProvider(provider);
  pg.enable();
  // The modules are already loaded (ES imports run before any code), so the load-time hook that
  // enable() installs never fires for them: patch the loaded ones, as the hook would have.
  const require = createRequire(import.meta.url);
  for (const definition of pg.getModuleDefinitions()) definition.patch?.(require(definition.name));
  return {
    async shutdown() {
      pg.disable();
      for (const definition of pg.getModuleDefinitions()) definition.unpatch?.(require(definition.name));
      await provider.shutdown();
      trace.disable();
      context.disable();
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

/** Spans to a collector over OTLP/HTTP (JSON), e.g. `http://collector:4318/v1/traces`. */
export function otlpExporter(url: string): SpanExporter {
  return new OTLPTraceExporter({ url });
}
