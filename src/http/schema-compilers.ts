import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

/**
 * Fastify's JSON-schema compilers (Ajv and fast-json-stringify, the same ones Fastify picks by
 * default), loaded when a route first declares a schema instead of when the server is created:
 * loading them was the largest part of building the HTTP server, and no route here declares one
 * (GraphQL validates its own input). Loaded at run time through `require`, so the bundle leaves them out.
 */
export function lazySchemaCompilers(): CompilersFactory {
  const load = createRequire(import.meta.url);
  /** The factory Fastify would have built from `name` (a selector called once), loaded on first use. */
  const onFirstUse = (name: string) => {
    let factory: ((...args: unknown[]) => unknown) | undefined;
    return (...args: unknown[]): unknown => {
      factory ??= (load(name) as () => (...args: unknown[]) => unknown)();
      return factory(...args);
    };
  };
  return {
    buildValidator: onFirstUse('@fastify/ajv-compiler') as ValidatorFactory,
    buildSerializer: onFirstUse('@fastify/fast-json-stringify-compiler') as SerializerFactory,
  };
}
