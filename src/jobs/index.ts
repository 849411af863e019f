export { createJobQueue, JOB_SCHEMA, startJobQueue, type JobDefinition, type JobQueue } from './queue.js';
export { TRACE_FIELD, traceCarrier, type TraceCarrier } from './trace-context.js';
