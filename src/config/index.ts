export { ConfigError, DEV_JWT_SECRET, loadConfig, type AppConfig } from './config.js';
