import type { EntityManager, Orm, SqlRow } from '../db/index.js';
import { accountSpec, normalSide, shardOf } from './chart-of-accounts.js';
import type { JournalEntry } from './journal-entry.entity.js';
import { LedgerError } from './ledger.errors.js';
import type {
  AccountView,
  EntryInput,
  EntryReference,
  EntryView,
  PostingInput,
  PostResult,
} from './ledger.model.js';
import { LedgerQueries } from './ledger.queries.js';
import { bodyHash, idempotencyKeyOf, reversalOf, validateEntry } from './ledger.rules.js';
import {
  ACCOUNT_COLUMNS,
  dbDirection,
  ENTRY_COLUMNS,
  LOGICAL_ACCOUNTS,
  retryingTransaction,
  sqlOn,
  sqlOnPool,
  toAccountView,
  toEntryView,
  toPostingView,
  translateError,
  type AccountRow,
  type EntryRow,
  type Sql,
} from './ledger.sql.js';

export interface PostOptions {
  /**
   * Post inside the caller's transaction (`em.transactional(async (em) => ledger.post(entry, { em }))`),
   * so a refund row, its ledger entry, the audit event and the job commit together. In that case a
   * deadlock or serialization failure is the caller's to retry (the whole transaction), and a thrown
   * LedgerError from the database (e.g. INSUFFICIENT_FUNDS) leaves the transaction aborted: roll back.
   * Without `em` (or with one outside a transaction) the ledger commits on its own and retries.
   */
  readonly em?: EntityManager;
}

/** An entry ready to insert: see `LedgerService.prepare`. The arrays are its legs, in insert order. */
export interface PreparedEntry {
  readonly entry: EntryInput;
  readonly reversesEntryId: string | null;
  readonly idempotencyKey: string;
  readonly bodyHash: string;
  readonly legs: readonly { posting: PostingInput; accountId: string; logicalId: string }[];
  readonly accountIds: readonly string[];
  readonly directions: readonly ('D' | 'C')[];
  readonly amounts: readonly string[];
  readonly currencies: readonly string[];
}

export interface ReverseOptions extends PostOptions {
  readonly idempotencyKey?: string;
}

/** Posting path bound to one entity manager, for callers that prefer `ledger.inTransaction(em).post(…)`. */
export interface LedgerWriter {
  post(entry: EntryInput): Promise<PostResult>;
  reverse(entryId: string, reason: string, options?: { idempotencyKey?: string }): Promise<PostResult>;
}

const MAX_ATTEMPTS = 6;

/** One physical account row: a shard of (code, currency). */
interface AccountRef {
  readonly code: string;
  readonly currency: string;
  readonly shard: number;
}

/** A physical row's id and the id of its logical account (the shard-0 row), which reads present. */
interface ResolvedAccount {
  readonly id: string;
  readonly logicalId: string;
}

/**
 * The ledger's write side and its read queries. A post is one SQL statement (`ledger_post_entry`:
 * entry + postings); the posting trigger locks the touched accounts in id order and updates their totals, and the
 * balance check runs at commit. Accounts are created on first use from the chart of accounts.
 */
export class LedgerService extends LedgerQueries {
  /** (code, currency, shard) → ids, for account rows known to be committed. Accounts are never deleted. */
  private readonly accountIds = new Map<string, ResolvedAccount>();
  private readonly pool: Sql;

  constructor(orm: Orm) {
    const pool = sqlOnPool(orm);
    super(pool);
    this.pool = pool;
  }

  async post(entry: EntryInput, options: PostOptions = {}): Promise<PostResult> {
    validateEntry(entry);
    return this.run(options.em, (sql) => this.insertEntry(sql, entry, null, entry.reference));
  }

  async reverse(entryId: string, reason: string, options: ReverseOptions = {}): Promise<PostResult> {
    return this.run(options.em, async (sql) => {
      const original = await this.loadEntry(sql, entryId);
      const reversal = reversalOf(original, reason, options.idempotencyKey);
      validateEntry(reversal);
      // Sharded by the original's reference, so the reversal hits the rows the original posted to.
      return this.insertEntry(sql, reversal, original.id, original.reference);
    });
  }

  inTransaction(em: EntityManager): LedgerWriter {
    return {
      post: (entry) => this.post(entry, { em }),
      reverse: (entryId, reason, options = {}) => this.reverse(entryId, reason, { ...options, em }),
    };
  }

  /** The account for (code, currency), created from the chart of accounts if it does not exist yet. */
  async ensureAccount(code: string, currency: string, options: PostOptions = {}): Promise<AccountView> {
    const sql = options.em ? sqlOn(options.em) : this.pool;
    const ref = { code, currency, shard: 0 };
    const ids = await this.resolveAccounts(sql, [ref]);
    const rows = await sql.rows<AccountRow>(
      `select ${ACCOUNT_COLUMNS} from ${LOGICAL_ACCOUNTS} where a.id = $1`,
      [ids.get(accountKey(ref))!.logicalId],
    );
    return toAccountView(rows[0]!);
  }

  private async run<T>(em: EntityManager | undefined, work: (sql: Sql) => Promise<T>): Promise<T> {
    if (em?.isInTransaction()) return translated(() => work(sqlOn(em)));
    const sql = em ? sqlOn(em) : this.pool;
    return retryingTransaction(() => translated(() => work(sql)), {
      attempts: MAX_ATTEMPTS,
      exhausted: (attempts) =>
        new LedgerError(
          'CONCURRENCY_EXHAUSTED',
          `gave up after ${attempts} deadlocks or serialization failures`,
        ),
    });
  }

  /**
   * Everything a post needs before it writes: the entry validated, its key and body hash, and each leg
   * on its physical account row (shard), sorted by row id. May read (a draw-down leg's earlier shard)
   * and create missing accounts. `refund_request_batch` takes a prepared entry to post in the same call.
   */
  async prepare(entry: EntryInput, options: PostOptions = {}): Promise<PreparedEntry> {
    validateEntry(entry);
    return translated(() =>
      this.prepareOn(options.em ? sqlOn(options.em) : this.pool, entry, null, entry.reference),
    );
  }

  private async prepareOn(
    sql: Sql,
    entry: EntryInput,
    reversesEntryId: string | null,
    shardReference: EntryReference,
  ): Promise<PreparedEntry> {
    const refs = await this.shardsFor(sql, entry, shardReference);
    const ids = await this.resolveAccounts(sql, refs);
    // Legs go in by (physical) account id: the posting trigger locks each account row as its leg is
    // inserted, so every poster locks in the same order and concurrent posts cannot deadlock on accounts.
    const legs = entry.postings
      .map((posting, i) => {
        const account = ids.get(accountKey(refs[i]!))!;
        return { posting, accountId: account.id, logicalId: account.logicalId };
      })
      .sort((a, b) => compareIds(a.accountId, b.accountId));
    return {
      entry,
      reversesEntryId,
      idempotencyKey: idempotencyKeyOf(entry),
      bodyHash: bodyHash(entry, reversesEntryId),
      legs,
      accountIds: legs.map((l) => l.accountId),
      directions: legs.map((l) => dbDirection(l.posting.direction)),
      amounts: legs.map((l) => l.posting.amount.amountMinor.toString()),
      currencies: legs.map((l) => l.posting.amount.currency),
    };
  }

  /** One statement (`ledger_post_entry`): the entry, unless its key exists, and all its postings. */
  private async insertEntry(
    sql: Sql,
    entry: EntryInput,
    reversesEntryId: string | null,
    shardReference: EntryReference,
  ): Promise<PostResult> {
    const prepared = await this.prepareOn(sql, entry, reversesEntryId, shardReference);
    const { idempotencyKey: key, bodyHash: hash, legs } = prepared;
    const rows = await sql.prepared<
      EntryRow & {
        postingId: string;
        postingAccountId: string;
        direction: string;
        amountMinor: string;
        currency: string;
      }
    >(
      `select id, kind, reference_type as "referenceType", reference_id as "referenceId", memo,
              created_at as "createdAt", reverses_entry_id as "reversesEntry", idempotency_key as "idempotencyKey",
              p_id as "postingId", p_account_id as "postingAccountId", p_direction as direction,
              p_amount as "amountMinor", p_currency as currency
         from ledger_post_entry($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        entry.kind,
        entry.reference.type,
        entry.reference.id,
        entry.memo ?? null,
        reversesEntryId,
        key,
        hash,
        prepared.accountIds,
        prepared.directions,
        prepared.amounts,
        prepared.currencies,
      ],
    );
    const first = rows[0];
    if (first === undefined) return this.replay(sql, key, hash);
    const byRow = new Map(legs.map((l) => [l.accountId, l]));
    const postings = rows.map((r) => {
      const leg = byRow.get(r.postingAccountId)!;
      const { postingId: id, id: entryId, direction, amountMinor, currency } = r;
      return toPostingView({
        id,
        entryId,
        accountId: leg.logicalId,
        code: leg.posting.account,
        direction,
        amountMinor,
        currency,
      });
    });
    return { entry: toEntryView(first, postings), replayed: false };
  }

  /** The key already posted: the same body is a replay, a different body is a conflict. */
  private async replay(sql: Sql, key: string, hash: string): Promise<PostResult> {
    const rows = await sql.rows<EntryRow & SqlRow<JournalEntry, 'bodyHash'>>(
      `select ${ENTRY_COLUMNS}, e.body_hash as "bodyHash" from journal_entry e where e.idempotency_key = $1`,
      [key],
    );
    const existing = rows[0];
    if (existing === undefined) {
      throw new Error(`Invariant violated: idempotency key ${key} conflicted but no entry is visible`);
    }
    if (existing.bodyHash !== hash) {
      throw new LedgerError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was used for a different entry', {
        entryId: String(existing.id),
      });
    }
    return {
      entry: toEntryView(existing, await this.postingsOf(sql, [String(existing.id)])),
      replayed: true,
    };
  }

  private async loadEntry(sql: Sql, entryId: string): Promise<EntryView> {
    if (!/^[1-9][0-9]{0,18}$/.test(entryId))
      throw new LedgerError('ENTRY_NOT_FOUND', `no journal entry ${entryId}`);
    const rows = await sql.rows<EntryRow>(`select ${ENTRY_COLUMNS} from journal_entry e where e.id = $1`, [
      entryId,
    ]);
    const row = rows[0];
    if (row === undefined) throw new LedgerError('ENTRY_NOT_FOUND', `no journal entry ${entryId}`);
    return toEntryView(row, await this.postingsOf(sql, [entryId]));
  }

  /**
   * The row each leg posts to. A hot account's shard comes from the shard reference (the entry's own,
   * or for a reversal the original's), so all entries of one refund use one in-flight row. A leg that
   * draws down a non-negative hot account goes to the shard its reference credited first, if any: that
   * keeps the per-row CHECK satisfiable across a change of shard count and for balances that predate
   * sharding (they sit on shard 0).
   */
  private async shardsFor(
    sql: Sql,
    entry: EntryInput,
    shardReference: EntryReference,
  ): Promise<AccountRef[]> {
    const refs: AccountRef[] = [];
    for (const posting of entry.postings) {
      const spec = accountSpec(posting.account);
      const ref = { code: posting.account, currency: posting.amount.currency };
      if (spec.shards <= 1) {
        refs.push({ ...ref, shard: 0 });
        continue;
      }
      const drawsDown = spec.nonNegative && posting.direction !== normalSide(spec.type);
      const earlier = drawsDown ? await this.shardUsedBy(sql, shardReference, ref) : null;
      refs.push({ ...ref, shard: earlier ?? shardOf(shardReference.id, spec.shards) });
    }
    return refs;
  }

  private async shardUsedBy(
    sql: Sql,
    reference: EntryReference,
    account: { code: string; currency: string },
  ): Promise<number | null> {
    const rows = await sql.prepared<{ shard: unknown }>(
      `select a.shard from journal_entry e
         join posting p on p.entry_id = e.id
         join ledger_account a on a.id = p.account_id
        where e.reference_type = $1 and e.reference_id = $2 and a.code = $3 and a.currency = $4
        order by p.id limit 1`,
      [reference.type, reference.id, account.code, account.currency],
    );
    return rows[0] === undefined ? null : Number(rows[0].shard);
  }

  /**
   * Ids for account rows, inserting missing accounts race-safely (ON CONFLICT DO NOTHING, sorted so two
   * creators cannot deadlock). A missing account gets all its shards at once, shard 0 first, so the
   * logical account (shard 0's id) always exists beside any shard. Only rows that predate the current
   * transaction are cached: an account created inside a caller's transaction vanishes on rollback.
   */
  private async resolveAccounts(
    sql: Sql,
    refs: readonly AccountRef[],
  ): Promise<Map<string, ResolvedAccount>> {
    const found = new Map<string, ResolvedAccount>();
    const missing = new Map<string, AccountRef>();
    for (const ref of refs) {
      const key = accountKey(ref);
      const cached = this.accountIds.get(key);
      if (cached !== undefined) found.set(key, cached);
      else missing.set(key, ref);
    }
    if (missing.size === 0) return found;
    const wanted = [...missing.values()];
    let rows = await this.selectAccounts(sql, wanted);
    if (rows.length < wanted.length) {
      await this.insertAccounts(sql, wanted);
      rows = await this.selectAccounts(sql, wanted);
    }
    for (const row of rows) {
      const key = accountKey({ code: row.code, currency: row.currency, shard: Number(row.shard) });
      if (row.logical_id === null) throw new Error(`Invariant violated: account ${row.code} has no shard 0`);
      const resolved = { id: String(row.id), logicalId: String(row.logical_id) };
      found.set(key, resolved);
      if (row.committed) this.accountIds.set(key, resolved);
    }
    if (found.size < new Set(refs.map(accountKey)).size) {
      throw new Error('Invariant violated: an account could not be created or found');
    }
    return found;
  }

  private selectAccounts(sql: Sql, refs: readonly AccountRef[]) {
    return sql.prepared<{
      id: unknown;
      logical_id: string | null;
      code: string;
      currency: string;
      shard: unknown;
      committed: boolean;
    }>(
      `select a.id, h.id as logical_id, a.code, a.currency, a.shard, a.created_at <> now() as committed
         from ledger_account a
         join unnest($1::varchar[], $2::varchar[], $3::smallint[]) as r(code, currency, shard)
           on a.code = r.code and a.currency = r.currency and a.shard = r.shard
         left join ledger_account h on h.code = a.code and h.currency = a.currency and h.shard = 0`,
      [refs.map((r) => r.code), refs.map((r) => r.currency), refs.map((r) => r.shard)],
    );
  }

  private async insertAccounts(sql: Sql, refs: readonly AccountRef[]): Promise<void> {
    const rows = new Map<string, AccountRef & ReturnType<typeof accountSpec>>();
    for (const ref of refs) {
      const spec = accountSpec(ref.code);
      for (let shard = 0; shard < Math.max(spec.shards, ref.shard + 1); shard++) {
        const row = { ...spec, currency: ref.currency, shard };
        rows.set(accountKey(row), row);
      }
    }
    const sorted = [...rows.values()].sort(
      (a, b) => compare(a.code, b.code) || compare(a.currency, b.currency) || a.shard - b.shard,
    );
    await sql.rows(
      `insert into ledger_account (code, currency, shard, type, owner_kind, owner_id, non_negative)
       select * from unnest($1::varchar[], $2::varchar[], $3::smallint[], $4::varchar[], $5::varchar[], $6::varchar[], $7::boolean[])
       on conflict (code, currency, shard) do nothing`,
      [
        sorted.map((s) => s.code),
        sorted.map((s) => s.currency),
        sorted.map((s) => s.shard),
        sorted.map((s) => s.type),
        sorted.map((s) => s.ownerKind),
        sorted.map((s) => s.ownerId),
        sorted.map((s) => s.nonNegative),
      ],
    );
  }
}

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateError(error);
  }
}

function accountKey(ref: AccountRef): string {
  return `${ref.code}\u0000${ref.currency}\u0000${ref.shard}`;
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
