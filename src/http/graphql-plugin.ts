import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../graphql/index.js';
import { isUnexpected } from '../graphql/index.js';

/**
 * Puts the request id on every error the client sees, and logs the unexpected ones (already masked
 * for the client by `formatGraphQLError`) with that id and the real cause.
 */
export const requestIdPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ contextValue, errors, operationName }) {
        for (const error of errors) {
          if (isUnexpected(error)) {
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
        response.body.singleResult.errors = errors.map((error) => ({
          ...error,
          extensions: { ...error.extensions, requestId: contextValue.requestId },
        }));
      },
    };
  },
};
