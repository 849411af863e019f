import { Role, type Viewer } from '../auth/index.js';
import { AccessError } from '../errors/index.js';
import { accountSpec, type OwnerKind } from './chart-of-accounts.js';

/** What a caller may read: everything (finance, admin) or only the accounts it owns. */
export type LedgerScope =
  | { readonly kind: 'ALL' }
  | { readonly kind: 'OWNER'; readonly ownerKind: OwnerKind; readonly ownerId: string };

export const ALL_ACCOUNTS: LedgerScope = { kind: 'ALL' };

const OWNER_ROLES: Partial<Record<Role, OwnerKind>> = {
  [Role.MERCHANT]: 'MERCHANT',
  [Role.RIDER]: 'RIDER',
  [Role.CUSTOMER]: 'CUSTOMER',
};

export function ledgerScopeFor(viewer: Viewer): LedgerScope {
  if (viewer.role === Role.FINANCE || viewer.role === Role.ADMIN) return ALL_ACCOUNTS;
  const ownerKind = OWNER_ROLES[viewer.role];
  if (ownerKind === undefined) throw AccessError.forbidden('the ledger');
  return { kind: 'OWNER', ownerKind, ownerId: viewer.subject };
}

/** Decided from the code alone, so a refusal says nothing about whether the account exists. */
export function assertMayRead(scope: LedgerScope, code: string): void {
  if (scope.kind === 'ALL') return;
  const spec = accountSpec(code);
  if (spec.ownerKind !== scope.ownerKind || spec.ownerId !== scope.ownerId)
    throw AccessError.forbidden('this account');
}
