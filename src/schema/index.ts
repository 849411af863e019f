/**
 * Assembles the GraphQL schema from every module's resolvers. Kept apart from `graphql/` (the toolkit
 * resolvers import) so that importing a helper never drags in every resolver: no import cycles.
 */
export { resolverClasses } from './resolvers.js';
export { buildGraphQLSchema, printSchemaSdl } from './schema.js';
