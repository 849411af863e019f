export { createLogger, errorBrief, safeUrl, type Logger } from './logger.js';
export { formatStartTimeline, startStep } from './start-timeline.js';
