/**
 * Finance's decisions on a discrepancy, each in one transaction with its audit record: explain it as
 * TIMING, post an adjustment against `recon:{provider}:suspense` (a balanced ledger entry, never an
 * edit; its note is mandatory), or link it to one of our payments or refunds. An item is decided once.
 */
import { recordAudit, type Actor } from '../src/audit/index.js';
import { inTransaction, sqlOn, type Orm } from '../src/db/index.js';
import { accountCodes, reconciliationAdjustment, type LedgerService } from '../src/ledger/index.js';
import type { PaymentsService } from '../src/payments/index.js';
import type { RefundService } from '../src/refunds/index.js';
import { ReconError } from './recon.errors.js';
import type { ReconProvider } from './recon.model.js';

export type Resolution =
  | { readonly action: 'EXPLAIN_TIMING'; readonly note: string }
  | { readonly action: 'ADJUST'; readonly note: string }
  | {
      readonly action: 'LINK';
      readonly note: string;
      readonly targetType: 'PAYMENT' | 'REFUND';
      readonly targetId: string;
    };

export interface ResolveDeps {
  readonly orm: Orm;
  readonly ledger: LedgerService;
  readonly payments: PaymentsService;
  readonly refunds: RefundService;
}

interface LockedItem {
  id: string;
  provider: ReconProvider;
  category: string;
  status: string;
  currency: string;
  clearing_delta_minor: string;
  superseded_at: Date | null;
}

export async function resolveItem(
  deps: ResolveDeps,
  itemId: string,
  r: Resolution,
  actor: Actor,
): Promise<void> {
  const note = r.note.trim();
  if (r.action === 'ADJUST' && note.length === 0)
    throw new ReconError('NOTE_REQUIRED', 'an adjustment needs a note saying what was found and why');
  if (r.action === 'LINK') await requireTarget(deps, r.targetType, r.targetId);
  await inTransaction(deps.orm, async (em) => {
    const sql = sqlOn(em);
    const [item] = await sql.rows<LockedItem>(
      `select i.id, i.provider, i.category, i.status, i.currency, i.clearing_delta_minor, r.superseded_at
         from recon_item i join recon_run r on r.id = i.run_id where i.id = $1 for update of i`,
      [itemId],
    );
    if (item === undefined) throw new ReconError('DISCREPANCY_NOT_FOUND', `no discrepancy ${itemId}`);
    if (item.status !== 'OPEN')
      throw new ReconError('ALREADY_RESOLVED', `discrepancy ${itemId} is already ${item.status}`);
    if (item.superseded_at !== null)
      throw new ReconError(
        'INVALID_RESOLUTION',
        'this discrepancy belongs to a superseded run: decide on the current one',
      );
    let entryId: string | null = null;
    if (r.action === 'ADJUST') {
      const delta = BigInt(item.clearing_delta_minor);
      if (delta === 0n)
        throw new ReconError('INVALID_RESOLUTION', `a ${item.category} moves no money: explain it instead`);
      const posted = await deps.ledger.post(
        reconciliationAdjustment({
          itemId,
          provider: item.provider,
          amount: { amountMinor: delta < 0n ? -delta : delta, currency: item.currency },
          // The provider holds more than the ledger shows: clearing up (debit), suspense credited; else the reverse.
          suspenseSide: delta > 0n ? 'CREDIT' : 'DEBIT',
          counterAccount: accountCodes.providerClearing(item.provider),
          note,
          discrepancy: item.category,
        }),
        { em },
      );
      entryId = posted.entry.id;
    }
    const linked = r.action === 'LINK' ? { type: r.targetType, id: r.targetId } : null;
    const resolution =
      r.action === 'EXPLAIN_TIMING' ? 'TIMING' : r.action === 'ADJUST' ? 'ADJUSTMENT' : 'LINK';
    await sql.rows(
      `update recon_item set status = 'RESOLVED', resolution = $2, resolution_note = $3, resolved_by = $4,
              resolved_role = $5, resolved_at = now(), adjustment_entry_id = $6, linked_type = $7, linked_id = $8
        where id = $1`,
      [
        itemId,
        resolution,
        note || null,
        actor.id,
        actor.role,
        entryId,
        linked?.type ?? null,
        linked?.id ?? null,
      ],
    );
    await recordAudit(sql, {
      actor,
      action: 'recon.resolve',
      subjectType: 'recon_item',
      subjectId: itemId,
      before: { status: 'OPEN', category: item.category },
      after: { status: 'RESOLVED', resolution, note, adjustmentEntryId: entryId, linked },
    });
  });
}

async function requireTarget(deps: ResolveDeps, type: 'PAYMENT' | 'REFUND', id: string): Promise<void> {
  const found = type === 'PAYMENT' ? await deps.payments.getPayment(id) : await deps.refunds.get(id);
  if (found === null) throw new ReconError('LINK_TARGET_NOT_FOUND', `no ${type.toLowerCase()} ${id}`);
}
