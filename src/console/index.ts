export { CONSOLE_CSP, CONSOLE_PATH, registerConsoleRoutes, type ConsoleOptions } from './console.routes.js';
