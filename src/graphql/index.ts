export { authChecker } from './auth-checker.js';
export {
  connectionTypes,
  decodeCursor,
  encodeCursor,
  listFirst,
  PageArgs,
  PageInfo,
  pageSize,
  toPage,
  type Page,
} from './connection.js';
export { actorOf, requireViewer, type GraphQLContext } from './context.js';
export { findBadInput, inputGuardPlugin, MAX_TEXT_LENGTH, textProblem } from './input-guard.js';
export {
  formatGraphQLError,
  httpStatusFor,
  isUnavailable,
  isUnexpected,
  RETRY_AFTER_SECONDS,
  SERVICE_UNAVAILABLE,
} from './errors.js';
export {
  MAX_PAGE_SIZE,
  QueryLimitError,
  queryLimitRules,
  TOKEN_LIMIT_MESSAGE,
  type QueryLimits,
} from './limits.js';
export { ViewerResolver } from './viewer.resolver.js';
export { buildGraphQLSchema, printSchemaSdl } from './schema.js';
