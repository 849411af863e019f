export { AccessError, DomainError, InputError, invariant, type ErrorCategory } from './domain-error.js';
export { StartupError } from './startup-error.js';
