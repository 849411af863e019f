import type { AuthChecker } from 'type-graphql';
import { AccessError } from '../errors/index.js';
import type { Role } from '../auth/index.js';
import type { GraphQLContext } from './context.js';

/**
 * `@Authorized()` = any signed-in caller; `@Authorized(Role.FINANCE, Role.ADMIN)` = only those roles.
 * Ownership ("a customer sees only their own") is checked in the service, which knows the owner.
 */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  if (context.viewer === null) throw AccessError.unauthenticated();
  if (roles.length === 0 || roles.includes(context.viewer.role)) return true;
  throw AccessError.forbidden();
};
