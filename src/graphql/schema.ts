import { assertValidSchema, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './auth-checker.js';

/**
 * The schema of these resolver instances (constructed, with their services, by the composition root):
 * type-graphql reads the classes' decorators and asks for each class's instance when a field resolves.
 *
 * type-graphql's own check runs the whole introspection query over the new schema (about 40 % of
 * building it); graphql-js's `assertValidSchema` is the part of it that can fail, so a start runs only
 * that (an invalid schema still stops it, with graphql's message). `printSchemaSdl` (the committed SDL
 * and its drift test) keeps type-graphql's full check.
 */
export async function buildGraphQLSchema(
  resolvers: readonly object[],
  options: { readonly introspectionCheck?: boolean } = {},
): Promise<GraphQLSchema> {
  const byClass = new Map<Function, object>(resolvers.map((resolver) => [resolver.constructor, resolver]));
  const classes = [...byClass.keys()];
  if (classes.length === 0) throw new Error('a GraphQL schema needs at least one resolver');
  const schema = await buildSchema({
    resolvers: classes as NonEmptyArray<Function>,
    container: {
      get: (someClass: Function) => {
        const instance = byClass.get(someClass);
        if (instance === undefined) throw new Error(`no resolver instance for ${someClass.name}`);
        return instance;
      },
    },
    authChecker,
    authMode: 'error',
    validate: false,
    emitSchemaFile: false,
    skipCheck: options.introspectionCheck !== true,
  });
  assertValidSchema(schema);
  return schema;
}

/** The SDL committed in `schema/schema.graphql` (sorted, so diffs show real changes only). */
export async function printSchemaSdl(resolvers: readonly object[]): Promise<string> {
  const schema = await buildGraphQLSchema(resolvers, { introspectionCheck: true });
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
