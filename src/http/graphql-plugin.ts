import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../graphql/index.js';
import { errorBrief } from '../logging/index.js';
import { isUnavailable, isUnexpected, RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE } from '../graphql/index.js';

/**
 * Puts the request id on every error the client sees, and logs the unexpected ones (already masked
 * for the client by `formatGraphQLError`) with that id and the real cause. An unreachable database
 * is a warning (its code and message) and answers HTTP 503 with `Retry-After`.
 */
export const requestIdPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ contextValue, errors, operationName }) {
        for (const error of errors) {
          if (isUnavailable(error)) {
            contextValue.logger.warn(
              {
                error: errorBrief(error.originalError ?? error),
                requestId: contextValue.requestId,
                operationName,
              },
              'database unavailable during GraphQL request',
            );
          } else if (isUnexpected(error)) {
            contextValue.logger.error(
              {
                err: error.originalError ?? error,
                requestId: contextValue.requestId,
                operationName,
                path: error.path,
              },
              'unexpected error in GraphQL request',
            );
          }
        }
      },
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        const errors = response.body.singleResult.errors;
        if (!errors) return;
        if (errors.some((error) => error.extensions?.['code'] === SERVICE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        }
        response.body.singleResult.errors = errors.map((error) => ({
          ...error,
          extensions: { ...error.extensions, requestId: contextValue.requestId },
        }));
      },
    };
  },
};
