export { createHttpServer, type HttpServer, type HttpServerOptions, type ReadinessReport } from './server.js';
export {
  NOTIFY_BODY_LIMIT_BYTES,
  NOTIFY_PATHS,
  registerNotifyRoutes,
  type NotifyHandler,
} from './notify.routes.js';
