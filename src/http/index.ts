export { createHttpServer, type HttpServer, type HttpServerOptions, type ReadinessReport } from './server.js';
