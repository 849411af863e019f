export { createJobQueue, JOB_SCHEMA, startJobQueue, type JobDefinition, type JobQueue } from './queue.js';
