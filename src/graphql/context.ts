import type { Actor } from '../audit/index.js';
import type { Viewer } from '../auth/index.js';
import { AccessError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';

/** What every resolver receives. Built once per request in `src/http/server.ts`. */
export interface GraphQLContext {
  readonly requestId: string;
  /** Null for anonymous callers; they reach only `__typename` and health checks. */
  readonly viewer: Viewer | null;
  readonly logger: Logger;
}

/** The viewer, or UNAUTHENTICATED. Resolvers behind `@Authorized` can rely on it. */
export function requireViewer(ctx: GraphQLContext): Viewer {
  if (ctx.viewer === null) throw AccessError.unauthenticated();
  return ctx.viewer;
}

/** The audited actor behind this request. */
export function actorOf(ctx: GraphQLContext): Actor {
  const viewer = requireViewer(ctx);
  return { id: viewer.subject, role: viewer.role, requestId: ctx.requestId };
}
