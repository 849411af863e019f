import type { NonEmptyArray } from 'type-graphql';
import { SystemResolver } from '../system/index.js';
import { ViewerResolver } from './viewer.resolver.js';

/** Every resolver class in the schema. Feature modules add theirs here. */
export const RESOLVERS = [ViewerResolver, SystemResolver] as const satisfies NonEmptyArray<Function>;
