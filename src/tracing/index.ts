export { graphqlTracingPlugin, tracedGraphQLHandler } from './graphql.js';
export { traceProvider } from './providers.js';
export { otlpExporter, startTracing, withSpan, type Tracing } from './tracing.js';
