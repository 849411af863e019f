export { OpsExceptionSchema, type OpsException } from './ops-exception.entity.js';
export { OpsExceptionsError, type OpsExceptionsErrorCode } from './ops-exceptions.errors.js';
export {
  EXCEPTION_SEVERITIES,
  type ExceptionFigure,
  type ExceptionFilter,
  type ExceptionSeverity,
  type OpsExceptionView,
  type RaisedException,
} from './ops-exceptions.model.js';
export { OpsExceptionsResolver } from './ops-exceptions.resolver.js';
export { OpsExceptionsService } from './ops-exceptions.service.js';
