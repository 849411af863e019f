export {
  AccessError,
  DomainError,
  InputError,
  invariant,
  InvariantError,
  type ErrorCategory,
} from './domain-error.js';
export { StartupError } from './startup-error.js';
