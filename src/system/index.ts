export { SystemResolver } from './system.resolver.js';
export { SystemService, type QueueStatus, type SystemStatus } from './system.service.js';
