import { createRequire } from 'node:module';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { traceOutboundHttp } from './http.js';
import { TRACER, type Tracing, type TracingOptions } from './options.js';

/** The OpenTelemetry SDK's side of `startTracing`: loaded only when tracing is on (see tracing.ts). */
export function startTracingSdk(options: TracingOptions): Tracing {
  const exporter: SpanExporter =
    'otlpUrl' in options.exporter
      ? new OTLPTraceExporter({ url: options.exporter.otlpUrl })
      : options.exporter;
  const processor: SpanProcessor =
    options.batch === false ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
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
  const stopHttp = traceOutboundHttp(provider.getTracer(TRACER));
  return {
    async shutdown() {
      stopHttp();
      pg.disable();
      for (const definition of pg.getModuleDefinitions()) definition.unpatch?.(require(definition.name));
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
