export { graphqlTracingPlugin, tracedGraphQLHandler } from './graphql.js';
export { traceProvider } from './providers.js';
export type { Tracing, TracingOptions } from './options.js';
export { startTracing, withSpan } from './tracing.js';
