export { createLogger, safeUrl, type Logger } from './logger.js';
