import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { EXTERNAL_ID } from '../db/index.js';

/** The longest text any argument may carry (reasons, notes, resolutions are far shorter). */
export const MAX_TEXT_LENGTH = 4_000;

/** String arguments that carry an owner's id, held to the id pattern like every `ID`. */
const OWNER_ID_NAMES = new Set(['customerId', 'merchantId', 'riderId', 'ownerId', 'liablePartyId']);

/** NUL (PostgreSQL text cannot hold it) and C0 controls other than tab, newline and carriage return. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface BadInput {
  readonly field: string;
  readonly message: string;
}

/** Why a text value is refused, or null. */
export function textProblem(text: string): string | null {
  if (text.length > MAX_TEXT_LENGTH) return `is longer than ${MAX_TEXT_LENGTH} characters`;
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode (lone surrogate)';
  if (CONTROL.test(text)) return 'contains a control character';
  return null;
}

function valueProblem(value: unknown, type: GraphQLInputType, name: string): BadInput | null {
  if (value === null || value === undefined) return null;
  if (isNonNullType(type)) return valueProblem(value, type.ofType, name);
  if (isListType(type)) {
    const items: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const problem = valueProblem(item, type.ofType, name);
      if (problem) return problem;
    }
    return null;
  }
  if (isInputObjectType(type)) {
    if (typeof value !== 'object') return null; // coercion reports it
    for (const field of Object.values(type.getFields())) {
      const problem = valueProblem((value as Record<string, unknown>)[field.name], field.type, field.name);
      if (problem) return { ...problem, field: `${name}.${problem.field}` };
    }
    return null;
  }
  if (typeof value !== 'string' || isEnumType(type)) return null;
  const text = textProblem(value);
  if (text) return { field: name, message: `${name} ${text}` };
  if (isScalarType(type) && (type.name === 'ID' || OWNER_ID_NAMES.has(name)) && !EXTERNAL_ID.test(value)) {
    return { field: name, message: `${name} is not a valid id (1–64 of A–Z, a–z, 0–9, _ and -)` };
  }
  return null;
}

/** An argument of a document with the type its value must have. */
interface TypedArgument {
  readonly value: ValueNode;
  readonly type: GraphQLInputType;
  readonly name: string;
}

/**
 * Every argument of a document with its type, in document order. Apollo keeps each parsed and
 * validated document (its document store), so a document sent again is the same object: its arguments
 * are typed once, and a request only reads its values (the variables differ per request).
 */
const typedArguments = new WeakMap<DocumentNode, readonly TypedArgument[]>();

function argumentsOf(schema: GraphQLSchema, document: DocumentNode): readonly TypedArgument[] {
  const known = typedArguments.get(document);
  if (known) return known;
  const typeInfo = new TypeInfo(schema);
  const found: TypedArgument[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (argument) found.push({ value: node.value, type: argument.type, name: argument.name });
      },
    }),
  );
  typedArguments.set(document, found);
  return found;
}

/**
 * The first argument value in the document (literals and variables alike, input objects field by
 * field) that no resolver should see: text with NUL, other control characters or lone surrogates,
 * text longer than MAX_TEXT_LENGTH, or an id outside the one external id pattern.
 */
export function findBadInput(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>>,
): BadInput | null {
  for (const argument of argumentsOf(schema, document)) {
    const value = valueFromASTUntyped(argument.value, variables);
    const problem = valueProblem(value, argument.type, argument.name);
    if (problem) return problem;
  }
  return null;
}

/**
 * Bad input is the caller's error: checked once per operation, before any resolver runs, and refused
 * with BAD_USER_INPUT (400) instead of reaching PostgreSQL as an internal error.
 */
export const inputGuardPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, request }) {
        const problem = findBadInput(schema, document, request.variables ?? {});
        if (problem) {
          throw new GraphQLError(problem.message, {
            extensions: { code: 'BAD_USER_INPUT', details: { field: problem.field }, http: { status: 400 } },
          });
        }
      },
    };
  },
};
