export { authChecker } from './auth-checker.js';
export {
  connectionTypes,
  decodeCursor,
  encodeCursor,
  PageArgs,
  PageInfo,
  pageSize,
  toPage,
  type Page,
} from './connection.js';
export { actorOf, requireViewer, type GraphQLContext } from './context.js';
export {
  formatGraphQLError,
  httpStatusFor,
  isUnavailable,
  isUnexpected,
  RETRY_AFTER_SECONDS,
  SERVICE_UNAVAILABLE,
} from './errors.js';
export { aliasLimit, depthLimit } from './limits.js';
export { ViewerResolver } from './viewer.resolver.js';
export { buildGraphQLSchema, printSchemaSdl } from './schema.js';
