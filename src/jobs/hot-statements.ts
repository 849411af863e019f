import { namedStatementsClient, statementName } from '../db/index.js';

/**
 * pg-boss fetches jobs with literal SQL (queue name and batch size written into the text) over the
 * simple protocol, so PostgreSQL parses and plans it on every poll: its fetches were a fifth of
 * PostgreSQL's CPU samples in the lifecycle benchmark, half of that parsing and planning. The text per
 * queue never changes.
 */
const LITERAL_FETCH = /^\s*WITH\s+next\s+AS\s*\(/;

export interface HotStatementLimits {
  /** Distinct texts prepared, at most (each stays prepared on every connection that ran it). */
  readonly maxPrepared: number;
  /** A text is prepared from its hotAfter-th use on: one-off statements never are. */
  readonly hotAfter: number;
  /** Texts whose uses are counted, at most; beyond that new texts are never prepared. */
  readonly maxCounted: number;
}

/**
 * Which statements to send as named prepared statements. Only those that are one statement by
 * construction qualify: statements with parameters (the extended protocol refuses more than one)
 * and pg-boss's fetch. Bounded, whatever texts the process sends.
 */
export class HotStatements {
  private readonly uses = new Map<string, number>();
  private readonly prepared = new Set<string>();

  constructor(
    private readonly limits: HotStatementLimits = { maxPrepared: 64, hotAfter: 3, maxCounted: 1_024 },
  ) {}

  /** The name to prepare `text` under, or undefined to send it as it is. */
  nameFor(text: string, values: unknown): string | undefined {
    const single = (Array.isArray(values) && values.length > 0) || LITERAL_FETCH.test(text);
    if (!single) return undefined;
    if (this.prepared.has(text)) return statementName(text);
    const count = (this.uses.get(text) ?? 0) + 1;
    if (count < this.limits.hotAfter) {
      if (this.uses.has(text) || this.uses.size < this.limits.maxCounted) this.uses.set(text, count);
      return undefined;
    }
    if (this.prepared.size >= this.limits.maxPrepared) return undefined;
    this.uses.delete(text);
    this.prepared.add(text);
    return statementName(text);
  }

  /** The texts prepared so far (diagnostics and tests). */
  preparedTexts(): string[] {
    return [...this.prepared];
  }
}

/** One policy per process: the job queue's connections share it. */
export const jobQueueStatements = new HotStatements();

/**
 * A pg client (the `Client` option of pg's pool, which pg-boss passes through) that sends pg-boss's
 * recurring statements as named prepared statements: parsed and planned once per connection instead
 * of on every call.
 */
export const HotStatementsClient = namedStatementsClient((text, values) =>
  jobQueueStatements.nameFor(text, values),
);
