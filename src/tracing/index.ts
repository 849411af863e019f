export { graphqlTracingPlugin, tracedGraphQLHandler } from './graphql.js';
export { traceProvider } from './providers.js';
export { startTracing, withSpan, type Tracing, type TracingOptions } from './tracing.js';
