import { Field, Int, ObjectType, ArgsType, type ClassType } from 'type-graphql';
import { EXTERNAL_ID } from '../db/index.js';
import { InputError } from '../errors/index.js';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1–100 (default 20).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Cursor from a previous page’s pageInfo.endCursor.' })
  after?: string | null;
}

export interface Page<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly pageInfo: PageInfo;
}

export interface EdgeShape<T> {
  cursor: string;
  node: T;
}

/** Builds `XEdge` and `XConnection` object types for a node type (Relay cursor connections). */
export function connectionTypes<T extends object>(
  node: ClassType<T>,
  name: string,
): { Edge: ClassType<EdgeShape<T>>; Connection: ClassType<Page<T>> } {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return { Edge, Connection };
}

/**
 * `first` of a plain list field (no cursor): nested lists are bounded by an argument with a maximum,
 * never silently. Use as `@Arg('first', () => Int, listFirst(50))` and `pageSize(first)` to check it.
 */
export function listFirst(
  defaultValue: number,
  max = 100,
): {
  nullable: true;
  defaultValue: number;
  description: string;
} {
  return { nullable: true, defaultValue, description: `How many, 1–${max} (default ${defaultValue}).` };
}

/** Validated page size. */
export function pageSize(first: number | null | undefined, max = 100): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new InputError(`first must be between 1 and ${max}`, 'first');
  }
  return size;
}

/** Opaque keyset cursors: base64url of a JSON tuple of timestamps and ids (e.g. `[createdAt, id]`). */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const MAX_CURSOR_LENGTH = 200;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Only what `toPage` writes: ISO instants that are real dates, and ids of the external pattern. */
function isKeyPart(part: unknown): part is string | number {
  if (typeof part === 'number') return Number.isSafeInteger(part) && part >= 0;
  if (typeof part !== 'string') return false;
  return EXTERNAL_ID.test(part) || (ISO_INSTANT.test(part) && !Number.isNaN(Date.parse(part)));
}

/** Strictly parsed: a forged or damaged cursor is BAD_USER_INPUT, never a value handed to SQL. */
export function decodeCursor(cursor: string | null | undefined, arity: number): (string | number)[] | null {
  if (cursor === null || cursor === undefined) return null;
  if (cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(key) && key.length === arity && key.every(isKeyPart)) return key;
    } catch {
      // fall through
    }
  }
  throw new InputError('after is not a cursor this API issued', 'after');
}

/** Turns `limit + 1` fetched rows into a page. */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  key: (row: R) => readonly (string | number)[],
  map: (row: R) => T,
): Page<T> {
  const visible = rows.slice(0, limit);
  const edges = visible.map((row) => ({ cursor: encodeCursor(key(row)), node: map(row) }));
  const pageInfo = new PageInfo();
  pageInfo.hasNextPage = rows.length > limit;
  pageInfo.endCursor = edges.at(-1)?.cursor ?? null;
  return { edges, pageInfo };
}
