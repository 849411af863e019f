import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** The tracer every span of this service comes from. */
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
