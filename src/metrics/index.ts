export { connectionStates } from './db.js';
export { graphqlMetricsPlugin, measureRequests, metricsRoute, startMetricsServer } from './http.js';
export { Metrics, type MetricSources } from './metrics.js';
export { instrumentProvider } from './providers.js';
