import type { NonEmptyArray } from 'type-graphql';
import { LedgerResolver } from '../ledger/index.js';
import { SystemResolver } from '../system/index.js';
import { ViewerResolver } from './viewer.resolver.js';

/** Every resolver class in the schema. Feature modules add theirs here. */
export const RESOLVERS = [ViewerResolver, SystemResolver, LedgerResolver] as const satisfies NonEmptyArray<Function>;
