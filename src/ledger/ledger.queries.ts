import type { SqlRow } from '../db/index.js';
import { InputError } from '../errors/index.js';
import type { Money } from '../money/index.js';
import { normalSide, type AccountType, type OwnerKind } from './chart-of-accounts.js';
import type { JournalEntry } from './journal-entry.entity.js';
import { assertMayRead, type LedgerScope } from './ledger.access.js';
import { LedgerError } from './ledger.errors.js';
import type { AccountView, EntryView, PostingView, StatementLine, TrialBalanceLine } from './ledger.model.js';
import type { Posting } from './posting.entity.js';
import {
  ACCOUNT_COLUMNS,
  LOGICAL_ACCOUNTS,
  big,
  date,
  direction,
  ENTRY_COLUMNS,
  toAccountView,
  toEntryView,
  toPostingView,
  type AccountRow,
  type EntryRow,
  type PostingRow,
  type Sql,
} from './ledger.sql.js';

/** Keyset page request: `afterId` comes from the previous page's last item. */
export interface PageRequest {
  readonly first: number;
  readonly afterId: string | null;
}

export interface Slice<T> {
  readonly items: readonly T[];
  readonly hasNextPage: boolean;
}

export interface AccountFilter {
  readonly ownerKind?: OwnerKind | null;
  readonly ownerId?: string | null;
  readonly type?: AccountType | null;
  readonly currency?: string | null;
}

export interface EntryFilter {
  readonly referenceType?: string | null;
  readonly referenceId?: string | null;
  /** Entries touching this account (code + currency). */
  readonly account?: { readonly code: string; readonly currency: string } | null;
  readonly from?: Date | null;
  readonly to?: Date | null;
}

/** An account over a window, debit-minus-credit (the natural sign of an ASSET account). */
export interface AccountActivity {
  readonly openingMinor: bigint;
  readonly debitMinor: bigint;
  readonly creditMinor: bigint;
  readonly closingMinor: bigint;
}

export interface CachedBalanceMismatch {
  readonly accountId: string;
  readonly cached: { debits: bigint; credits: bigint };
  readonly posted: { debits: bigint; credits: bigint };
}

const ID = /^[1-9][0-9]{0,18}$/;

/** Read side of the ledger: accounts, entries, statements, trial balance. Reads never lock. */
export class LedgerQueries {
  constructor(private readonly reader: Sql) {}

  async findAccount(
    code: string,
    currency: string,
    scope: LedgerScope = { kind: 'ALL' },
  ): Promise<AccountView | null> {
    assertMayRead(scope, code);
    const rows = await this.reader.rows<AccountRow>(
      `select ${ACCOUNT_COLUMNS} from ${LOGICAL_ACCOUNTS} where a.code = $1 and a.currency = $2 and a.shard = 0`,
      [code, currency],
    );
    return rows[0] === undefined ? null : toAccountView(rows[0]);
  }

  /** Normal-side balance; zero for an account that has never been used. */
  async balanceOf(code: string, currency: string): Promise<Money> {
    return (await this.findAccount(code, currency))?.balance ?? { amountMinor: 0n, currency };
  }

  async listAccounts(
    scope: LedgerScope,
    filter: AccountFilter,
    page: PageRequest,
  ): Promise<Slice<AccountView>> {
    const params: unknown[] = [];
    const $ = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = ['a.shard = 0'];
    const owner = scope.kind === 'OWNER' ? scope : filter;
    if (owner.ownerKind) where.push(`a.owner_kind = ${$(owner.ownerKind)}`);
    if (owner.ownerId) where.push(`a.owner_id = ${$(owner.ownerId)}`);
    if (filter.type) where.push(`a.type = ${$(filter.type)}`);
    if (filter.currency) where.push(`a.currency = ${$(filter.currency)}`);
    if (page.afterId !== null) where.push(`a.id > ${$(cursorId(page.afterId))}`);
    const rows = await this.reader.rows<AccountRow>(
      `select ${ACCOUNT_COLUMNS} from ${LOGICAL_ACCOUNTS} ${whereClause(where)} order by a.id limit ${$(page.first + 1)}`,
      params,
    );
    return slice(rows.map(toAccountView), page.first);
  }

  /** Newest first. Owners see only entries touching their accounts, and only those postings. */
  async listEntries(scope: LedgerScope, filter: EntryFilter, page: PageRequest): Promise<Slice<EntryView>> {
    const params: unknown[] = [];
    const $ = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    const touches = (condition: string) =>
      `exists (select 1 from posting p join ledger_account a on a.id = p.account_id where p.entry_id = e.id and ${condition})`;
    if (filter.referenceType) where.push(`e.reference_type = ${$(filter.referenceType)}`);
    if (filter.referenceId) where.push(`e.reference_id = ${$(filter.referenceId)}`);
    if (filter.from) where.push(`e.created_at >= ${$(filter.from)}`);
    if (filter.to) where.push(`e.created_at < ${$(filter.to)}`);
    if (page.afterId !== null) where.push(`e.id < ${$(cursorId(page.afterId))}`);
    if (filter.account) {
      assertMayRead(scope, filter.account.code);
      where.push(
        touches(`a.code = ${$(filter.account.code)} and a.currency = ${$(filter.account.currency)}`),
      );
    }
    if (scope.kind === 'OWNER') {
      where.push(touches(`a.owner_kind = ${$(scope.ownerKind)} and a.owner_id = ${$(scope.ownerId)}`));
    }
    const rows = await this.reader.rows<EntryRow>(
      `select ${ENTRY_COLUMNS} from journal_entry e ${whereClause(where)} order by e.id desc limit ${$(page.first + 1)}`,
      params,
    );
    const visible = rows.slice(0, page.first);
    const postings = await this.postingsOf(
      this.reader,
      visible.map((r) => String(r.id)),
      scope,
    );
    const byEntry = new Map<string, PostingView[]>();
    for (const p of postings) byEntry.set(p.entryId, [...(byEntry.get(p.entryId) ?? []), p]);
    return {
      items: visible.map((r) => toEntryView(r, byEntry.get(String(r.id)) ?? [])),
      hasNextPage: rows.length > page.first,
    };
  }

  async getEntry(entryId: string): Promise<EntryView | null> {
    if (!ID.test(entryId)) return null;
    const rows = await this.reader.rows<EntryRow>(
      `select ${ENTRY_COLUMNS} from journal_entry e where e.id = $1`,
      [entryId],
    );
    return rows[0] === undefined ? null : toEntryView(rows[0], await this.postingsOf(this.reader, [entryId]));
  }

  /**
   * Postings of one logical account (all its shards) in posting-id order, each with the normal-side
   * balance right after it.
   */
  async statement(
    scope: LedgerScope,
    code: string,
    currency: string,
    page: PageRequest,
  ): Promise<Slice<StatementLine>> {
    const account = await this.findAccount(code, currency, scope);
    if (account === null) throw new LedgerError('ACCOUNT_NOT_FOUND', `no ${currency} account ${code}`);
    const sign = normalSide(account.type) === 'DEBIT' ? 'D' : 'C';
    const after = page.afterId === null ? '0' : cursorId(page.afterId);
    const rows = await this.reader.rows<StatementRow>(
      `with shard as (select id from ledger_account where code = $1 and currency = $5)
       select p.id, p.entry_id as "entryId", p.direction, p.amount_minor as "amountMinor", e.kind,
              e.reference_type as "referenceType", e.reference_id as "referenceId", e.created_at as "createdAt",
              (select coalesce(sum(case when q.direction = $2 then q.amount_minor else -q.amount_minor end), 0)
                 from posting q where q.account_id in (select id from shard) and q.id <= $3)
              + sum(case when p.direction = $2 then p.amount_minor else -p.amount_minor end) over (order by p.id) as running
         from posting p join journal_entry e on e.id = p.entry_id
        where p.account_id in (select id from shard) and p.id > $3
        order by p.id limit $4`,
      [code, sign, after, page.first + 1, currency],
    );
    return slice(
      rows.map((r) => ({
        postingId: r.id,
        entryId: r.entryId,
        entryKind: r.kind,
        reference: { type: r.referenceType, id: r.referenceId },
        createdAt: date(r.createdAt),
        direction: direction(r.direction),
        amount: { amountMinor: big(r.amountMinor), currency },
        runningBalance: { amountMinor: big(r.running), currency },
      })),
      page.first,
    );
  }

  /**
   * One account (all shards) over [from, to): the debit-minus-credit balance before `from`, the debits
   * and credits of entries created in the window, and the balance at `to` — a roll-forward. Computed
   * back from the cached totals, so it reads only the postings made since `from`.
   */
  async activityOf(code: string, currency: string, from: Date, to: Date): Promise<AccountActivity> {
    const rows = await this.reader.rows<Record<string, unknown>>(
      `with acc as (select id, debits_minor, credits_minor from ledger_account where code = $1 and currency = $2),
            since as (
              select coalesce(sum(p.amount_minor) filter (where p.direction = 'D' and e.created_at < $4), 0) as d_in,
                     coalesce(sum(p.amount_minor) filter (where p.direction = 'C' and e.created_at < $4), 0) as c_in,
                     coalesce(sum(p.amount_minor) filter (where p.direction = 'D'), 0) as d_all,
                     coalesce(sum(p.amount_minor) filter (where p.direction = 'C'), 0) as c_all
                from posting p join journal_entry e on e.id = p.entry_id
               where p.account_id in (select id from acc) and e.created_at >= $3)
       select coalesce((select sum(debits_minor - credits_minor) from acc), 0) as now_balance, since.* from since`,
      [code, currency, from, to],
    );
    const r = rows[0] ?? {};
    const opening = big(r['now_balance']) - big(r['d_all']) + big(r['c_all']);
    const debits = big(r['d_in']);
    const credits = big(r['c_in']);
    return {
      openingMinor: opening,
      debitMinor: debits,
      creditMinor: credits,
      closingMinor: opening + debits - credits,
    };
  }

  /** Per currency, over every account: total debits, total credits, and whether they are equal. */
  async trialBalance(): Promise<TrialBalanceLine[]> {
    const rows = await this.reader.rows<{ currency: string; debits: unknown; credits: unknown }>(
      `select currency, sum(debits_minor) as debits, sum(credits_minor) as credits
         from ledger_account group by currency order by currency`,
    );
    return rows.map((r) => {
      const debits = big(r.debits);
      const credits = big(r.credits);
      return {
        currency: r.currency,
        totalDebits: { amountMinor: debits, currency: r.currency },
        totalCredits: { amountMinor: credits, currency: r.currency },
        balanced: debits === credits,
      };
    });
  }

  /**
   * Logical accounts whose cached totals differ from the sum of their postings (should always be
   * empty). Compared per shard, so two shards drifting in opposite directions are still reported;
   * reported per logical account (id of shard 0, totals over all shards).
   */
  async cachedBalanceMismatches(): Promise<CachedBalanceMismatch[]> {
    const rows = await this.reader.rows<Record<string, unknown>>(
      `with per_shard as (
         select a.code, a.currency, a.shard, a.id, a.debits_minor, a.credits_minor,
                coalesce(s.debits, 0) as posted_debits, coalesce(s.credits, 0) as posted_credits
           from ledger_account a
           left join (select account_id,
                             sum(amount_minor) filter (where direction = 'D') as debits,
                             sum(amount_minor) filter (where direction = 'C') as credits
                        from posting group by account_id) s on s.account_id = a.id)
       select min(id) filter (where shard = 0) as id, sum(debits_minor) as debits_minor, sum(credits_minor) as credits_minor,
              sum(posted_debits) as posted_debits, sum(posted_credits) as posted_credits
         from per_shard group by code, currency
       having bool_or(debits_minor <> posted_debits or credits_minor <> posted_credits)`,
    );
    return rows.map((r) => ({
      accountId: String(r['id']),
      cached: { debits: big(r['debits_minor']), credits: big(r['credits_minor']) },
      posted: { debits: big(r['posted_debits']), credits: big(r['posted_credits']) },
    }));
  }

  protected async postingsOf(
    sql: Sql,
    entryIds: readonly string[],
    scope: LedgerScope = { kind: 'ALL' },
  ): Promise<(PostingView & { entryId: string })[]> {
    if (entryIds.length === 0) return [];
    const ownerOnly = scope.kind === 'OWNER';
    const rows = await sql.rows<PostingRow>(
      `select p.id, p.entry_id as "entryId", h.id as "accountId", a.code, p.direction, p.amount_minor as "amountMinor", p.currency
         from posting p join ledger_account a on a.id = p.account_id
         join ledger_account h on h.code = a.code and h.currency = a.currency and h.shard = 0
        where p.entry_id = any($1::bigint[]) ${ownerOnly ? 'and a.owner_kind = $2 and a.owner_id = $3' : ''}
        order by p.id`,
      ownerOnly ? [entryIds, scope.ownerKind, scope.ownerId] : [entryIds],
    );
    return rows.map((r) => ({ ...toPostingView(r), entryId: r.entryId }));
  }
}

type StatementRow = SqlRow<Posting, 'id' | 'entryId' | 'direction' | 'amountMinor'> &
  SqlRow<JournalEntry, 'kind' | 'referenceType' | 'referenceId' | 'createdAt'> & { running: string };

function whereClause(where: readonly string[]): string {
  return where.length === 0 ? '' : `where ${where.join(' and ')}`;
}

function slice<T>(rows: readonly T[], first: number): Slice<T> {
  return { items: rows.slice(0, first), hasNextPage: rows.length > first };
}

function cursorId(id: string): string {
  if (!ID.test(id)) throw new InputError('after is not a cursor this API issued', 'after');
  return id;
}
