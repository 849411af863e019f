export { createLogger, errorBrief, safeUrl, type Logger } from './logger.js';
