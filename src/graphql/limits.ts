import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  valueFromASTUntyped,
  type ASTVisitor,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  readonly maxCost: number;
}

/** A document refused by a limit; the error formatter keeps its `QUERY_LIMIT` code. */
export class QueryLimitError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'QUERY_LIMIT', http: { status: 400 } } });
  }
}

/** graphql-js' own message when `parseOptions.maxTokens` stops the parser. */
export const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens/; // sic: graphql-js says "that"

const report = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(new QueryLimitError(error.message.replace(/^Syntax Error: /, '')));

/**
 * Validation rules bounding what one document may ask for. Depth, aliases and directives come from
 * graphql-armor (each fragment measured once, introspection included); the cost rule is ours because
 * it needs the schema to count lists by their page size.
 */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  const common = { exposeLimits: true, propagateOnRejection: false, onReject: [report] };
  return [
    maxDepthRule({ ...common, n: limits.maxDepth, ignoreIntrospection: false, flattenFragments: true }),
    maxAliasesRule({ ...common, n: limits.maxAliases, allowList: [] }),
    maxDirectivesRule({ ...common, n: limits.maxDirectives }),
    costLimitRule(limits.maxCost),
  ];
}

/** Items assumed for a list field without a `first` argument (small fixed lists such as figures). */
export const UNPAGED_LIST_COST = 5;

/**
 * Cost = the number of fields the document may resolve: each field counts 1, a sub-selection counts
 * once per item its field may return (`first`, or its default, for paged fields; the connection's
 * `edges` are already counted by its `first`). Each fragment is costed once and reused at every spread,
 * so the walk is linear in the document whatever the fan-out. Variables are not known at validation:
 * a `first` given by a variable counts as the page-size ceiling. Introspection is costed like any field.
 */
export function costLimitRule(maxCost: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const root = rootType(context.getSchema(), node.operation);
      if (!root) return;
      const cost = new CostWalk(context).selectionCost(node.selectionSet, root);
      if (cost > maxCost) {
        context.reportError(
          new QueryLimitError(`Query cost ${Math.min(cost, 1e12)} exceeds the limit of ${maxCost}.`),
        );
      }
    },
  });
}

/** The largest page a `first` argument may ask for (see `pageSize`). */
export const MAX_PAGE_SIZE = 100;

class CostWalk {
  private readonly fragments = new Map<string, number>();
  constructor(private readonly context: ValidationContext) {}

  selectionCost(set: SelectionSetNode, parent: GraphQLCompositeType): number {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += this.fieldCost(selection, parent);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? this.context.getSchema().getType(selection.typeCondition.name.value)
          : parent;
        if (type && isCompositeType(type)) cost += this.selectionCost(selection.selectionSet, type);
      } else {
        cost += this.fragmentCost(selection.name.value);
      }
    }
    return cost;
  }

  private fragmentCost(name: string): number {
    const known = this.fragments.get(name);
    if (known !== undefined) return known;
    this.fragments.set(name, 0); // a cycle (invalid anyway) costs nothing more
    const fragment = this.context.getFragment(name);
    const type = fragment && this.context.getSchema().getType(fragment.typeCondition.name.value);
    const cost =
      fragment && type && isCompositeType(type) ? this.selectionCost(fragment.selectionSet, type) : 0;
    this.fragments.set(name, cost);
    return cost;
  }

  private fieldCost(node: FieldNode, parent: GraphQLCompositeType): number {
    if (!node.selectionSet) return 1;
    const field = fieldOf(this.context.getSchema(), parent, node.name.value);
    if (!field) return 1;
    const type = getNamedType(field.type);
    if (!isCompositeType(type)) return 1;
    return 1 + itemsOf(node, field) * this.selectionCost(node.selectionSet, type);
  }
}

function itemsOf(node: FieldNode, field: GraphQLField<unknown, unknown>): number {
  const first = field.args.find((arg) => arg.name === 'first');
  if (first) {
    const given = node.arguments?.find((arg) => arg.name.value === 'first');
    if (given === undefined) return typeof first.defaultValue === 'number' ? first.defaultValue : 20;
    const value: unknown = valueFromASTUntyped(given.value);
    if (given.value.kind === Kind.VARIABLE || typeof value !== 'number') return MAX_PAGE_SIZE;
    return Math.max(1, value);
  }
  if (node.name.value === 'edges') return 1;
  return isListType(getNullableType(field.type)) ? UNPAGED_LIST_COST : 1;
}

function fieldOf(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === SchemaMetaFieldDef.name && parent === schema.getQueryType()) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name && parent === schema.getQueryType()) return TypeMetaFieldDef;
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

function rootType(schema: GraphQLSchema, operation: string): GraphQLCompositeType | null | undefined {
  if (operation === 'query') return schema.getQueryType();
  if (operation === 'mutation') return schema.getMutationType();
  return schema.getSubscriptionType();
}
