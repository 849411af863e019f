import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from '../graphql/index.js';
import { resolverClasses } from './resolvers.js';

let cached: Promise<GraphQLSchema> | undefined;

/** The schema, built once per process from explicit decorator types. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers: resolverClasses(),
    authChecker,
    authMode: 'error',
    validate: false,
    emitSchemaFile: false,
  });
  return cached;
}

/** The SDL committed in `schema/schema.graphql` (sorted, so diffs show real changes only). */
export async function printSchemaSdl(): Promise<string> {
  const schema = await buildGraphQLSchema();
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
